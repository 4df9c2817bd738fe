"""The services' repositories, each behind its Protocol, as the contract suites open them.

A suite's tests take a `Storage` and run twice: on the fake the seed saga declares for the
service (`Service.fake`; unit tier: no services) and on the SQL repositories against real
Postgres (integration tier), each time from nothing: a fresh fake, or a fresh schema of the
service's database with its migrations applied. A suite is `test_<service>_*contract.py`
(test_declared_fakes.py checks that every declared service has one its fake passes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pytest
from psycopg_pool import ConnectionPool

from sagaline.core.postgres.unit_of_work import UnitOfWork
from sagaline.core.runtime.compose import migrations_of
from sagaline.devstack import Stack
from sagaline.seed_saga.saga import SAGA
from tests.integration.conftest import scratch_schema

U = TypeVar("U", bound=UnitOfWork)
U_co = TypeVar("U_co", bound=UnitOfWork, covariant=True)
R = TypeVar("R")

# The fake's half needs nothing running; the SQL half is an integration test (by directory).
IMPLEMENTATIONS = [pytest.param("fake", marks=pytest.mark.unit), "sql"]


@dataclass(frozen=True)
class Storage(Generic[U_co]):
    """Opens units of work on one service's storage; `dsn` is None for the fakes."""

    open: Callable[[], U_co]
    dsn: str | None = None

    def run(self, work: Callable[[U_co], R]) -> R:
        """`work` in a unit of work of its own, committed; returns what `work` returned."""
        with self.open() as uow:
            result = work(uow)
            uow.commit()
        return result


def declared_fake(name: str) -> Any:
    """A new instance of the fake the seed saga declares for service `name`."""
    make = SAGA.service(name).fake
    assert make is not None, f"{name} declares no fake (Service.fake)"
    return make()


@contextmanager
def sql_storage(stack: Stack, name: str,
                unit_of_work: Callable[[ConnectionPool], U]) -> Iterator[Storage[U]]:
    with (scratch_schema(stack.settings.dsn(name), migrations_of(SAGA.service(name))) as dsn,
          ConnectionPool(dsn, min_size=1, max_size=2, open=True) as pool):
        yield Storage(lambda: unit_of_work(pool), dsn)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def new_name(prefix: str) -> str:
    """A user id or SKU no other test (or earlier run) has used."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
