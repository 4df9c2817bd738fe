"""Whether a Kafka consumer has its place in its group, for readiness.

A subscribed consumer polls and gets nothing until its group's coordinator assigns it
partitions, and it goes on getting nothing, with no exception, when the broker refuses it
the group or a topic (GROUP_AUTHORIZATION_FAILED, TOPIC_AUTHORIZATION_FAILED: librdkafka
returns them from poll as consumer errors) or never lets it in (authentication). Orders
then wait for ever while the service looks ready. So the source reports:
- until its first assignment since it subscribed: not ready, as a Kubernetes rollout must
  not count a replica that has not joined. An assignment of nothing counts as one: a
  healthy rebalance gives a replica none when its group has more replicas than partitions;
- a refusal, at once and by name, until an assignment shows it lifted: any assignment for
  the group, the cluster or authentication (the member joined); one that holds the topic's
  partitions for a topic (a replica that is given none of them after the fix keeps the
  report until it restarts: the client tells no more);
- partitions lost (the member's session timed out, it must join again) and not given back
  within `rejoin_grace_s`, so that a rejoin does not make readiness blink.
The "not assigned" report ends with the last error the client gave, often the reason.
librdkafka runs the callbacks inside poll, on the loop's thread; readiness reads from
another: a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection

from confluent_kafka import KafkaError

REFUSALS = frozenset({KafkaError.GROUP_AUTHORIZATION_FAILED,
                      KafkaError.TOPIC_AUTHORIZATION_FAILED,
                      KafkaError.CLUSTER_AUTHORIZATION_FAILED, KafkaError._AUTHENTICATION})
REJOIN_GRACE_S = 30.0  # five sessions (session.timeout.ms 6 s): a rejoin is long done


class Membership:
    def __init__(self, group: str, clock: Callable[[], float] = time.monotonic,
                 rejoin_grace_s: float = REJOIN_GRACE_S, lost_at: float | None = None) -> None:
        """`lost_at`: the consumer replaces one stranded since then: it counts as having
        lost its partitions at that time (the grace and the stranding go on)."""
        self.group = group
        self._clock = clock
        self._grace_s = rejoin_grace_s
        self._lock = threading.Lock()
        # None: it has its assignment
        self._unassigned_since: float | None = clock() if lost_at is None else lost_at
        self._joined = lost_at is not None  # an assignment came (to it or its predecessor)
        self._refusals: dict[str | None, str] = {}  # by topic (None: not about a topic)
        self._last_error: str | None = None

    def assigned(self, topics: Collection[str]) -> None:
        """An assignment (possibly of nothing) of partitions of `topics`."""
        with self._lock:
            self._unassigned_since, self._joined, self._last_error = None, True, None
            self._refusals = {topic: refusal for topic, refusal in self._refusals.items()
                              if topic is not None and topic not in topics}

    def lost(self) -> None:
        with self._lock:
            if self._unassigned_since is None:
                self._unassigned_since = self._clock()

    def failed(self, error: KafkaError, topic: str | None) -> bool:
        """A consumer error from the client; True if it is a refusal by the broker."""
        text = f"{error.name()}: {error.str()}"
        refused = error.code() in REFUSALS
        with self._lock:
            self._last_error = text
            if refused:
                about = topic if error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED else None
                self._refusals[about] = text
        return refused

    def lost_at(self) -> float | None:
        """When it lost its partitions, if it has not been given them back."""
        with self._lock:
            return self._unassigned_since if self._joined else None

    def stranded_s(self) -> float:
        """How long it has been without the partitions it lost (0: it has them, or it never
        joined: a first join can wait on other members for longer)."""
        lost_at = self.lost_at()
        return 0.0 if lost_at is None else self._clock() - lost_at

    def problem(self) -> str | None:
        """None while the consumer has its place in the group, else what is wrong."""
        with self._lock:
            refusals = list(self._refusals.values())
            since, joined, last = self._unassigned_since, self._joined, self._last_error
        if refusals:
            return "refused by the broker: " + "; ".join(refusals)
        if since is None:
            return None
        waited = self._clock() - since
        if joined and waited <= self._grace_s:
            return None
        what = "lost its partitions" if joined else "not yet assigned partitions"
        error = f" (last client error: {last})" if last else ""
        return f"{what} in group {self.group} for {waited:.0f} s{error}"
