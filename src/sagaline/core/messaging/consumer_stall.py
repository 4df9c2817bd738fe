"""Whether a consumer makes progress: a source can poll without error and still deliver
nothing while messages wait on its partitions (a client stuck in a state it never leaves),
or deliver the same failing messages again and again. Progress is a message settled
(handled or dead-lettered), not one received."""

from __future__ import annotations

from sagaline.core.messaging.messages import MessageSource


class StallWatch:
    """The loop calls `progressed` when it settled messages and `idle` after each poll that
    settled none; `idle` asks the source how many messages wait (`MessageSource.waiting`,
    which may ask the broker) only once nothing was settled for `check_every_s`, and then at
    most every `check_every_s`: a busy consumer is never held up by it. Stalled: messages
    waited at the last check and none was settled for more than `stall_after_s` (a check that
    finds none waiting counts as progress: nothing to get is not a stall)."""

    def __init__(self, stall_after_s: float, check_every_s: float = 10.0) -> None:
        self.stall_after_s = stall_after_s
        self.check_every_s = check_every_s
        self.reset()

    def reset(self) -> None:
        """A new source: nothing known about it yet."""
        self.waiting = 0
        self._checked_at: float | None = None
        self._progress_at: float | None = None

    def progressed(self, now: float) -> None:
        self._progress_at, self.waiting = now, 0

    def idle(self, now: float, source: MessageSource) -> None:
        if self._progress_at is None:
            self._progress_at = now
        recent = max(self._progress_at, self._checked_at or self._progress_at)
        if now - recent < self.check_every_s:
            return
        self._checked_at = now
        self.waiting = source.waiting()
        if not self.waiting:
            self._progress_at = now

    def stalled_for(self, now: float) -> float | None:
        """Seconds without a message while messages wait, once over the bound; else None."""
        if not self.waiting or self._progress_at is None:
            return None
        stalled = now - self._progress_at
        return stalled if stalled > self.stall_after_s else None
