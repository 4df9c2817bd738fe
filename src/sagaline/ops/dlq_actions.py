"""What an operator does with dead letters: look before acting (`plan`), replay them to their
source topic at a bounded rate, or discard them with a reason. Each action is written to the
service's operator log, whatever its result: done, refused, failed or interrupted halfway.

A replay is safe to repeat: a letter keeps its event id, and the consumer's inbox skips an
event it has handled (see `ops.dlq`). A discard deletes nothing (a topic is append-only): it
is an entry in the log, and listings leave discarded letters out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sagaline.core.messaging.publisher import Publisher
from sagaline.core.operator_log import Entry, OperatorLog
from sagaline.ops import dlq
from sagaline.ops.dlq import DeadLetter

REPLAY, DISCARD = "dlq.replay", "dlq.discard"


class ActionRefused(Exception):
    """The action was not taken, for the reason given (also written to the log)."""


@dataclass(frozen=True)
class Actor:
    """Who acts, why, and where it is written down."""

    operator: str
    reason: str
    log: OperatorLog

    def write(self, action: str, result: str, letters: Sequence[DeadLetter],
              **detail: object) -> None:
        topic = letters[0].topic if letters else None
        self.log.append(Entry(self.operator, action, self.reason, result,
                              tuple(dict.fromkeys(d.key for d in letters if d.key)),
                              {"topic": topic, "refs": [d.ref for d in letters], **detail}))


def plan(action: str, letters: Sequence[DeadLetter]) -> str:
    """What `action` would do: how many letters, to which topics, for which sagas."""
    by_topic: dict[str, int] = {}
    for d in letters:
        by_topic[d.source_topic] = by_topic.get(d.source_topic, 0) + 1
    sagas = list(dict.fromkeys(d.key for d in letters if d.key))
    where = ", ".join(f"{n} to {topic}" for topic, n in sorted(by_topic.items()))
    verb = "replay" if action == REPLAY else "discard"
    shown = ", ".join(sagas[:20]) + (f" and {len(sagas) - 20} more" if len(sagas) > 20 else "")
    return (f"would {verb} {len(letters)} letters ({where}); sagas touched: "
            f"{shown or 'none'}")


def discarded(entries: Iterable[Entry], topic: str) -> set[str]:
    """The refs of `topic`'s letters that an operator discarded."""
    return {ref for e in entries if e.action == DISCARD and e.detail.get("topic") == topic
            for ref in e.detail.get("refs", [])}


def discard(letters: Sequence[DeadLetter], actor: Actor) -> int:
    if not actor.reason.strip():
        raise ActionRefused("a discard needs a reason")
    actor.write(DISCARD, f"discarded {len(letters)}", letters)
    return len(letters)


@dataclass(frozen=True)
class Pace:
    """At most `per_second` letters a second; `wait` and `now` injectable for tests."""

    per_second: int = 100
    wait: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.monotonic


def replay(letters: Sequence[DeadLetter], publisher: Publisher, actor: Actor, *,
           inbox_retention_s: float, force: bool = False, pace: Pace = Pace()) -> int:
    """Replay in batches of `pace.per_second`. Refused as a whole when some letter is older
    than the inbox remembers (unless forced). A failure or an interruption (Ctrl-C) stops it:
    the log says which letters went and which did not, and the error goes on up."""
    try:
        dlq.check_age(letters, inbox_retention_s, force)
    except dlq.TooOld as err:
        actor.write(REPLAY, f"refused: {err}", letters)
        raise
    sent: list[DeadLetter] = []
    try:
        for start in range(0, len(letters), pace.per_second):
            began = pace.now()
            batch = letters[start:start + pace.per_second]
            dlq.publish_back(batch, publisher)
            sent.extend(batch)
            if start + pace.per_second < len(letters):
                pace.wait(max(0.0, 1.0 - (pace.now() - began)))
    except BaseException as err:  # a failure, or KeyboardInterrupt: say what was done
        went = {d.ref for d in sent}
        left = [d for d in letters if d.ref not in went]
        actor.write(REPLAY, f"stopped after {len(sent)} of {len(letters)}: "
                    f"{type(err).__name__}: {err}", letters,
                    replayed=[d.ref for d in sent], not_replayed=[d.ref for d in left])
        raise
    actor.write(REPLAY, f"replayed {len(sent)}", letters)
    return len(sent)
