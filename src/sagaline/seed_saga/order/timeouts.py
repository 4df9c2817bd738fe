"""The saga deadline: a worker that cancels orders not final in time (see `cancel_overdue`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from psycopg_pool import PoolTimeout

from sagaline.core.status_machine import StatusMachine
from sagaline.seed_saga.order.handlers import cancel_overdue
from sagaline.seed_saga.order.repository import OrderUnitOfWork

log = logging.getLogger(__name__)


class SagaDeadline:
    """Every `interval_s`, cancels orders older than `deadline_s` that are not final. Safe
    with several replicas (overdue rows are claimed with SKIP LOCKED)."""

    def __init__(self, unit_of_work: Callable[[], OrderUnitOfWork], deadline_s: float,
                 statuses: StatusMachine, interval_s: float = 1.0) -> None:
        self._unit_of_work = unit_of_work
        self._statuses = statuses
        self.deadline_s = deadline_s
        self.interval_s = interval_s

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval_s):
            try:
                self.sweep()
            except (psycopg.Error, PoolTimeout) as exc:
                log.warning("deadline sweep: %s", exc)

    def sweep(self) -> int:
        cancelled = 0
        while True:
            with self._unit_of_work() as uow:
                batch = cancel_overdue(uow, self.deadline_s, self._statuses)
            cancelled += batch
            if batch == 0:
                break
        if cancelled:
            log.info("cancelled %d orders past their %.0f s deadline", cancelled,
                     self.deadline_s)
        return cancelled
