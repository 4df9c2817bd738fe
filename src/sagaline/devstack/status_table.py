"""Human-readable tables of what runs where."""

from __future__ import annotations

from pathlib import Path

from sagaline.devstack.component import ComponentStatus

HEADER = ("component", "state", "pid", "address", "data dir", "log")


def _rel(path: Path | None) -> str:
    if path is None:
        return "-"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _state(row: ComponentStatus) -> str:
    if row.external:
        return "external" if row.running else "unreachable"
    return "running" if row.running else "stopped"


def table(rows: list[ComponentStatus]) -> str:
    """A plain aligned table, one line per component."""
    cells = [HEADER] + [
        (r.name, _state(r), str(r.pid or "-"), r.address, _rel(r.data_dir), _rel(r.log_file))
        for r in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )
