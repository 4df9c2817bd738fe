"""The status machine of a saga's record, as one table: (status, event) -> next status.

The owner's guards (which statuses an event may move a record from), the dashboard's
"waiting on X", the auditor's "what a stuck saga last heard" and the steps still ahead of a
saga are all read from the table, never written again elsewhere.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

ANY = "*"  # in a table key: any status that is not final


@dataclass(frozen=True)
class StatusMachine:
    """`initial`: a new record's status. `final`: the statuses no event moves, the
    successful one first. `waits_on`: the service a record in each status that is not final
    waits on. `table`: (status or ANY, topic) -> next status."""

    initial: str
    final: tuple[str, ...]
    waits_on: Mapping[str, str]
    table: Mapping[tuple[str, str], str]
    cancelled: str = ""
    moves_by_topic: dict[str, dict[str, frozenset[str]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.cancelled:
            object.__setattr__(self, "cancelled", self.final[-1])
        known = {self.initial, *self.final, *self.waits_on}
        moves: dict[str, dict[str, set[str]]] = {}
        for (status, topic), to in self.table.items():
            sources = self.not_final if status == ANY else (status,)
            if unknown := {to, *sources} - known:
                raise ValueError(f"unknown statuses in ({status}, {topic}) -> {to}: "
                                 f"{sorted(unknown)}")
            if status in self.final:
                raise ValueError(f"final status {status} has a transition on {topic}")
            for source in sources:
                moves.setdefault(topic, {}).setdefault(to, set()).add(source)
        self._check_sources(moves)
        object.__setattr__(self, "moves_by_topic", {
            topic: {to: frozenset(s) for to, s in targets.items()}
            for topic, targets in moves.items()})
        if missing := [s for s in self.not_final if s not in self.waits_on]:
            raise ValueError(f"statuses that wait on no service: {missing}")
        if stranded := [s for s in self.not_final if not self._reaches_final(s)]:
            raise ValueError(f"statuses from which no final status is reachable: {stranded}")

    @staticmethod
    def _check_sources(moves: Mapping[str, Mapping[str, set[str]]]) -> None:
        # One event, one next status: the owner's move stays one guarded UPDATE.
        for topic, targets in moves.items():
            if len(targets) > 1:
                raise ValueError(f"{topic} moves a record to more than one status: "
                                 f"{sorted(targets)}")

    @property
    def statuses(self) -> tuple[str, ...]:
        """Every status, the initial first and the final ones last."""
        return tuple(dict.fromkeys((*self.not_final, *self.final)))

    @property
    def not_final(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for s in (self.initial, *self.waits_on)
                                   if s not in self.final))

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics that move a record, in the table's order."""
        return tuple(dict.fromkeys(topic for _, topic in self.table))

    def move(self, topic: str) -> tuple[str, frozenset[str]] | None:
        """The status `topic` moves a record to, and the statuses it may move it from (the
        owner's guard); None when `topic` moves nothing."""
        targets = self.moves_by_topic.get(topic)
        return next(iter(targets.items())) if targets else None

    def next(self, status: str, topic: str) -> str | None:
        move = self.move(topic)
        return move[0] if move and status in move[1] else None

    def waiting_on(self, status: str) -> str | None:
        """The service a record in `status` waits on (None once final)."""
        return self.waits_on.get(status) if status not in self.final else None

    def moved_by(self, status: str) -> tuple[str, ...]:
        """The topics that can put a record in `status` (none for the initial one)."""
        return tuple(t for t, targets in self.moves_by_topic.items() if status in targets)

    def last_outcome(self, status: str) -> str:
        """What a record in `status` last heard, for a person: "none yet" for the initial
        status, else the topics that lead to it."""
        return " or ".join(self.moved_by(status)) or "none yet"

    def remaining(self, status: str, producer_of: Callable[[str], str | None]) -> list[str]:
        """The services still ahead of a record in `status` on its shortest way to the
        successful final status ([] when final or when that way is closed). A record leaves
        a status only on an event of the service it waits on (`producer_of` a topic)."""
        def heard(at: str, topic: str) -> bool:
            return producer_of(topic) == self.waits_on.get(at)

        path = self._shortest(status, {self.final[0]}, heard)
        return [self.waits_on[s] for s in path[:-1]] if path else []

    def _reaches_final(self, status: str) -> bool:
        return bool(self._shortest(status, set(self.final), lambda _at, _topic: True))

    def _shortest(self, start: str, goals: Iterable[str],
                  allowed: Callable[[str, str], bool]) -> list[str]:
        goals = set(goals)
        previous: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            status = queue.popleft()
            if status in goals:
                path = [status]
                while (before := previous[path[-1]]) is not None:
                    path.append(before)
                return path[::-1]
            for topic, targets in self.moves_by_topic.items():
                for to, sources in targets.items():
                    if status in sources and to not in previous and allowed(status, topic):
                        previous[to] = status
                        queue.append(to)
        return []
