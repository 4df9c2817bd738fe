"""The inbox table: which events each consumer has handled, written in the handler's transaction.

Two ways to record a batch. `claim` bets that none of its events was handled before, which is
true of nearly every batch: its INSERT is queued with the handlers' statements and costs no
round trip of its own, and a redelivered event makes the transaction fail (`AlreadyDelivered`).
`first_deliveries` asks first and returns only the new events: one round trip, never fails on
a duplicate. The consumer tries the first and falls back on the second.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import psycopg

from sagaline.core.messaging.envelope import Envelope

_PRIMARY_KEY = "inbox_pkey"
_ROWS = "SELECT %s, e.id, e.topic FROM unnest(%b::uuid[], %b::text[]) AS e(id, topic)"


class AlreadyDelivered(Exception):
    """A claimed event had been handled by this consumer before: nothing was kept."""


def claim(conn: psycopg.Connection, consumer: str, events: Sequence[Envelope]) -> None:
    """Mark `events` (distinct ids) handled, in the open transaction, without waiting for the
    answer. If one was handled before, the primary key fails the transaction (at the next fetch
    or at commit): see `is_claim_conflict`. A concurrent claim of the same event waits for the
    other transaction, then fails if that one committed."""
    conn.execute("INSERT INTO inbox (consumer, event_id, topic) " + _ROWS, _arguments(consumer,
                                                                                        events))


def is_claim_conflict(error: BaseException) -> bool:
    """True for the error a `claim` of an already handled event raises."""
    return (isinstance(error, psycopg.errors.UniqueViolation)
            and error.diag.constraint_name == _PRIMARY_KEY)


def first_deliveries(conn: psycopg.Connection, consumer: str,
                     events: Sequence[Envelope]) -> list[Envelope]:
    """Mark `events` handled and return those that had not been, in order, each once. ON
    CONFLICT DO NOTHING is atomic against a concurrent delivery of the same event (it waits for
    that transaction, then skips)."""
    rows = conn.execute(
        "INSERT INTO inbox (consumer, event_id, topic) " + _ROWS
        + " ON CONFLICT DO NOTHING RETURNING event_id", _arguments(consumer, events)).fetchall()
    return distinct(events, {row[0] for row in rows})


def distinct(events: Sequence[Envelope], among: set[uuid.UUID] | None = None) -> list[Envelope]:
    """The events whose id is in `among` (default: all), each id once, in their order."""
    wanted = set(among) if among is not None else {e.event_id for e in events}
    result = []
    for event in events:
        if event.event_id in wanted:
            wanted.discard(event.event_id)
            result.append(event)
    return result


def handled(conn: psycopg.Connection, consumer: str,
            event_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `event_ids` that `consumer` has handled (and not yet forgotten)."""
    rows = conn.execute("SELECT event_id FROM inbox WHERE consumer = %s AND event_id = ANY(%s)",
                        (consumer, list(event_ids))).fetchall()
    return {row[0] for row in rows}


def purge_handled(conn: psycopg.Connection, older_than_s: float) -> int:
    """Forget marks older than `older_than_s`; returns how many. A copy of such an event
    delivered after that would be handled again (see core.retention)."""
    cur = conn.execute(
        "DELETE FROM inbox WHERE handled_at < clock_timestamp() - make_interval(secs => %s)",
        (older_than_s,))
    return cur.rowcount


def _arguments(consumer: str, events: Sequence[Envelope]) -> tuple[object, ...]:
    return consumer, [e.event_id for e in events], [e.topic for e in events]
