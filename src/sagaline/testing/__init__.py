"""Testing a declared saga in memory, shipped with the package (as faststream ships its test
broker). For unit tests; not a Kafka stand-in for integration tests.

- `harness.SagaHarness`: every service of a saga composed with its fake, one in-memory
  broker, in-memory outboxes behind the real relay, a virtual clock for its deadline.
- `generated.saga_tests`: generated tests for any saga (crashes at each fault point,
  redelivery, reordering, the compensation after each step), ending with its invariants.
- The parts: `unit_of_work.InMemoryUnitOfWork` (the base of a step's fake),
  `outbox.InMemoryOutbox`, `messaging` (publisher, source), `broker`, `clock`, `crashes`.

The names below are imported on first use: a step's fakes import `unit_of_work` alone,
without the harness's HTTP client and composition root.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sagaline.testing.harness import NotQuiet, SagaHarness
    from sagaline.testing.unit_of_work import InMemoryUnitOfWork

__all__ = ["InMemoryUnitOfWork", "NotQuiet", "SagaHarness"]
_HOME = {"SagaHarness": "harness", "NotQuiet": "harness", "InMemoryUnitOfWork": "unit_of_work"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
