"""Dead letters as the auditor judges them.

A dead-lettered *valid* event is lost work: its step was never taken (or never undone), and
the deadline that later cancels its saga only hides that. So it is a violation, unless its
consumer has handled the event since (a replay: its id is in that consumer's inbox).

A letter that is no valid event is *poison*: not an event at all, an event that breaks its
topic's model, or one its handler refused for good (`PermanentError`). Dead-lettering it is
right; but a caller who puts poison on the saga's topics says which letters it expects
(`expected_poison`, by saga id), and any other poison, or an expected letter that never
came, is a violation too. `expected_poison=None` leaves poison unjudged (only warned about).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

import pydantic
from confluent_kafka import Message

from sagaline.audit.findings import Finding
from sagaline.audit.rows import DeadLetter
from sagaline.core.messaging import deadletter as dl
from sagaline.core.messaging.envelope import MalformedMessage, UnknownSchemaVersion, decode
from sagaline.core.messaging.retry import PermanentError
from sagaline.core.saga import Saga, model_of
from sagaline.ops import dlq

# The error types of messages that could not be read as events (what a truncated letter,
# whose value is only a prefix, is judged by).
UNREADABLE = frozenset(c.__name__ for c in (MalformedMessage, UnknownSchemaVersion,
                                            pydantic.ValidationError))
REFUSED = PermanentError.__name__


def judge(letter: dlq.DeadLetter, saga: Saga) -> DeadLetter:
    """The auditor's row of one stored letter: where from, why, and whether it is poison."""
    error = letter.headers.get(dl.H_ERROR) or letter.headers.get(dl.H_ERROR_TYPE, "?")
    event_id = letter.event_id()
    return DeadLetter(letter.topic, letter.ref, letter.source_topic, letter.key or "",
                      error[:300], why_poison(letter, saga),
                      str(event_id) if event_id else None)


def why_poison(letter: dlq.DeadLetter, saga: Saga) -> str | None:
    """Why the letter is no valid event of its source topic; None when it is one."""
    kind = letter.headers.get(dl.H_ERROR_TYPE, "")
    if kind == REFUSED:
        return f"refused by its handler for good ({kind})"
    if dl.H_TRUNCATED in letter.headers:  # only a prefix of the value was kept
        return f"not an event ({kind}), stored truncated" if kind in UNREADABLE else None
    original = letter.original()
    headers = {k: v.encode() for k, v in original.headers.items()}
    key = original.key.encode() if original.key is not None else None
    try:
        event = decode(letter.source_topic, key, letter.value, headers, saga.saga_key)
    except MalformedMessage as exc:
        return f"not an event: {exc}"
    try:
        model_of(letter.source_topic).model_validate(event.payload)
    except KeyError:
        return None  # no model bound to the topic: an event is all it can be
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"breaks the model of {letter.source_topic}: {where}: {first['msg']}"
    return None


def stored(msg: Message) -> dlq.DeadLetter:
    """A letter as read from its dead-letter topic."""
    raw_key = msg.key()
    key = raw_key.decode("utf-8", "replace") if isinstance(raw_key, bytes) else raw_key
    headers = {str(pair[0]): _text(pair[1]) for pair in msg.headers() or []}
    raw = msg.value()
    value = raw.encode() if isinstance(raw, str) else (raw or b"")
    return dlq.DeadLetter(str(msg.topic()), int(msg.partition() or 0), int(msg.offset() or 0),
                          key, value, headers)


def _text(raw: str | bytes | None) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")


def reader(saga: Saga) -> Callable[[Message], DeadLetter]:
    return lambda msg: judge(stored(msg), saga)


def findings(letters: Sequence[DeadLetter], fail: bool, expected: Sequence[str] | None,
             noun: str) -> tuple[list[Finding], list[Finding]]:
    """(violations, warnings): a warning per dead-letter topic that holds letters; with
    `fail`, each valid event never handled since, and the poison not as `expected`."""
    warnings = per_topic(letters)
    if not fail:
        return [], warnings
    violations = [lost(d, noun) for d in letters if d.poison is None and not d.handled]
    if expected is not None:
        violations += poison_not_as_expected([d for d in letters if d.poison], expected, noun)
    return violations, warnings


def per_topic(letters: Iterable[DeadLetter]) -> list[Finding]:
    counts: Mapping[str, int] = Counter(d.topic for d in letters)
    poison = Counter(d.topic for d in letters if d.poison)
    return [Finding("dead-letters", f"topic {topic}",
                    f"{n} messages a consumer gave up on ({poison[topic]} of them poison)",
                    {"topic": topic, "count": n, "poison": poison[topic]})
            for topic, n in sorted(counts.items())]


def lost(letter: DeadLetter, noun: str) -> Finding:
    return Finding("dead-lettered-event", f"{noun} {letter.key}",
                   f"a valid {letter.source_topic} event was dead-lettered ({letter.topic} "
                   f"{letter.ref}) and not handled since: {letter.error}",
                   {"topic": letter.topic, "ref": letter.ref, "event_id": letter.event_id},
                   letter.key or None)


def poison_not_as_expected(poison: Sequence[DeadLetter], expected: Sequence[str],
                           noun: str) -> list[Finding]:
    """Each poison letter whose saga was not expected (beyond the expected number), then
    each expected one that never came."""
    waiting = Counter(expected)
    found = []
    for d in poison:
        if waiting[d.key] > 0:
            waiting[d.key] -= 1
            continue
        found.append(Finding("unexpected-poison", f"{noun} {d.key}",
                             f"{d.topic} {d.ref} from {d.source_topic}: {d.poison}",
                             {"topic": d.topic, "ref": d.ref}, d.key or None))
    found += [Finding("missing-poison", f"{noun} {key}",
                      f"{n} expected poison message(s) not dead-lettered", {"missing": n}, key)
              for key, n in waiting.items() if n > 0]
    return found
