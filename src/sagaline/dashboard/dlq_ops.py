"""Dead letters on the page: grouped by cause and a dry run (reading, as `sagaline dlq
groups` and `--dry-run`), then a replay or a discard (acting: a session and its CSRF token).
The same `ops` code as the CLI, so each action writes the same operator log entry; a replay
runs as a job the page can follow and stop (`jobs`), at `rate` letters a second."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import psycopg
from confluent_kafka import KafkaException
from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.core.operator_log import SqlOperatorLog
from sagaline.core.postgres import db
from sagaline.core.saga import Saga
from sagaline.dashboard.forms import Form, read_form
from sagaline.dashboard.jobs import Job, Jobs
from sagaline.dashboard.session import Session, Sessions, acting
from sagaline.dashboard.sources import Databases
from sagaline.ops import dlq_actions as act
from sagaline.ops.dlq import DeadLetter
from sagaline.ops.dlq_letters import Letters, NothingChosen, read_letters
from sagaline.settings import DashboardSettings

Chosen = Annotated[list[str] | None, Query()]  # repeated: ?group=a&group=b
MAX_RATE = 1000  # letters a second, at most, from the page


def dlq_router(settings: DashboardSettings, topology: Saga, dbs: Databases,
               sessions: Sessions, jobs: Jobs) -> APIRouter:
    router = APIRouter(prefix="/api/dlq")

    @contextmanager
    def letters(service: str, conn: psycopg.Connection | None = None) -> Iterator[Letters]:
        """The service's letters, over `conn` (to write) or a read-only connection."""
        if service not in topology.names:
            raise HTTPException(404, f"no service {service!r}; one of {list(topology.names)}")
        try:
            found = read_letters(settings, topology.service(service))
        except (KafkaException, TimeoutError) as err:
            raise HTTPException(503, f"cannot read the dead letters of {service}: {err}") \
                from None
        if conn is not None:
            yield Letters(settings, topology.service(service), conn, found)
            return
        with dbs.read(service) as read_conn:
            yield Letters(settings, topology.service(service), read_conn, found)

    def chosen(found: Letters, refs: list[str], group_ids: list[str]) -> list[DeadLetter]:
        try:
            return found.chosen(refs, group_ids)
        except NothingChosen as err:
            raise HTTPException(422, str(err)) from None

    @router.get("/{service}/groups")
    def groups(service: str) -> list[dict[str, Any]]:
        with letters(service) as found:
            return found.group_rows()

    @router.get("/{service}/plan")
    def plan(service: str, group: Chosen = None, ref: Chosen = None,
             action: str = Query("replay", pattern="^(replay|discard)$")) -> dict[str, Any]:
        """The dry run: what the action would do, to which sagas; changes nothing."""
        with letters(service) as found:
            picked = chosen(found, ref or [], group or [])
        name = act.REPLAY if action == "replay" else act.DISCARD
        return {"plan": act.plan(name, picked), "refs": [d.ref for d in picked]}

    def discarding(service: str, form: Form, session: Session) -> int:
        with _writing(settings, topology, service) as conn, letters(service, conn) as found:
            picked = chosen(found, form.all("ref"), form.all("group"))
            return act.discard(picked, act.Actor(session.operator, form.one("reason"),
                                                 found.log))

    @router.post("/{service}/discard")
    async def discard(service: str, request: Request) -> dict[str, Any]:
        form = await read_form(request)
        session = acting(request, sessions, form.one("csrf"))
        if not form.one("reason").strip():
            raise HTTPException(422, "a discard needs a reason")
        count = await run_in_threadpool(discarding, service, form, session)
        return {"result": f"discarded {count}"}

    def picking(service: str, form: Form) -> list[DeadLetter]:
        with letters(service) as found:
            return chosen(found, form.all("ref"), form.all("group"))

    @router.post("/{service}/replay", status_code=202)
    async def replay(service: str, request: Request) -> dict[str, str]:
        form = await read_form(request)
        session = acting(request, sessions, form.one("csrf"))
        rate = _rate(form.one("rate", "100"))
        picked = await run_in_threadpool(picking, service, form)
        reason = form.one("reason")
        job = jobs.start(act.REPLAY, session.operator,
                         lambda job: _replay(settings, topology, service, picked,
                                             (session.operator, reason), rate, job))
        return job.as_row()

    return router


def _rate(given: str) -> int:
    try:
        rate = int(given)
    except ValueError:
        rate = 0
    if not 1 <= rate <= MAX_RATE:
        raise HTTPException(422, f"rate: a whole number of letters a second, 1 to {MAX_RATE}")
    return rate


@contextmanager
def _writing(settings: DashboardSettings, topology: Saga, service: str
             ) -> Iterator[psycopg.Connection]:
    """A connection that may write (the dashboard's pools are read-only): the log."""
    try:
        conn = db.connect(settings.dsn(service, topology), "sagaline-dashboard-act")
    except psycopg.OperationalError as err:
        raise HTTPException(503, f"cannot reach the database of {service}: {err}") from None
    with conn:
        yield conn


def _replay(settings: DashboardSettings, topology: Saga, service: str,
            picked: list[DeadLetter], who: tuple[str, str], rate: int, job: Job) -> str:
    """The job: `dlq_actions.replay`, paced, stopped by the job's flag, logged either way."""
    publisher = KafkaPublisher(producer_config(settings.kafka_bootstrap_servers,
                                               settings.kafka_client_config,
                                               settings.kafka_compression_type))
    try:
        with _writing(settings, topology, service) as conn:
            actor = act.Actor(*who, SqlOperatorLog(conn, service))
            count = act.replay(picked, publisher, actor,
                               inbox_retention_s=settings.inbox_retention_s,
                               pace=act.Pace(rate, wait=job.wait))
        return f"replayed {count}"
    finally:
        publisher.close()
