"""Group commit: commands that arrive while a transaction is committing share the next one.

One transaction per HTTP request costs a commit (and its fsync), a pooled connection and a
thread hop per request. Under load most of that is waiting; queueing the commands that arrive
meanwhile and running them together costs one commit per batch instead, and adds no wait
when idle: a lone command starts its transaction at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeAlias, TypeVar

from sagaline.core.messaging.retry import is_transient
from sagaline.core.postgres.db import CommitOutcomeUnknown
from sagaline.core.postgres.unit_of_work import UnitOfWork

C = TypeVar("C")
R = TypeVar("R")
U = TypeVar("U", bound=UnitOfWork)

CommandHandler: TypeAlias = Callable[[C, U], R]
Outcome: TypeAlias = R | BaseException


def run_together(handle: CommandHandler[C, U, R], unit_of_work: Callable[[], U],
                 commands: list[C]) -> list[Outcome[R]]:
    """Run `commands` in one transaction. If a command raises (or its statement fails), the
    batch rolls back and each command runs again in its own transaction, so one command's
    error never fails or changes another's outcome. A transient failure (the database
    unreachable or busy) is every command's outcome instead: running them one by one would
    only repeat it, slowly. The transaction asks to know its outcome (`know_outcome`): when
    the connection is lost during COMMIT, running again could do it twice, so the commands
    get what the server says once it decided (their results, or `NotCommitted`), or
    `CommitOutcomeUnknown` if it did not say in time."""
    try:
        with unit_of_work() as uow:
            uow.know_outcome()
            results: list[Outcome[R]] = [handle(command, uow) for command in commands]
            uow.commit()
        return results
    except CommitOutcomeUnknown as unknown:
        return [unknown] * len(commands)
    except Exception as exc:
        if len(commands) == 1 or is_transient(exc):
            return [exc] * len(commands)
        return [run_together(handle, unit_of_work, [command])[0] for command in commands]


class GroupCommit(Generic[C, U, R]):
    """Submit commands from async code; each batch runs in a worker thread, one at a time.

    Guarantees: `submit` returns (or raises the command's own error) only after the
    transaction that ran the command committed (or rolled back); commands of one batch run in
    submission order; at most `max_batch` share a transaction. Not thread-safe: submit from
    one event loop. A cancelled caller does not cancel its command, which may still commit,
    as with any request whose client went away. After a COMMIT of unknown outcome a command
    gets its result if the server says it committed, `NotCommitted` if it certainly did not,
    or `CommitOutcomeUnknown` if that cannot be found out in time (see run_together). A batch
    waiting for that holds the next one back: the database is in trouble meanwhile anyway.
    """

    def __init__(self, handle: CommandHandler[C, U, R], unit_of_work: Callable[[], U],
                 max_batch: int = 200) -> None:
        self._handle = handle
        self._unit_of_work = unit_of_work
        self._max_batch = max_batch
        self._queue: list[tuple[C, asyncio.Future[R]]] = []
        self._drainer: asyncio.Task[None] | None = None  # referenced, so never collected

    async def submit(self, command: C) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.append((command, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[:self._max_batch]
            del self._queue[:self._max_batch]
            await self._run(batch)

    def _run_together(self, commands: list[C]) -> list[Outcome[R]]:
        return run_together(self._handle, self._unit_of_work, commands)

    async def _run(self, batch: list[tuple[C, asyncio.Future[R]]]) -> None:
        commands = [command for command, _ in batch]
        try:
            outcomes = await asyncio.to_thread(self._run_together, commands)
        except asyncio.CancelledError:  # the loop is shutting down: nobody is left to answer
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # the worker thread could not even start (shutting down)
            outcomes = [exc] * len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
