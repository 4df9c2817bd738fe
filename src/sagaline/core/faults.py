"""Fault points for the chaos suite: a hard exit, or a pause, at a named place, only when
configured.

`CRASH_POINTS=consumer.after_commit:0.01,relay.after_ack:0.02` makes each named point exit the
process (os._exit, no cleanup, like kill -9) with the given probability each time it is hit.
`DELAY_POINTS=consumer.before_commit:8` makes a point pause that many seconds the first time
it is hit in a process (a handler slower than the consumer's poll interval, once).
Off unless set; a production deployment never sets them.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Mapping

POINTS = (
    "consumer.before_commit",  # handler ran, transaction not committed
    "consumer.after_commit",  # transaction committed, offset not stored
    "relay.after_claim",  # rows selected and locked, nothing sent
    "relay.after_ack",  # broker acknowledged, rows not marked published
)
EXIT_CODE = 137
CRASH_MARK = "fault point hit, exiting: "


def parse(spec: str) -> dict[str, float]:
    """`name:number,...` → {name: number} (a probability, or seconds for delays); unknown
    names are an error."""
    points: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, chance = item.partition(":")
        if name not in POINTS:
            raise ValueError(f"unknown crash point {name!r}; known: {', '.join(POINTS)}")
        points[name] = float(chance or 1.0)
    return points


class FaultPoints:
    def __init__(self, points: Mapping[str, float] | None = None,
                 chance: random.Random | None = None,
                 delays: Mapping[str, float] | None = None) -> None:
        self.points = dict(points or {})
        self.delays = dict(delays or {})
        self._random = chance or random.Random()

    def hit(self, name: str) -> None:
        pause = self.delays.pop(name, None)  # once per process
        if pause:
            time.sleep(pause)
        probability = self.points.get(name)
        if probability and self._random.random() < probability:
            os.write(2, f"{CRASH_MARK}{name}\n".encode())  # unbuffered: the process dies next
            os._exit(EXIT_CODE)
