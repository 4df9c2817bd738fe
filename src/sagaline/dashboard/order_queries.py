"""What the dashboard reads of the saga records, in the owner's database (the order step's
`orders` table: one row per saga, its status from the saga's status table). Every query is
bounded: by the (status, created_at) and finished_at indexes, a LIMIT, or a short time
window. The statuses come from the declaration (`StatusMachine`), never from here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

_EPOCH = "extract(epoch FROM {0})::float8 AS {0}"
COLUMNS = _COLUMNS = ", ".join([
    "order_id::text AS saga_id", "user_id", "total_amount::float8 AS total_amount", "status",
    "reason", *(_EPOCH.format(c) for c in ("created_at", "updated_at", "finished_at"))])
# Newest of one status, by the (status, created_at) index; the union is sorted once more.
# The table's column, qualified: a bare `created_at` names the output's epoch float, which
# no index has (a scan and sort of every order of that status).
_NEWEST = (f"(SELECT {_COLUMNS} FROM orders WHERE status = %s ORDER BY orders.created_at DESC"
           " LIMIT %s)")
# Counting the sagas in flight stops here: past it the page says "10000+".
IN_FLIGHT_CAP = 10_000


def recent(conn: psycopg.Connection, statuses: Sequence[str],
           limit: int) -> list[dict[str, Any]]:
    """The newest `limit` sagas in any of `statuses`."""
    query = " UNION ALL ".join([_NEWEST] * len(statuses))
    params = [p for s in statuses for p in (s, limit)]
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, params).fetchall()
    return sorted(rows, key=lambda r: r["created_at"], reverse=True)[:limit]


def not_moving(conn: psycopg.Connection, not_final: Sequence[str], idle_s: float,
               limit: int) -> list[dict[str, Any]]:
    """Sagas in a status of `not_final` whose row has not changed for `idle_s`, oldest
    first."""
    query = " UNION ALL ".join(
        [f"(SELECT {_COLUMNS} FROM orders WHERE status = %s AND updated_at < now() - "
         "make_interval(secs => %s) ORDER BY orders.created_at LIMIT %s)"] * len(not_final))
    params = [p for s in not_final for p in (s, idle_s, limit)]
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, params).fetchall()
    return sorted(rows, key=lambda r: r["updated_at"])[:limit]


def in_flight(conn: psycopg.Connection, not_final: Sequence[str]) -> dict[str, int]:
    """How many sagas are in each status of `not_final` (capped at IN_FLIGHT_CAP)."""
    query = " UNION ALL ".join(
        ["SELECT %s, count(*) FROM (SELECT 1 FROM orders WHERE status = %s LIMIT %s) o"]
        * len(not_final))
    params = [p for s in not_final for p in (s, s, IN_FLIGHT_CAP)]
    return {status: int(n) for status, n in conn.execute(query, params).fetchall()}


def finished(conn: psycopg.Connection, since: float) -> dict[int, dict[str, Any]]:
    """Sagas finished since `since` (epoch seconds), per whole second: how many of each
    outcome, and the p50/p95/p99 of their latency (placed to final). One statement over the
    finished_at index."""
    rows = conn.execute(
        "SELECT s, status, reason, count(*), percentile_cont(ARRAY[0.5, 0.95, 0.99])"
        " WITHIN GROUP (ORDER BY latency) FROM (SELECT floor(extract(epoch FROM finished_at))"
        "::bigint AS s, status, coalesce(reason, '') AS reason,"
        " extract(epoch FROM finished_at - created_at)::float8 AS latency FROM orders"
        " WHERE finished_at >= to_timestamp(%s)) f"
        " GROUP BY GROUPING SETS ((s, status, reason), (s))", (since,)).fetchall()
    seconds: dict[int, dict[str, Any]] = {}
    for second, status, reason, count, quantiles in rows:
        found = seconds.setdefault(int(second), {"outcomes": {}, "latency": None})
        if status is None:  # the second's own row: every outcome together
            found["latency"] = dict(zip(("p50", "p95", "p99"), quantiles, strict=True))
        else:
            found["outcomes"][outcome(status, reason)] = int(count)
    return seconds


def outcome(status: str, reason: str | None) -> str:
    """How a finished saga ended, for the charts: its final status, with its reason if any."""
    return f"{status} {reason}" if reason else status


def one(conn: psycopg.Connection, saga_id: str) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {_COLUMNS}, items FROM orders WHERE order_id = %s::uuid",
                           (saga_id,)).fetchone()
