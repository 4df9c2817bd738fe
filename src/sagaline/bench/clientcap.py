"""What one load process can send: aiohttp vs httpx (both async, keep-alive) against a stub
HTTP server that answers every request at once, so the client is what limits the rate."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from typing import Any

import httpx

from sagaline.bench.loadgen import JSON

_CTX = mp.get_context("spawn")
_BODY = b'{"orderId":"00000000-0000-0000-0000-000000000000","status":"PENDING"}'
_REPLY = (b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n"
          b"content-length: %d\r\n\r\n%s" % (len(_BODY), _BODY))


class _Stub(asyncio.Protocol):
    def connection_made(self, transport: Any) -> None:
        self.transport, self.buf = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (end := self.buf.find(b"\r\n\r\n")) >= 0:
            head = self.buf[:end].lower()
            size = int(head.split(b"content-length:")[1].split(b"\r\n")[0]) \
                if b"content-length:" in head else 0
            if len(self.buf) < end + 4 + size:
                return
            self.buf = self.buf[end + 4 + size:]
            self.transport.write(_REPLY)


def _serve(port: int, seconds: float) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Stub, "127.0.0.1", port)
        await asyncio.sleep(seconds)
        server.close()

    asyncio.run(main())


async def _hammer(lib: str, url: str, payload: bytes, seconds: float, concurrency: int) -> int:
    done = 0
    end = time.monotonic() + seconds

    async def worker(send: Any) -> None:
        nonlocal done
        while time.monotonic() < end:
            await send()
            done += 1

    if lib == "aiohttp":
        import aiohttp  # the `bench` extra

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
            async def send_a() -> None:
                async with s.post(url, data=payload, headers=JSON) as r:
                    await r.read()
            await asyncio.gather(*(worker(send_a) for _ in range(concurrency)))
    else:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(limits=limits) as c:
            async def send_h() -> None:
                await c.post(url, content=payload, headers=JSON)
            await asyncio.gather(*(worker(send_h) for _ in range(concurrency)))
    return done


def _client(lib: str, url: str, payload: bytes, seconds: float, concurrency: int,
            out: Any) -> None:
    out.put(asyncio.run(_hammer(lib, url, payload, seconds, concurrency)))


def _rate(lib: str, url: str, payload: bytes, seconds: float, processes: int) -> float:
    out: Any = _CTX.Queue()
    kids = [_CTX.Process(target=_client, args=(lib, url, payload, seconds, 64, out))
            for _ in range(processes)]
    for k in kids:
        k.start()
    total = sum(int(out.get(timeout=seconds + 30)) for _ in kids)
    for k in kids:
        k.join(5)
    return round(total / seconds, 1)


def measure(seconds: float, path: str, payload: bytes, port: int = 4099) -> dict[str, float]:
    """Requests per second for each client variant posting `payload` (a saga's request) to
    `path` of the stub (one core serves it)."""
    variants = [("aiohttp", 1), ("httpx", 1), ("aiohttp", 2)]
    server = _CTX.Process(target=_serve, args=(port, (seconds + 3) * len(variants) + 10))
    server.start()
    time.sleep(1.0)
    try:
        url = f"http://127.0.0.1:{port}{path}"
        return {f"{lib}_x{n}_req_per_s": _rate(lib, url, payload, seconds, n)
                for lib, n in variants}
    finally:
        server.kill()
        server.join(5)
