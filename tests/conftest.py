"""Session fixtures for the real local stack (see sagaline.devstack.Stack).

`stack`: Kafka (KRaft) + a Postgres server per service of the saga, topics, roles and
databases. Started once per session; a stack that already runs (from `make up`, or reachable
at the configured addresses) is reused and left running. Only what the fixture started is
stopped at the end.

`services`: `stack` plus the saga's services, each answering GET /ready.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from sagaline import saga_choice
from sagaline.devstack import Stack, StackError
from sagaline.devstack.topics import ensure_saga_topics
from sagaline.settings import stack_settings


@pytest.fixture(autouse=True)
def _chosen_saga_kept() -> Iterator[None]:
    """A test that chooses a saga (a CLI command with --saga sets SAGALINE_SAGA for the
    processes it starts) leaves the session's choice as it found it."""
    before = os.environ.get(saga_choice.ENV)
    yield
    if before is None:
        os.environ.pop(saga_choice.ENV, None)
    else:
        os.environ[saga_choice.ENV] = before


def _fail(stack: Stack, err: StackError) -> None:
    stack.stop_started()
    pytest.fail(f"local stack: {err}\n{err.detail}", pytrace=False)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The running infrastructure; yields the launcher (its `.settings` name every address)."""
    launcher = Stack(stack_settings())
    try:
        if launcher.infra_reachable() and not launcher.kafka.pid():
            # Someone else's stack answers at our addresses: use it as it is.
            ensure_saga_topics(launcher.settings)
        else:
            launcher.start_infra()
    except StackError as err:
        _fail(launcher, err)
    yield launcher
    launcher.stop_started()


@pytest.fixture(scope="session")
def services(stack: Stack) -> Iterator[Stack]:
    """`stack` with the services started too (those already running are reused)."""
    before = set(stack.started)
    try:
        stack.start_services()
    except StackError as err:
        _fail(stack, err)
    yield stack
    stack.stop_names([n for n in reversed(stack.service_names)
                      if n in stack.started and n not in before])  # fmt: skip
