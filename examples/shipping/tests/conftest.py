"""The example end to end, as a user runs it: a copy of this example outside the checkout,
the package installed from its wheel in a fresh virtual environment, Kafka's jars fetched
into the user's cache, and the stack started with `sagaline up --saga shipping_saga:SAGA`
on real Kafka and Postgres. Marked `example`: `make test` runs it after the other tiers,
on its own stack (the default ports), and stops it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from user_project import SAGA_REF, Project, build


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """The example's stack, up from the user's project; stopped after the tier."""
    user = build(tmp_path_factory.mktemp("user"))
    user.sagaline("fetch")
    try:
        user.sagaline("up", "--saga", SAGA_REF, "--detach")
        yield user
    finally:
        user.sagaline("down", check=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.parent == here and item.path.name.startswith("test_end_to_end"):
            item.add_marker(pytest.mark.example)
