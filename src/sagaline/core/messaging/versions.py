"""Each topic's schema versions: the major its producers write and the majors its consumers
read, as the saga declares them (`Topic(name, event, major=2, upcasts={1: from_v1})`).

`schema-version` is `MAJOR[.MINOR]`. A minor only adds fields, so a consumer reads every minor
of a major it reads. An older major is read only when the topic declares an upcast for it (a
function from that major's value to the current major's); any other major is a contract the
consumer cannot read, refused for good (`UnknownSchemaVersion`: a dead letter at once, with the
reason; `dlq replay` brings it back once a consumer reads it). No header means "1", as the
seed's KafkaJS services send none. A topic nobody declared is at major 1 with no upcasts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_VERSION = re.compile(r"(\d+)(?:\.\d+)?")
UNVERSIONED = "1"  # what a message without the header is: the seed's contract

Upcast = Callable[[dict[str, Any]], dict[str, Any]]
"""An older major's value -> the current major's value."""


class MalformedMessage(ValueError):
    """The message cannot be an event at all (not a JSON object, bad headers). Permanent."""


class UnknownSchemaVersion(MalformedMessage):
    """A major schema version this consumer cannot read. Permanent."""


@dataclass(frozen=True)
class Versions:
    major: int = 1
    upcasts: Mapping[int, Upcast] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.major < 1 or any(old >= self.major or old < 1 for old in self.upcasts):
            raise ValueError(f"major {self.major}: upcasts only from older majors, "
                             f"not {sorted(self.upcasts)}")

    @property
    def written(self) -> str:
        return str(self.major)

    def check(self, topic: str, version: str) -> int:
        """The major of `version`, if this consumer reads it; raises otherwise."""
        match = _VERSION.fullmatch(version.strip())
        if match is None:
            raise MalformedMessage(f"bad envelope header: schema-version {version!r}")
        major = int(match.group(1))
        if major != self.major and major not in self.upcasts:
            older = f" of {topic} (and upcasts {', '.join(map(str, sorted(self.upcasts)))})" \
                if self.upcasts else ""
            raise UnknownSchemaVersion(f"schema-version {version}: this consumer reads major "
                                       f"version {self.major}{older}")
        return major

    def current(self, major: int, payload: dict[str, Any]) -> dict[str, Any]:
        """The value as the current major's (an older major's through its upcast)."""
        return payload if major == self.major else self.upcasts[major](payload)


_DECLARED: dict[str, Versions] = {}


def declare(topic: str, versions: Versions) -> None:
    """Called by `core.saga.Topic`: the versions of `topic`, once."""
    known = _DECLARED.setdefault(topic, versions)
    if known.major != versions.major:
        raise ValueError(f"topic {topic} is at major {known.major} already")


def of(topic: str) -> Versions:
    return _DECLARED.get(topic) or Versions()
