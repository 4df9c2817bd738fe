"""The operator log as CSV (`sagaline log --format csv` and the dashboard's export): one
row per entry, its sagas space-separated, its detail as JSON. A cell that a spreadsheet
would run as a formula (=, +, -, @ first) is kept as text with a leading quote."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from sagaline.core.operator_log import Entry

FIELDS = list(Entry("", "", "", "").as_row())
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def as_csv(rows: Iterable[Mapping[str, Any]], fields: list[str] | None = None) -> str:
    """`rows` (the operator log's by default: `Entry.as_row()`) as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields or FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(_flat(v)) for k, v in row.items()})
    return out.getvalue()


def _flat(value: object) -> object:
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return value
