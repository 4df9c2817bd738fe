"""Searching the saga records in the owner's database (the rows `order_queries` reads): by
id or an id's prefix, user, status, reason and time placed, newest first, a page at a time.
The next page starts after the last row shown (keyset: its created_at and id), so paging
past the newest stays right while new sagas arrive and costs no OFFSET scan. The prefix is
a range of the primary key; the statement timeout of the read-only pool bounds the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from sagaline.dashboard.order_queries import COLUMNS

_HEX = re.compile(r"[0-9a-f]{1,32}")
_CURSOR = re.compile(r"(\d{1,19}):([0-9a-f-]{36})")


class BadSearch(ValueError):
    """A search term that cannot be one (the message says which)."""


@dataclass(frozen=True)
class Search:
    id_prefix: str = ""
    user: str = ""
    status: str = ""
    reason: str = ""
    since: float | None = None  # epoch seconds, placed at or after
    until: float | None = None  # ... and before
    after: str = ""  # the cursor of the last row of the page before

    def where(self) -> tuple[str, list[Any]]:
        terms: list[str] = ["TRUE"]
        args: list[Any] = []
        if self.id_prefix:
            terms.append("order_id BETWEEN %s::uuid AND %s::uuid")
            args += id_range(self.id_prefix)
        for column, value in (("user_id", self.user), ("status", self.status),
                              ("reason", self.reason)):
            if value:
                terms.append(f"{column} = %s")
                args.append(value)
        if self.since is not None:
            terms.append("orders.created_at >= to_timestamp(%s)")
            args.append(self.since)
        if self.until is not None:
            terms.append("orders.created_at < to_timestamp(%s)")
            args.append(self.until)
        if self.after:
            found = _CURSOR.fullmatch(self.after)
            if not found:
                raise BadSearch(f"not a page cursor: {self.after!r}")
            terms.append("(orders.created_at, order_id) < ('epoch'::timestamptz"
                         " + %s::bigint * interval '1 microsecond', %s::uuid)")
            args += [int(found[1]), found[2]]
        return " AND ".join(terms), args


def id_range(prefix: str) -> list[str]:
    """The lowest and highest uuid starting with `prefix` (dashes optional)."""
    digits = prefix.lower().replace("-", "")
    if not _HEX.fullmatch(digits):
        raise BadSearch(f"an id or its start, in hex: {prefix!r}")
    return [_uuid(digits.ljust(32, "0")), _uuid(digits.ljust(32, "f"))]


def _uuid(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def page(conn: psycopg.Connection, search: Search,
         limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit` sagas, newest first, and the cursor of the next page (None: the last)."""
    where, args = search.where()
    query = (f"SELECT {COLUMNS}, (extract(epoch FROM orders.created_at) * 1000000)::bigint"
             f" AS cursor_us FROM orders WHERE {where}"
             " ORDER BY orders.created_at DESC, order_id DESC LIMIT %s")
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, [*args, limit + 1]).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = f"{rows[-1]['cursor_us']}:{rows[-1]['saga_id']}" if more else None
    for row in rows:
        del row["cursor_us"]
    return rows, cursor
