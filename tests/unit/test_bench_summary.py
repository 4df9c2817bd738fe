"""The bench's results on disk and on screen: `latest.json` keeps what other runs wrote into
it, and the table reads every throughput against the machine's probes of the same run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagaline.bench import harness, summary

pytestmark = pytest.mark.unit


def run_result(achieved: float = 500.0) -> dict[str, Any]:
    step = {"offered_per_s": 50, "accepted_per_s": 50.0, "achieved_per_s": 50.0,
            "p50_ms": 7.0, "p95_ms": 9.0, "p99_ms": 12.0, "max_ms": 20.0,
            "sagas_unfinished": 0, "generator_lag_p99_ms": 1.0}
    return {"started_at": "2026-12-08T10:00:00+00:00", "steps": [step],
            "closed_loop": {**step, "offered_per_s": None, "achieved_per_s": achieved}}


def test_a_new_run_keeps_the_history_section_of_latest_json(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "plot", lambda *_args: [])  # the plots are not the point
    history = {"sagas": 3_020_000, "audit": {"seconds": 128.3, "max_rss_mb": 99.4}}
    old = {**run_result(400.0), "history": history}
    (tmp_path / "latest.json").write_text(json.dumps(old))

    run_path = summary.write(run_result(900.0), tmp_path)

    latest = json.loads((tmp_path / "latest.json").read_text())
    assert latest["closed_loop"]["achieved_per_s"] == 900.0  # the new run's figures
    assert latest["history"] == history  # and the history another command measured
    assert "history" not in json.loads(run_path.read_text())  # the run's own file: the run


def test_a_run_that_measured_a_history_replaces_the_old_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "plot", lambda *_args: [])
    (tmp_path / "latest.json").write_text(json.dumps({"history": {"sagas": 1}}))
    summary.write({**run_result(), "history": {"sagas": 2}}, tmp_path)
    assert json.loads((tmp_path / "latest.json").read_text())["history"] == {"sagas": 2}


def measured(result: dict[str, Any], client: bool = True) -> dict[str, Any]:
    """`result` with the probes of a run: pgbench 8,000 commits/s, at 8 commits per saga."""
    for figure in (*result["steps"], result["closed_loop"]):
        figure["commits_per_saga"] = {"total": 8.0}
    result["postgres_insert"] = {"tps": 8000.0}
    result["kafka_round_trip"] = {"round_trip": {"p50_ms": 1.6}}
    if client:
        result["client_capacity"] = {"aiohttp_x1_req_per_s": 5800.0, "httpx_x1_req_per_s": 1.0}
    return result


def cells(text: str, label: str) -> dict[str, str]:
    """The row of `label` (its first cell) as {column: cell}."""
    lines = text.splitlines()
    head = [h.strip() for h in summary.HEAD]
    row = next(line for line in lines if line.split()[0] == label)
    # Headers hold spaces, cells do not: the last len(HEAD) words of the row are its cells.
    return dict(zip(head, row.split()[-len(head):], strict=True))


def test_every_throughput_is_read_against_the_probes_and_the_postgres_bound() -> None:
    result = measured(run_result(achieved=400.0))
    result["baseline"] = {**result["steps"][0], "offered_per_s": None, "achieved_per_s": 10.0}
    harness._headline(result)

    assert result["probes"] == {
        "pgbench_commits_per_s": 8000.0, "kafka_round_trip_p50_ms": 1.6,
        "client_req_per_s": 5800.0, "commits_per_saga": 8.0,
        "postgres_bound_sagas_per_s": 1000.0, "missing": []}
    assert result["closed_loop"]["fraction_of_postgres_bound"] == 0.4  # 400 of 8,000 / 8
    assert result["steps"][0]["fraction_of_postgres_bound"] == 0.05
    assert result["baseline"]["fraction_of_postgres_bound"] == 0.01
    # the keys earlier readers of latest.json use stay
    assert result["fraction_of_postgres_bound"] == 0.4
    assert result["postgres_bound_sagas_per_s"] == 1000.0
    assert result["postgres_insert_tps"] == 8000.0

    text = summary.table(result)
    for label, fraction in (("50", "0.05"), ("closed_loop", "0.4"), ("baseline", "0.01")):
        row = cells(text, label)
        assert (row["pgbench/s"], row["kafka rtt ms"], row["client req/s"]) \
            == ("8000.0", "1.6", "5800.0"), row
        assert (row["pg bound/s"], row["of bound"]) == ("1000.0", fraction), row
    assert "missing" not in text


def test_a_skipped_probe_is_a_dash_and_named() -> None:
    result = measured(run_result(), client=False)  # as --quick runs: no client capacity
    harness._headline(result)
    assert result["probes"]["missing"] == ["client_req_per_s"]
    text = summary.table(result)
    assert cells(text, "closed_loop")["client req/s"] == "-"
    assert cells(text, "closed_loop")["of bound"] == "0.5"  # the bound needs no client
    assert "missing (shown as -): client capacity (skipped: --quick" in text


def test_without_pgbench_there_is_no_bound_and_no_fraction() -> None:
    result = measured(run_result())
    del result["postgres_insert"], result["kafka_round_trip"]  # the limits were skipped
    harness._headline(result)
    assert result["probes"]["missing"] == ["pgbench_commits_per_s", "kafka_round_trip_p50_ms",
                                           "postgres_bound_sagas_per_s"]
    assert result["closed_loop"]["fraction_of_postgres_bound"] is None
    assert "fraction_of_postgres_bound" not in result  # as before: only with a bound
    row = cells(summary.table(result), "closed_loop")
    assert (row["pgbench/s"], row["pg bound/s"], row["of bound"]) == ("-", "-", "-")
