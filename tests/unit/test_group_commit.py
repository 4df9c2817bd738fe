"""Group commit: concurrent commands share a transaction; one command's error stays its own."""

from __future__ import annotations

import asyncio
import threading

import psycopg
import pytest

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.postgres.group_commit import GroupCommit, run_together
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

pytestmark = pytest.mark.unit


class Refused(Exception):
    pass


def emit_one(command: str, uow: InMemoryUnitOfWork) -> str:
    """Emits an event named after the command; 'bad' raises after emitting."""
    uow.emit(Envelope.first("t", command, {"c": command}))
    if command == "bad":
        raise Refused(command)
    return command.upper()


def keys(uow: InMemoryUnitOfWork) -> list[str]:
    return [event.key for event in uow.committed]


def test_commands_run_together_in_one_transaction_in_order() -> None:
    uow = InMemoryUnitOfWork()
    assert run_together(emit_one, lambda: uow, ["a", "b", "c"]) == ["A", "B", "C"]
    assert uow.commits == 1 and keys(uow) == ["a", "b", "c"]


def test_a_failing_command_fails_alone_and_leaves_nothing() -> None:
    uow = InMemoryUnitOfWork()
    outcomes = run_together(emit_one, lambda: uow, ["a", "bad", "c"])
    assert outcomes[0] == "A" and outcomes[2] == "C" and isinstance(outcomes[1], Refused)
    assert keys(uow) == ["a", "c"]  # the batch rolled back, then each ran alone


class SlowUnitOfWork(InMemoryUnitOfWork):
    """Holds each commit until released, so commands pile up behind it."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def commit(self) -> None:
        self.release.wait(5)
        super().commit()


def test_commands_arriving_during_a_commit_share_the_next_transaction() -> None:
    uow = SlowUnitOfWork()
    placing: GroupCommit[str, InMemoryUnitOfWork, str] = GroupCommit(emit_one, lambda: uow)

    async def scenario() -> list[str]:
        first = asyncio.create_task(placing.submit("first"))
        await asyncio.sleep(0.05)  # the first transaction is now waiting to commit
        rest = [asyncio.create_task(placing.submit(f"c{n}")) for n in range(20)]
        await asyncio.sleep(0.05)
        uow.release.set()
        return [await first] + [await task for task in rest]

    results = asyncio.run(scenario())
    assert results == ["FIRST"] + [f"C{n}" for n in range(20)]
    assert uow.commits == 2 and keys(uow) == ["first"] + [f"c{n}" for n in range(20)]


def test_the_callers_get_their_own_outcomes() -> None:
    uow = InMemoryUnitOfWork()
    placing: GroupCommit[str, InMemoryUnitOfWork, str] = GroupCommit(emit_one, lambda: uow,
                                                                      max_batch=2)

    async def scenario() -> list[object]:
        return await asyncio.gather(*(placing.submit(c) for c in ["a", "bad", "c", "d"]),
                                    return_exceptions=True)

    a, bad, c, d = asyncio.run(scenario())
    assert (a, c, d) == ("A", "C", "D") and isinstance(bad, Refused)
    assert sorted(keys(uow)) == ["a", "c", "d"]


def test_a_transient_failure_fails_the_batch_without_running_it_again() -> None:
    """Database down, or the connection lost during COMMIT (did it commit?): every command
    gets that error, and none runs again, which could only repeat it or place it twice."""
    runs: list[str] = []

    def unavailable(command: str, uow: InMemoryUnitOfWork) -> str:
        runs.append(command)
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    outcomes = run_together(unavailable, InMemoryUnitOfWork, ["a", "b", "c"])
    assert all(isinstance(o, psycopg.OperationalError) for o in outcomes) and len(outcomes) == 3
    assert runs == ["a"]  # the batch stopped at the first error and was not split
