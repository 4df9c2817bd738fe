"""Which sagas are stuck, on which service, and why where that can be known.

A saga not final whose record (the owner's row) has not changed for STUCK_AFTER_S is stuck.
The service it waits on is the one the saga's status table names for its status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sagaline.core.saga import Saga


@dataclass(frozen=True)
class Evidence:
    """What else is known when the snapshot is taken. `dead_letters`: saga id -> where its
    letters are ("dlq.<service> 0:3"); `pending`: service -> saga id -> age of its oldest
    unpublished outbox row; `lag`: service -> messages its consumer group is behind;
    `ready`: service -> answers /ready."""

    dead_letters: Mapping[str, list[str]] = field(default_factory=dict)
    pending: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    lag: Mapping[str, int] = field(default_factory=dict)
    ready: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Stuck:
    saga_id: str
    status: str
    waiting_on: str
    since_s: float
    causes: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"waiting on {self.waiting_on} since {self.since_s:.0f} s"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label}


def waiting_on(status: str, topology: Saga) -> str:
    """The service a saga in `status` waits on, as the saga's status table declares it (for
    a final status: none, the owner)."""
    return topology.statuses.waiting_on(status) or topology.owner


def analyse(sagas: Sequence[Mapping[str, Any]], topology: Saga, evidence: Evidence,
            now: float) -> list[Stuck]:
    """Each saga record (not final, not moving) as a stuck saga with its likely causes."""
    return [_one(s, topology, evidence, now) for s in sagas]


def _one(saga: Mapping[str, Any], topology: Saga, evidence: Evidence,
         now: float) -> Stuck:
    key = saga["saga_id"]
    service = waiting_on(saga["status"], topology)
    causes = [f"dead letter on {where}" for where in evidence.dead_letters.get(key, [])]
    causes += [f"unpublished outbox row in {s} ({keys[key]:.0f} s old)"
               for s, keys in evidence.pending.items() if key in keys]
    if evidence.ready.get(service) is False:
        causes.append(f"{service} is not ready")
    if (lag := evidence.lag.get(service, 0)) > 0:
        causes.append(f"{service} consumer lag: {lag} messages")
    return Stuck(key, saga["status"], service, max(0.0, now - saga["updated_at"]),
                 tuple(causes))
