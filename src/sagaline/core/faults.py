"""Crash points for the chaos suite: a hard exit at a named place, only when configured.

`CRASH_POINTS=consumer.after_commit:0.01,relay.after_ack:0.02` makes each named point exit the
process (os._exit, no cleanup, like kill -9) with the given probability each time it is hit.
Off unless set; a production deployment never sets it.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping

POINTS = (
    "consumer.before_commit",  # handler ran, transaction not committed
    "consumer.after_commit",  # transaction committed, offset not stored
    "relay.after_claim",  # rows selected and locked, nothing sent
    "relay.after_ack",  # broker acknowledged, rows not marked published
)
EXIT_CODE = 137


def parse(spec: str) -> dict[str, float]:
    """`name:probability,...` → {name: probability}; unknown names are an error."""
    points: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, chance = item.partition(":")
        if name not in POINTS:
            raise ValueError(f"unknown crash point {name!r}; known: {', '.join(POINTS)}")
        points[name] = float(chance or 1.0)
    return points


class CrashPoints:
    def __init__(self, points: Mapping[str, float] | None = None,
                 chance: random.Random | None = None) -> None:
        self.points = dict(points or {})
        self._random = chance or random.Random()

    def hit(self, name: str) -> None:
        probability = self.points.get(name)
        if probability and self._random.random() < probability:
            os._exit(EXIT_CODE)
