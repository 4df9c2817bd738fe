"""The partitions a consumer holds back, for the loop and its readiness check.

A partition whose first unsettled message failed is held: rewound to that message and paused
at the source, resumed when its back-off is over, while the consumer's other partitions go
on. A hold ends when that message (or one after it) is settled. A hold that says the
partition cannot go on (`stopped`: a dead letter refused for good) is reported at once;
another, once its message has failed for longer than the consumer's stall bound.

The loop's thread holds and releases, readiness reads from another: a lock guards the holds.
A partition revoked while held is resumed in vain (its new owner has it); its hold lingers,
unreported, and its park clock goes on should the message come back failing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sagaline.core.messaging.messages import (
    IncomingMessage,
    MessageSource,
    Partition,
    partition_of,
)

# A released hold is still reported this long: its message is being tried again (readiness
# must not blink to ready between the release and the next failure).
RETRYING_S = 10.0


def where(message: IncomingMessage) -> str:
    """`topic[partition]@offset (key k)`, as the log and readiness name a message."""
    key = (message.key or b"").decode("utf-8", "replace")[:100]
    return f"{message.topic}[{message.partition}]@{message.offset} (key {key})"


@dataclass
class Hold:
    message: IncomingMessage  # the partition's first unsettled message
    reason: str  # its last failure
    since: float  # its first failure: the park clock of a compensation
    failures: int  # rounds failed in a row: the back-off
    due: float  # tried again from then
    stopped: bool  # refused for good, not a wait: reported at once
    paused: bool = True


class Holds:
    """Only the loop's thread changes the holds, so it may see that there are none without
    taking the lock; readiness, on another thread, takes it."""

    def __init__(self) -> None:
        self._holds: dict[Partition, Hold] = {}
        self._lock = threading.Lock()

    def failing_for(self, message: IncomingMessage, now: float) -> float:
        """Seconds since `message` first failed here (0: not held)."""
        with self._lock:
            hold = self._holds.get(partition_of(message))
        if hold is None or hold.message.offset != message.offset:
            return 0.0
        return now - hold.since

    def hold(self, source: MessageSource, message: IncomingMessage, reason: str, now: float,
             back_off: Callable[[int], float], stopped: bool = False) -> None:
        """Hold back `message`'s partition, and only it, for `back_off(failures in a row)`
        seconds: then `source` delivers it again from `message`."""
        source.rewind([message])
        at = partition_of(message)
        source.pause([at])
        with self._lock:
            before = self._holds.get(at)
            since, failures = now, 1
            if before is not None and before.message.offset == message.offset:
                since, failures = before.since, before.failures + 1
            self._holds[at] = Hold(message, reason[:300], since, failures,
                                   now + back_off(failures), stopped)

    def release_due(self, source: MessageSource, now: float) -> None:
        """Resume the partitions whose back-off is over."""
        if not self._holds:  # the common case, looked at without the lock (see the class)
            return
        with self._lock:
            due = [at for at, h in self._holds.items() if h.paused and h.due <= now]
            for at in due:
                self._holds[at].paused = False
        if due:
            source.resume(due)

    def release_all(self) -> None:
        """A new source: nothing is paused there (the park clocks go on)."""
        with self._lock:
            for hold in self._holds.values():
                hold.paused = False

    def poll_timeout(self, timeout_s: float, now: float) -> float:
        """`timeout_s`, but no longer than until the next held partition is due."""
        if not self._holds:
            return timeout_s
        with self._lock:
            due = min((h.due for h in self._holds.values() if h.paused), default=None)
        return timeout_s if due is None else min(timeout_s, max(due - now, 0.0))

    def without_held(self, source: MessageSource,
                     messages: list[IncomingMessage]) -> list[IncomingMessage]:
        """`messages` but those of paused partitions. A source must deliver none; should
        one do so anyway, they wait (rewound to the held message), never overtake it."""
        if not self._holds:
            return messages
        with self._lock:
            paused = {at: h.message for at, h in self._holds.items() if h.paused}
        slipped = {partition_of(m) for m in messages} & set(paused)
        if not slipped:
            return messages
        source.rewind([paused[at] for at in slipped])
        return [m for m in messages if partition_of(m) not in slipped]

    def settled(self, messages: Iterable[IncomingMessage]) -> None:
        if not self._holds:
            return
        with self._lock:
            for m in messages:
                hold = self._holds.get(partition_of(m))
                if hold is not None and m.offset >= hold.message.offset:
                    del self._holds[partition_of(m)]

    def problems(self, now: float, stale_after_s: float) -> list[str]:
        with self._lock:
            holds = [h for h in self._holds.values()
                     if h.paused or now - h.due < RETRYING_S]
        return [f"{where(h.message)} stopped: {h.reason}" if h.stopped else
                f"{where(h.message)} not handled for {now - h.since:.0f} s: {h.reason}"
                for h in holds if h.stopped or now - h.since > stale_after_s]
