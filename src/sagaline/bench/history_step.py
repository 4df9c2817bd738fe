"""What a step adds to the history loader (`sagaline bench history`), from its own folder.

Each step of a saga that can be loaded has a `history.py` next to its `audit.py`, with a
function `history(plan) -> StepHistory`: the rows its tables hold for one finished saga, the
topics it handled for it (its inbox), and its books once every saga is written (balances
that add up, so the auditor passes). The owner's also makes the finished sagas themselves
(`OwnerHistory.sagas`): their mix of outcomes is the owner's to say. A step without one makes
the loader refuse the saga (`hooks_of`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sagaline.core.saga import Saga

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Plan:
    """One load: `count` sagas created evenly between `start` and `end`, named with `tag`
    (users, SKUs, ...: a second load never meets the first's books), from `seed`."""

    count: int
    tag: str
    start: datetime
    end: datetime
    seed: int = 0
    starting_credit: int = 10_000


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]


class FinishedSaga(Protocol):
    @property
    def saga_id(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def finished_at(self) -> datetime: ...


@runtime_checkable
class StepHistory(Protocol):
    """`tables`: written per saga; `books`: written once, after every saga."""

    tables: tuple[Table, ...]
    books: tuple[Table, ...]

    def rows(self, saga: Any) -> Iterable[tuple[str, Row]]:
        """(table name, row) for one finished saga; a step may hold none of it."""
        ...

    def consumed(self, saga: Any) -> Sequence[str]:
        """The topics of the events it handled for this saga (one inbox row each)."""
        ...

    def book_rows(self) -> Iterable[tuple[str, Row]]:
        """Its books, as the rows written so far leave them."""
        ...


@runtime_checkable
class OwnerHistory(StepHistory, Protocol):
    def sagas(self) -> Iterator[FinishedSaga]:
        """The plan's finished sagas, oldest first."""
        ...


class NoHistory(Exception):
    """A step of the saga has no history hook: the loader cannot write its rows."""


def hooks_of(saga: Saga, plan: Plan) -> dict[str, StepHistory]:
    """Service name -> its history for `plan`, in the saga's order; the owner's is an
    `OwnerHistory`. NoHistory names the first step without one."""
    hooks: dict[str, StepHistory] = {}
    for service in saga.services:
        module_name = f"{service.package}.history"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            raise NoHistory(f"saga {saga.name}: step {service.name!r} has no history hook "
                            f"({module_name} with history(plan)); the loader writes only "
                            "sagas whose every step has one") from None
        hooks[service.name] = module.history(plan)
    if not isinstance(hooks[saga.owner], OwnerHistory):
        raise NoHistory(f"saga {saga.name}: the owner's history makes no sagas (sagas())")
    return hooks
