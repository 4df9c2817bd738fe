"""What the dashboard reads from the order database. Every query is bounded: by the
(status, created_at) and finished_at indexes, a LIMIT, or a short time window."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from sagaline.services.order.status import NOT_FINAL, OrderStatus

_EPOCH = "extract(epoch FROM {0})::float8 AS {0}"
_COLUMNS = ", ".join([
    "order_id::text AS order_id", "user_id", "total_amount::float8 AS total_amount", "status",
    "reason", *(_EPOCH.format(c) for c in ("created_at", "updated_at", "finished_at"))])
# Newest of one status, by the (status, created_at) index; the union is sorted once more.
_NEWEST = f"(SELECT {_COLUMNS} FROM orders WHERE status = %s ORDER BY created_at DESC LIMIT %s)"
# Counting the sagas in flight stops here: past it the page says "10000+".
IN_FLIGHT_CAP = 10_000


def recent(conn: psycopg.Connection, status: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest `limit` orders, of one status or of any."""
    statuses = [status] if status else list(OrderStatus)
    query = " UNION ALL ".join([_NEWEST] * len(statuses))
    params = [p for s in statuses for p in (s, limit)]
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, params).fetchall()
    return sorted(rows, key=lambda r: r["created_at"], reverse=True)[:limit]


def not_moving(conn: psycopg.Connection, idle_s: float, limit: int) -> list[dict[str, Any]]:
    """Orders not final whose row has not changed for `idle_s`, oldest first."""
    query = " UNION ALL ".join(
        [f"(SELECT {_COLUMNS} FROM orders WHERE status = %s AND updated_at < now() - "
         "make_interval(secs => %s) ORDER BY created_at LIMIT %s)"] * len(NOT_FINAL))
    params = [p for s in NOT_FINAL for p in (s, idle_s, limit)]
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(query, params).fetchall()
    return sorted(rows, key=lambda r: r["updated_at"])[:limit]


def in_flight(conn: psycopg.Connection) -> dict[str, int]:
    """How many orders are in each status that is not final (capped at IN_FLIGHT_CAP)."""
    query = " UNION ALL ".join(
        ["SELECT %s, count(*) FROM (SELECT 1 FROM orders WHERE status = %s LIMIT %s) o"]
        * len(NOT_FINAL))
    params = [p for s in NOT_FINAL for p in (s, s, IN_FLIGHT_CAP)]
    return {status: int(n) for status, n in conn.execute(query, params).fetchall()}


def finished(conn: psycopg.Connection, window_s: float) -> dict[str, Any]:
    """Sagas finished in the last `window_s`: per whole second and outcome, how many; and
    the p50/p95/p99 of their latency (placed to final) over the whole window."""
    window = "finished_at >= now() - make_interval(secs => %s)"
    counts = conn.execute(
        "SELECT floor(extract(epoch FROM finished_at))::bigint, status, coalesce(reason, ''),"
        f" count(*) FROM orders WHERE {window} GROUP BY 1, 2, 3", (window_s,)).fetchall()
    quantiles = conn.execute(
        "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP"
        " (ORDER BY extract(epoch FROM finished_at - created_at)), count(*)"
        f" FROM orders WHERE {window}", (window_s,)).fetchone()
    per_second = [{"second": int(s), "outcome": outcome(st, r), "count": int(n)}
                  for s, st, r, n in counts]
    p = quantiles[0] if quantiles and quantiles[0] else [None, None, None]
    return {"per_second": per_second, "p50": p[0], "p95": p[1], "p99": p[2]}


def outcome(status: str, reason: str | None) -> str:
    """How a finished saga ended, for the charts: CONFIRMED, or CANCELLED with its reason."""
    return f"{status} {reason}" if reason else status


def one(conn: psycopg.Connection, order_id: str) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(f"SELECT {_COLUMNS}, items FROM orders WHERE order_id = %s::uuid",
                           (order_id,)).fetchone()
