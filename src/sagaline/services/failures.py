"""Failure injection for demos: a share of decisions fails at random (off by default, so the
business rules stay deterministic; `FAILURE_PRESET=seed` restores the seed demo's rates)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RandomFailure:
    rate: float = 0.0
    chance: random.Random = field(default_factory=random.Random)

    def strikes(self) -> bool:
        return self.rate > 0 and self.chance.random() < self.rate
