"""uvicorn's server with a slower housekeeping tick, for processes that idle most of the time.

uvicorn's main loop wakes ten times a second to refresh the `Date` header and to notice a
stop request. On an idle stack those wakes are a measurable share of each service's CPU
(docs/performance.md, "An idle stack"); once a second keeps the header to the second, and a
stop signal ends the wait at once, so stopping is as prompt as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import FrameType

import uvicorn

TICK_S = 1.0


class QuietServer(uvicorn.Server):
    async def main_loop(self) -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._wake_main_loop = lambda: loop.call_soon_threadsafe(stopping.set)
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 10) % 864_000  # on_tick refreshes the header every 10th
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), TICK_S)
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        wake = getattr(self, "_wake_main_loop", None)
        if wake is not None:
            wake()


def serve(app: object, host: str, port: int, **options: object) -> None:
    """`uvicorn.run(app, host=..., port=..., **options)` on a QuietServer (one process)."""
    QuietServer(uvicorn.Config(app, host=host, port=port, **options)).run()  # type: ignore[arg-type]
