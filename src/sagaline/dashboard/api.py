"""The dashboard's HTTP API and page: FastAPI, same origin for everything; reading needs
nothing, acting a login (`operate`)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from sagaline import saga_choice
from sagaline.core.saga import Saga
from sagaline.dashboard import order_queries, saga_reads, sources, timeline
from sagaline.dashboard.cache import TtlCache
from sagaline.dashboard.collector import Collector
from sagaline.dashboard.contracts import add_contracts
from sagaline.dashboard.declaration import describe
from sagaline.dashboard.handler_links import handler_links
from sagaline.dashboard.hosts import allowed_hosts
from sagaline.dashboard.kafka_view import KafkaView
from sagaline.dashboard.operate import add_operations
from sagaline.dashboard.sources import Databases, Unavailable
from sagaline.dashboard.streams import StreamCap, StreamSlots
from sagaline.dashboard.watchers import Watching
from sagaline.settings import DashboardSettings

STATIC = Path(__file__).parent / "static"
T = TypeVar("T")
FIRST_SNAPSHOT_WAIT_S = 3.0  # a request after a pause waits this long for a fresh snapshot
SETTLED_KEEP_S = 30.0  # a settled saga's timeline (only outbox purges change it) is kept
EVENTS = "/api/events"
UNWATCHED = frozenset({"/healthz"})  # the stack's liveness probe is nobody watching


def create_app(settings: DashboardSettings, topology: Saga | None = None,
               dbs: Databases | None = None, kafka: KafkaView | None = None) -> FastAPI:
    """The app over the chosen saga (`topology`, else sagaline.saga_choice's); `dbs` and
    `kafka` are made from `settings` unless given."""
    topology = topology or saga_choice.load()
    dbs = dbs or sources.databases(settings, topology)
    collector = Collector(settings, topology, dbs, kafka=kafka)
    cache = TtlCache(settings.dashboard_refresh_s)
    links = handler_links(topology, settings.dashboard_source_url)  # the timeline's

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        collector.start()
        app.state.audits.start()
        yield
        app.state.audits.stop()
        collector.stop()
        dbs.close()

    app = FastAPI(title="sagaline dashboard", lifespan=lifespan, docs_url=None,
                  redoc_url=None)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Watching, watchers=collector.watchers, unwatched=UNWATCHED)
    app.state.streams = StreamSlots(settings.dashboard_max_streams)
    app.add_middleware(StreamCap, slots=app.state.streams, path=EVENTS)
    # Outermost: a request under a foreign name is refused before it counts as a viewer.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings),
                       www_redirect=False)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    add_contracts(app, topology)

    @app.get("/healthz")
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/api/snapshot")
    def snapshot() -> Response:
        """The shared snapshot; after a pause, the first fresh one (read for this request)."""
        return Response(collector.published.current(FIRST_SNAPSHOT_WAIT_S),
                        media_type="application/json")

    @app.get(EVENTS)
    async def events(request: Request) -> StreamingResponse:
        """Server-sent events: each new snapshot once, as it is made."""
        return StreamingResponse(_stream(collector, request), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    @app.get("/api/saga")
    def declared() -> dict[str, Any]:
        """The declared saga: its services in order, statuses and edges (the page's lanes,
        cards, charts, filter and graph)."""
        return describe(topology)

    @app.get("/api/sagas")
    def sagas(status: str | None = None,
              limit: int = Query(50, ge=1, le=200)) -> list[dict[str, Any]]:
        statuses = topology.statuses.statuses
        if status is not None and status not in statuses:
            raise HTTPException(422, f"unknown status {status!r}; one of {list(statuses)}")

        def read() -> list[dict[str, Any]]:
            with dbs.read(topology.owner) as conn:
                return order_queries.recent(conn, [status] if status else statuses, limit)
        return _or_503(lambda: cache.get(("sagas", status, limit), read))

    def keep_s(found: dict[str, Any] | None) -> float:
        """A saga final for longer than its compensations can follow: its timeline is kept."""
        finished = (found or {}).get("saga", {}).get("finished_at")
        done = finished is not None and time.time() - finished > saga_reads.AFTER_FINAL_S
        return SETTLED_KEEP_S if done else cache.ttl_s

    @app.get("/api/sagas/{saga_id}")
    def saga(saga_id: uuid.UUID) -> dict[str, Any]:
        def read() -> dict[str, Any] | None:
            records = saga_reads.read(dbs, topology, str(saga_id))
            if records is None:
                return None
            steps = timeline.build(records, topology, settings.saga_timeout_s, links)
            return {"saga": records.saga, "steps": timeline.as_json(steps)}
        found = _or_503(lambda: cache.get(("saga", saga_id), read, keep_s))
        if found is None:
            raise HTTPException(404, f"no saga {saga_id}")
        return found

    add_operations(app, settings, topology, dbs)  # login, actions, search, the log
    app.state.collector = collector
    return app


def _or_503(read: Callable[[], T]) -> T:
    try:
        return read()
    except Unavailable as exc:
        raise HTTPException(503, str(exc)) from None


async def _stream(collector: Collector, request: Request) -> AsyncIterator[bytes]:
    """Each snapshot once, as it is made; one read before the stream opened only when fresh
    (one from before a pause waits for the next)."""
    published = collector.published
    with collector.watchers.streaming():
        seen = 0  # version 0: nothing read yet
        while not collector.stopping and not await request.is_disconnected():
            if published.version != seen and published.fresh:
                seen = published.version
                yield b"data: " + published.data + b"\n\n"
            await asyncio.sleep(0.1)
