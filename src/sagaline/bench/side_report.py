"""`sagaline bench side-by-side --report`: the empty and the loaded run side by side, each
figure with its difference and a mark where the loaded one is more than 10 % worse; and the
`history` section of latest.json, rewritten from them (every other key of the file kept, and
the history's own keys these runs do not measure, such as the audit and the loader's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagaline.bench.explain import execution_ms
from sagaline.bench.side_by_side import path_of

# Each compared figure, and whether more of it is better (throughput) or worse (latency).
HIGHER_IS_BETTER = {
    "closed_loop_sagas_per_s": True, "p50_ms_at_50": False, "p99_ms_at_50": False,
    "p50_ms_at_200": False, "p99_ms_at_200": False, "post_p99_ms": False, "get_p99_ms": False,
    "dashboard_api_p99_ms": False, "dashboard_first_render_ms": False}
TOLERANCE_PCT = 10.0
NOTICED_MS = 0.5  # a query slower by less than this is not listed, whatever its %
AUDIT_FILE = "history-audit.json"  # written by whoever measured the audit at this size


def difference_pct(empty: float | None, loaded: float | None) -> float | None:
    """How much the loaded figure differs from the empty one, in % of the empty one."""
    if empty is None or loaded is None or empty == 0:
        return None
    return round((loaded - empty) / empty * 100, 1)


def within_tolerance(figure: str, empty: float | None, loaded: float | None) -> bool | None:
    """Whether the loaded figure is at most 10 % worse than the empty one (None: unknown)."""
    diff = difference_pct(empty, loaded)
    if diff is None:
        return None
    worse_by = -diff if HIGHER_IS_BETTER[figure] else diff
    return worse_by <= TOLERANCE_PCT


def table(empty: dict[str, Any], loaded: dict[str, Any]) -> str:
    lines = [f"{'figure':<28}{'empty':>12}{'loaded':>12}{'diff':>10}"]
    for figure in HIGHER_IS_BETTER:
        e, lo = empty.get(figure), loaded.get(figure)
        diff = difference_pct(e, lo)
        mark = "  << more than 10 % worse" if within_tolerance(figure, e, lo) is False else ""
        shown = "-" if diff is None else f"{diff:+.1f} %"
        lines.append(f"{figure:<28}{_number(e):>12}{_number(lo):>12}{shown:>10}{mark}")
    return "\n".join(lines)


def slower_queries(empty: list[dict[str, Any]], loaded: list[dict[str, Any]]) -> list[str]:
    """The hot queries more than 10 % (and NOTICED_MS) slower loaded than empty, slowest
    first: where to look when a figure is worse (their plans are in the runs' files)."""
    before = {_query(plan): execution_ms(plan["plan"]) for plan in empty}
    found = []
    for plan in loaded:
        was, now = before.get(_query(plan)), execution_ms(plan["plan"])
        if was is not None and now is not None and now > max(was * 1.1, was + NOTICED_MS):
            found.append((now, f"  {plan['label']} ({plan['service']}): {was:,.2f} -> "
                               f"{now:,.2f} ms: {plan['sql'][:70]}"))
    return [line for _, line in sorted(found, reverse=True)]


def _query(plan: dict[str, Any]) -> tuple[str, str, str]:
    return plan["label"], plan["service"], plan["sql"]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def history_section(empty: dict[str, Any], loaded: dict[str, Any], sagas: int | None,
                    audit: dict[str, Any] | None) -> dict[str, Any]:
    """What latest.json's `history` gets from the two runs (and an audit's file, if any)."""
    e, lo = empty["figures"], loaded["figures"]
    section: dict[str, Any] = {
        "sagas": sagas if sagas is not None else loaded["sagas_loaded"],
        "empty": e, "loaded": lo,
        "within_10_percent": {f: within_tolerance(f, e.get(f), lo.get(f))
                              for f in HIGHER_IS_BETTER},
        "measured_at": {"empty": empty["started_at"], "loaded": loaded["started_at"]},
        "quick": bool(empty.get("quick") or loaded.get("quick")),
        "database_mb": loaded["database_mb"]}
    if section["sagas"]:  # what the history added (an empty database has its own bytes)
        section["bytes_per_saga"] = {
            name: round((mb - empty["database_mb"].get(name, 0.0)) * 2**20 / section["sagas"])
            for name, mb in loaded["database_mb"].items()}
    if audit is not None:
        section["audit"] = audit
    return section


def merged_history(latest: dict[str, Any], section: dict[str, Any]) -> dict[str, Any]:
    """`latest` with its `history` updated by `section`: every other key of `latest`, and
    every history key `section` has none of, kept as they were; an audit merged key by key."""
    old = latest.get("history") or {}
    history = {**old, **section}
    if "audit" in section and isinstance(old.get("audit"), dict):
        history["audit"] = {**old["audit"], **section["audit"]}
    return {**latest, "history": history}


def _read(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(path.read_text())
    return found


def report(out_dir: Path, sagas: int | None) -> str:
    """Compare `<out>/history-empty.json` and `history-loaded.json`, rewrite the history of
    `<out>/latest.json`; the table, for printing. FileNotFoundError names a missing run."""
    empty, loaded = _read(path_of(out_dir, "empty")), _read(path_of(out_dir, "loaded"))
    audit_file = out_dir / AUDIT_FILE
    audit = _read(audit_file) if audit_file.exists() else None
    latest_file = out_dir / "latest.json"
    latest = _read(latest_file) if latest_file.exists() else {}
    section = history_section(empty, loaded, sagas, audit)
    # As the bench writes it (summary.write): a diff shows only what changed.
    latest_file.write_text(json.dumps(merged_history(latest, section), indent=2) + "\n")
    slower = slower_queries(empty.get("plans", []), loaded.get("plans", []))
    heading = ("queries slower loaded (EXPLAIN ANALYZE; the plans are in the runs' files):"
               if slower else "no hot query more than 10 % slower loaded")
    return "\n".join([f"{section['sagas']:,} sagas loaded",
                      table(empty["figures"], loaded["figures"]), heading, *slower,
                      f"history section of {latest_file} rewritten"])
