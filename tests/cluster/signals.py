"""Waiting on a signal with a deadline: the cluster tier's only way to let time pass."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(what: str, check: Callable[[], T], timeout_s: float, every_s: float = 0.25,
               not_yet: tuple[type[Exception], ...] = ()) -> T:
    """`check()` until it returns something truthy (which is returned); AssertionError
    naming `what` and the last answer once `timeout_s` has passed. An exception of a type
    in `not_yet` (a broker that did not answer) counts as a falsy answer."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            answer: object = check()
        except not_yet as exc:
            answer = exc
        else:
            if answer:
                return answer  # type: ignore[return-value]
        assert time.monotonic() < deadline, f"not within {timeout_s:.0f} s: {what} ({answer!r})"
        time.sleep(every_s)
