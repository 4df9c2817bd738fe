"""What a consumer does with a failure: retry it later, retry it now, or give up on it."""

from __future__ import annotations

import enum
import random

import psycopg
import pydantic
from psycopg_pool import PoolTimeout

from sagaline.core.messaging.envelope import MalformedMessage


class PermanentError(Exception):
    """Raise from a handler for a message that can never be handled (e.g. breaks a rule)."""


class Decision(enum.Enum):
    BACK_OFF = "back off"  # the world is broken (DB or broker down): retry after a pause
    RETRY = "retry"  # maybe a fluke: try the same message again now
    DEAD_LETTER = "dead letter"  # the message is broken, or a bug fails it every time
    # A compensation that fails every time: not given up on lightly (it undoes a step the
    # saga already took), so it waits and is tried again, as in BACK_OFF, and raises an
    # alert, until the consumer's bound parks it (core.messaging.parked).
    KEEP_TRYING = "keep trying"


# Failures of the environment, not of the message: retried without limit.
TRANSIENT: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,  # connection lost, server shutting down, serialization, deadlock
    PoolTimeout,
    ConnectionError,
    TimeoutError,
)
# SQLSTATE classes and codes that say the database is unavailable, busy, read-only (a
# failover) or not deployed yet (a missing table or grant): wait for it, don't blame the message.
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "55", "57", "58"})
TRANSIENT_SQLSTATES = frozenset({"25006", "42P01", "42501"})


def is_transient(error: BaseException) -> bool:
    # A server-side error says what it is (its SQLSTATE): a program limit (class 54) is an
    # OperationalError too, but it is about the message. Client-side ones carry none.
    state = error.sqlstate if isinstance(error, psycopg.Error) else None
    if state:
        return state[:2] in TRANSIENT_SQLSTATE_CLASSES or state in TRANSIENT_SQLSTATES
    return isinstance(error, TRANSIENT)
PERMANENT: tuple[type[BaseException], ...] = (
    MalformedMessage,
    pydantic.ValidationError,
    PermanentError,
)


class RetryPolicy:
    """Transient failures back off exponentially without limit; a message that fails for any
    other reason is tried `max_attempts` times, then dead-lettered, unless it is a
    compensation: that one is dead-lettered at once only when it cannot be read (PERMANENT),
    and otherwise retried after a pause (its handler is idempotent) until it succeeds or the
    consumer parks it.

    Each pause is shortened by a random part of up to `jitter` (a fraction) of itself, so
    consumers that failed together (the database went away under all of them) do not all come
    back in the same instant ("equal jitter": never less than the rest of the pause)."""

    def __init__(self, max_attempts: int = 3, base_delay_s: float = 0.05,
                 max_delay_s: float = 5.0, jitter: float = 0.5,
                 chance: random.Random | None = None) -> None:
        if not 0 <= jitter <= 1:
            raise ValueError(f"jitter is a fraction of the pause, 0..1, not {jitter}")
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.jitter = jitter
        self._random = chance or random.Random()

    def decide(self, error: BaseException, attempt: int,
               compensation: bool = False) -> Decision:
        if isinstance(error, PERMANENT):
            return Decision.DEAD_LETTER
        if is_transient(error):
            return Decision.BACK_OFF
        if attempt < self.max_attempts:
            return Decision.RETRY
        return Decision.KEEP_TRYING if compensation else Decision.DEAD_LETTER

    def delay(self, failures_in_a_row: int) -> float:
        ceiling = min(self.base_delay_s * 2 ** max(failures_in_a_row - 1, 0), self.max_delay_s)
        return float(ceiling * (1 - self.jitter * self._random.random()))
