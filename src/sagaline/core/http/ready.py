"""Readiness checks with a bound on how long `/ready` waits for them.

A check may hang where no timeout of its own fires: a link that swallows every packet leaves
a query unanswered (the server never sees it, so its statement_timeout cannot end it; the
proxy or router in between acknowledges, so TCP keepalives are content). Each check runs in
a thread of its own; `/ready` waits for all of them together up to the bound, and a check
still under way is a problem, reported as such (a 503 the prober can read, not a probe left
hanging). Its next probe waits on the same call, not on a new one: a hung check holds one
thread and one connection, not one per probe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait

BOUND_S = 1.5  # under the 2 s a prober usually gives /ready (the stack's own waits so)


class BoundedCheck:
    """One check, run in its own thread, never more than one call at a time."""

    def __init__(self, check: Callable[[], str | None]) -> None:
        self._check = check
        name = getattr(check, "__name__", "")
        self.name = name if name.isidentifier() else "a readiness check"
        self._call: Future[str | None] | None = None
        self._lock = threading.Lock()  # two probes at once still start one call

    def begin(self) -> Future[str | None]:
        """The call under way, or a new one when the last has answered. Each call has a
        daemon thread of its own: one hung at shutdown does not hold the process."""
        with self._lock:
            if self._call is None or self._call.done():
                call: Future[str | None] = Future()
                threading.Thread(target=self._run, args=(call,), name="ready-check",
                                 daemon=True).start()
                self._call = call
            return self._call

    def _run(self, call: Future[str | None]) -> None:
        try:
            call.set_result(self._check())
        except Exception as error:
            call.set_exception(error)

    def problem(self, bound_s: float) -> str | None:
        """What the call begun last says, once it has answered within the bound."""
        call = self._call or self.begin()
        if not call.done():
            return f"{self.name}: no answer within {bound_s:g} s"
        if (error := call.exception()) is not None:
            return f"{self.name}: {error}"
        return call.result()


def problems(checks: Sequence[BoundedCheck], bound_s: float = BOUND_S) -> list[str]:
    """Every check's problem, all of them run at once and waited for up to `bound_s`."""
    wait([check.begin() for check in checks], timeout=bound_s)
    return [p for p in (check.problem(bound_s) for check in checks) if p]
