"""When a Kafka client is stranded, and what replaces it.

A client is stranded when it goes on without its partitions (a consumer whose session was
lost) or with messages timing out (a producer) while the cluster has moved on: typically it
keeps asking a broker cut off from the quorum (quorum_view). It is replaced only when the
brokers' answers leave a broker out, so that the new client starts elsewhere; in an outage of
the whole cluster, or with one broker, a new client would gain nothing and the old one waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from sagaline.core.kafka.quorum_view import counted_bootstrap

# A rejoin after a lost session, or a move to a new leader, takes a few seconds, even when the
# old one's broker died: the quorum fences it after broker.session.timeout.ms (6 s), about when
# the sessions with it are lost. Also how often a stranded client asks the brokers.
STRANDED_S = 10.0


class Rescue:
    """The configuration a stranded client's replacement should start from, if any: the
    brokers are asked at most once every STRANDED_S (each time up to 3 s)."""

    def __init__(self, config: Mapping[str, Any], clock: Callable[[], float] = time.monotonic,
                 asked_at: float | None = None) -> None:
        """`asked_at`: when they were asked last (a replacement: just now, by its
        predecessor; it gets STRANDED_S to join before they are asked again)."""
        self._config = dict(config)  # always narrowed from the whole list
        self._clock = clock
        self._asked_at = asked_at

    def replacement(self, topic: str) -> dict[str, Any] | None:
        now = self._clock()
        if self._asked_at is not None and now - self._asked_at < STRANDED_S:
            return None
        self._asked_at = now
        return counted_bootstrap(self._config, topic)
