"""The seed-like baseline: our own services restarted through `sagaline.bench.seed_like`
(the seed demo's relay and consumer behaviour), measured, then restarted normally."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sagaline.bench.seed_like import SEED_LIKE
from sagaline.devstack import Stack
from sagaline.settings import StackSettings

__all__ = ["SEED_LIKE", "seed_like_services"]


@contextmanager
def seed_like_services(settings: StackSettings) -> Iterator[Stack]:
    """Run the block with every service in the seed-like configuration; always restore
    the normal one afterwards. Yields the Stack that started the seed-like services."""
    normal = Stack(settings)
    seed_like = normal.with_services(module="sagaline.bench.seed_like")
    _restart(normal, seed_like)
    try:
        yield seed_like
    finally:
        _restart(seed_like, normal)


def _restart(old: Stack, new: Stack) -> None:
    for name in reversed(old.service_names):
        old.stop(name)
    for name in new.service_names:
        new.start(name)
