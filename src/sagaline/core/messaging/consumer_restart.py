"""Replacing a consumer loop's source that failed for good (SourceFailed: fenced, a fatal
client error, a failed rewind): it is closed and a new one opened with `reopen` (the same
group; what was not acknowledged comes again).

Between the two the loop holds a NoSource, so the closed client is never used again. A new
source that cannot be opened (the broker unreachable, a bad setting) is tried again at the
loop's next step, after a pause that grows with every try (two fenced twins must not spin)
up to the retry policy's bound; `failure` says why for readiness until the new source
polls, and each try that fails is an ERROR line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sagaline.core.messaging.messages import MessageSource, NoSource, SourceFailed
from sagaline.core.observability import alerts

if TYPE_CHECKING:
    from sagaline.core.messaging.consumer import ConsumerLoop

log = logging.getLogger(__name__)


class SourceRestart:
    def __init__(self, loop: ConsumerLoop, reopen: Callable[[], MessageSource] | None) -> None:
        self.loop = loop
        self.reopen = reopen
        self.failure: str | None = None  # readiness: till the new source polls
        self.restarts = 0  # sources replaced (alerts.CONSUMER_RESTARTS)
        self._tries = 0  # new sources tried, ever: the pause before the next
        self._failed_in_a_row = 0

    @property
    def pending(self) -> bool:
        """The last try to open a new source failed: try again before anything else."""
        return isinstance(self.loop.source, NoSource) and self.reopen is not None

    def replace(self, error: SourceFailed) -> None:
        loop = self.loop
        self.failure = f"consumer {loop.processor.consumer}: {error}"
        log.error("%s; opening a new consumer", self.failure)
        try:
            loop.source.close()
        except Exception as exc:  # a failed client may fail to close too: it is dropped
            log.warning("consumer: closing the failed source: %s", exc)
        loop.source = NoSource(str(error))
        if self.reopen is None:
            raise error
        self.restarts += 1
        alerts.CONSUMER_RESTARTS.inc(loop.processor.consumer)
        self.open_new()

    def open_new(self) -> None:
        loop = self.loop
        assert self.reopen is not None  # else the failure is raised (see replace)
        self._tries += 1
        loop.sleep(loop.retry.delay(self._tries))
        try:
            source = self.reopen()
        except Exception as exc:
            self._failed_in_a_row += 1
            self.failure = (f"consumer {loop.processor.consumer}: cannot open a new consumer "
                            f"({self._failed_in_a_row} tries): {exc}")
            log.error("%s; trying again", self.failure)
            return
        loop.source, self._failed_in_a_row = source, 0
        loop.stall.reset()
        loop.holds.release_all()  # the new source starts unpaused, from the committed offsets
