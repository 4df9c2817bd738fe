"""The seed-like baseline: our own services restarted with the seed demo's relay and consumer
behaviour (1.5 s poll, 50 rows, one send at a time, no wake-up on commit, one message per
transaction), measured, then restarted with the normal configuration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sagaline.settings import Settings
from sagaline.stack import Stack

SEED_LIKE: dict[str, Any] = {
    "relay_poll_interval_s": 1.5,
    "relay_batch_size": 50,
    "relay_one_at_a_time": True,
    "relay_wake_on_commit": False,
    "relay_always_wait": True,  # the seed polls every 1.5 s even when it has a backlog
    "consumer_batch_size": 1,
}


@contextmanager
def seed_like_services(settings: Settings) -> Iterator[Stack]:
    """Run the block with the three services in the seed-like configuration; always restore
    the normal one afterwards. Yields the Stack that started the seed-like services."""
    normal = Stack(settings)
    seed_like = Stack(settings.model_copy(update=SEED_LIKE))
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
