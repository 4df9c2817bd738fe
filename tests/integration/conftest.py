"""Everything under tests/integration is an integration test unless marked `unit`."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents and item.get_closest_marker("unit") is None:
            item.add_marker(pytest.mark.integration)
    # The chaos tier restarts everything: run it last, so timing-sensitive tests before it
    # see a quiet system.
    items.sort(key=lambda item: item.get_closest_marker("chaos") is not None)
