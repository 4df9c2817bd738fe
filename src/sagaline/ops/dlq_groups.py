"""Dead letters grouped by cause: the consumer, the source topic, the error's class and its
message with the values that differ per letter (ids, numbers) masked. One poison release
that breaks a thousand sagas is one group of a thousand letters, handled in one action.

A group's id is a short hash of its cause, so it stays the same between two listings and a
command can name it (`sagaline dlq replay SERVICE --group ID`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sagaline.core.messaging import deadletter as dl
from sagaline.ops.dlq import DeadLetter

_VARYING = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # uuids
    r"|\b[0-9a-f]{32}\b"  # hex ids
    r"|'[^']{0,200}'|\"[^\"]{0,200}\""  # quoted values (pydantic quotes the input it refuses)
    r"|\d+(?:\.\d+)?", re.IGNORECASE)
MESSAGE_CHARS = 300  # of the masked message; longer ones are the same cause past it


def cause_message(error: str) -> str:
    """The error's message with what varies per letter masked."""
    return _VARYING.sub("…", error)[:MESSAGE_CHARS]


@dataclass(frozen=True)
class Cause:
    consumer: str
    source_topic: str
    error_type: str
    message: str

    @classmethod
    def of(cls, letter: DeadLetter) -> Cause:
        h = letter.headers
        return cls(h.get(dl.H_CONSUMER, "?"), letter.source_topic, h.get(dl.H_ERROR_TYPE, "?"),
                   cause_message(h.get(dl.H_ERROR, "")))

    @property
    def id(self) -> str:
        text = "\x1f".join((self.consumer, self.source_topic, self.error_type, self.message))
        return hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass
class Group:
    cause: Cause
    letters: list[DeadLetter] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.cause.id

    @property
    def sagas(self) -> list[str]:
        """The sagas its letters belong to (their Kafka keys), each once, in order."""
        return list(dict.fromkeys(d.key for d in self.letters if d.key))

    @property
    def first_seen(self) -> float | None:
        return min(_failed_at(self.letters), default=None)

    @property
    def last_seen(self) -> float | None:
        return max(_failed_at(self.letters), default=None)

    def summary(self) -> dict[str, object]:
        c = self.cause
        return {"group": self.id, "count": len(self.letters), "consumer": c.consumer,
                "sourceTopic": c.source_topic, "errorType": c.error_type, "error": c.message,
                "firstSeen": self.first_seen, "lastSeen": self.last_seen,
                "sagas": self.sagas, "refs": [d.ref for d in self.letters]}


def _failed_at(letters: Iterable[DeadLetter]) -> list[float]:
    times = []
    for d in letters:
        try:
            times.append(float(d.headers[dl.H_FAILED_AT]))
        except (KeyError, ValueError):
            continue
    return times


def groups(letters: Iterable[DeadLetter]) -> list[Group]:
    """The letters by cause, the largest group first."""
    by_cause: dict[Cause, Group] = {}
    for letter in letters:
        cause = Cause.of(letter)
        by_cause.setdefault(cause, Group(cause)).letters.append(letter)
    return sorted(by_cause.values(), key=lambda g: (-len(g.letters), g.id))
