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
from sagaline.core.postgres.db import CommitOutcomeUnknown, NotCommitted
from sagaline.core.postgres.unit_of_work import UnitOfWork

C = TypeVar("C")
R = TypeVar("R")
U = TypeVar("U", bound=UnitOfWork)

CommandHandler: TypeAlias = Callable[[C, U], R]
# Finds what a command wrote (None: nothing), for a COMMIT whose outcome is unknown.
Settle: TypeAlias = Callable[[C, U], R | None]
Outcome: TypeAlias = R | BaseException


def run_together(handle: CommandHandler[C, U, R], unit_of_work: Callable[[], U],
                 commands: list[C], settle: Settle[C, U, R] | None = None
                 ) -> list[Outcome[R]]:
    """Run `commands` in one transaction. If a command raises (or its statement fails), the
    batch rolls back and each command runs again in its own transaction, so one command's
    error never fails or changes another's outcome. A transient failure (the database
    unreachable or busy) is every command's outcome instead: running them one by one would
    only repeat it, slowly. When the connection is lost during COMMIT nobody knows whether it
    committed; running again could do it twice, so `settle` looks each command's effect up."""
    try:
        with unit_of_work() as uow:
            results: list[Outcome[R]] = [handle(command, uow) for command in commands]
            uow.commit()
        return results
    except CommitOutcomeUnknown as unknown:
        if settle is None:
            return [unknown] * len(commands)
        return [_settled(settle, unit_of_work, command, unknown) for command in commands]
    except Exception as exc:
        if len(commands) == 1 or is_transient(exc):
            return [exc] * len(commands)
        return [run_together(handle, unit_of_work, [command], settle)[0]
                for command in commands]


def _settled(settle: Settle[C, U, R], unit_of_work: Callable[[], U], command: C,
             unknown: CommitOutcomeUnknown) -> Outcome[R]:
    """What `command` wrote, or `NotCommitted` when it certainly wrote nothing; still
    `unknown` if the lookup fails too (the database still unreachable)."""
    try:
        with unit_of_work() as uow:
            written = settle(command, uow)
    except Exception:
        return unknown
    if written is None:
        return NotCommitted(f"nothing was written: {unknown}")
    return written


class GroupCommit(Generic[C, U, R]):
    """Submit commands from async code; each batch runs in a worker thread, one at a time.

    Guarantees: `submit` returns (or raises the command's own error) only after the
    transaction that ran the command committed (or rolled back); commands of one batch run in
    submission order; at most `max_batch` share a transaction. Not thread-safe: submit from
    one event loop. A cancelled caller does not cancel its command, which may still commit,
    as with any request whose client went away. After a COMMIT of unknown outcome a command
    gets what `settle` finds it wrote, `NotCommitted` if it wrote nothing, or
    `CommitOutcomeUnknown` if that cannot be found out (without `settle`, always the last).
    """

    def __init__(self, handle: CommandHandler[C, U, R], unit_of_work: Callable[[], U],
                 max_batch: int = 200, settle: Settle[C, U, R] | None = None) -> None:
        self._handle = handle
        self._settle = settle
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
        return run_together(self._handle, self._unit_of_work, commands, self._settle)

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
