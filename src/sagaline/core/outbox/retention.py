"""Housekeeping: published outbox rows and old inbox rows are deleted after their retention,
so both tables stay small. Deleting an inbox row forgets that an event was handled: a copy of
it redelivered after that would be handled again, hence the long default inbox retention and
the refusal to replay older dead letters (see `dlq replay`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from sagaline.core.messaging import inbox
from sagaline.core.outbox import store as outbox

log = logging.getLogger(__name__)


class Housekeeper:
    def __init__(self, connect: Callable[[], psycopg.Connection], outbox_retention_s: float,
                 inbox_retention_s: float, interval_s: float = 60.0) -> None:
        self._connect = connect
        self.outbox_retention_s = outbox_retention_s
        self.inbox_retention_s = inbox_retention_s
        self.interval_s = interval_s

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval_s):
            try:
                self.purge()
            except psycopg.Error as exc:
                log.warning("housekeeping: %s", exc)

    def purge(self) -> tuple[int, int]:
        """Delete what is past retention; returns (outbox rows, inbox rows) deleted."""
        with self._connect() as conn, conn.transaction():
            published = outbox.purge_published(conn, self.outbox_retention_s)
            handled = inbox.purge_handled(conn, self.inbox_retention_s)
        if published or handled:
            log.info("purged %d outbox and %d inbox rows", published, handled)
        return published, handled
