"""At most DASHBOARD_MAX_STREAMS open event streams: each costs a task that sends every new
snapshot, so an unbounded number of them (tabs left open, or a client opening them on
purpose) would cost the server without end. One more is answered 503; a slot is given back
when its response ends, whichever way: the client went, or the server stops."""

from __future__ import annotations

import threading

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

RETRY_AFTER_S = 10  # what a refused page is told to wait before it asks again


class StreamSlots:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0
        self._changed = threading.Condition()

    def take(self) -> bool:
        """A slot, if one is free."""
        with self._changed:
            if self.in_use >= self.limit:
                return False
            self.in_use += 1
            return True

    def give_back(self) -> None:
        with self._changed:
            self.in_use -= 1
            self._changed.notify_all()

    def wait_until_at_most(self, count: int, timeout_s: float) -> bool:
        """Block until at most `count` slots are taken (at most `timeout_s`)."""
        with self._changed:
            return self._changed.wait_for(lambda: self.in_use <= count, timeout_s)


class StreamCap:
    """ASGI middleware over `path` (plain ASGI: the slot is held for as long as the response
    runs, and given back even when it is cancelled)."""

    def __init__(self, app: ASGIApp, slots: StreamSlots, path: str) -> None:
        self.app, self.slots, self.path = app, slots, path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
        elif not self.slots.take():
            await self._refuse(scope, receive, send)
        else:
            try:
                await self.app(scope, receive, send)
            finally:
                self.slots.give_back()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        text = (f"{self.slots.limit} event streams are open, the most this dashboard serves"
                " (DASHBOARD_MAX_STREAMS): close a dashboard page, or raise the setting.\n")
        response = PlainTextResponse(text, status_code=503,
                                     headers={"Retry-After": str(RETRY_AFTER_S)})
        await response(scope, receive, send)
