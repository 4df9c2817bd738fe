"""A saga declared in the tests, to show sagaline.testing knows no particular saga: a `desk`
(the owner) opens a ticket (POST /tickets) and a `stamp` step stamps it, or refuses when its
settings say so. A ticket still open after the desk's deadline is expired; the stamp step then
takes its stamp back (a compensation)."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from sagaline.core.messaging.envelope import Envelope
from sagaline.core.observability.metrics import ServiceMetrics
from sagaline.core.runtime.compose import Parts
from sagaline.core.saga import Saga, SagaStart, Service, Topic, read
from sagaline.core.status_machine import ANY, StatusMachine
from sagaline.settings.common import ServiceSettings
from sagaline.testing.unit_of_work import InMemoryUnitOfWork


class TicketEvent(BaseModel):
    ticket: str


OPENED = Topic("tinytest.opened", TicketEvent)
STAMPED = Topic("tinytest.stamped", TicketEvent)
REFUSED = Topic("tinytest.refused", TicketEvent)
EXPIRED = Topic("tinytest.expired", TicketEvent)
UNSTAMPED = Topic("tinytest.unstamped", TicketEvent)
OPEN, DONE, CANCELLED = "OPEN", "DONE", "CANCELLED"


@dataclasses.dataclass(frozen=True)
class Ticket:
    id: str
    status: str
    opened_at: datetime


class Tickets:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self.rows: dict[str, Ticket] = {}
        self._now = now

    def open(self) -> Ticket:
        ticket = Ticket(str(uuid.uuid4()), OPEN, self._now())
        self.rows[ticket.id] = ticket
        return ticket

    def overdue(self, deadline_s: float) -> list[Ticket]:
        cutoff = self._now() - timedelta(seconds=deadline_s)
        return [t for t in self.rows.values() if t.status == OPEN and t.opened_at < cutoff]

    def move(self, ticket: str, to: str, allowed_from: frozenset[str]) -> None:
        if (found := self.rows.get(ticket)) is not None and found.status in allowed_from:
            self.rows[ticket] = dataclasses.replace(found, status=to)


class DeskUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.tickets = self.keep(Tickets(lambda: self.clock.now()))


class Stamps:
    def __init__(self) -> None:
        self.rows: dict[str, str] = {}  # ticket -> STAMPED, REFUSED, UNSTAMPED or VOIDED


class StampUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.stamps = self.keep(Stamps())


class DeskSettings(ServiceSettings):
    deadline_s: float = 30.0


class StampSettings(ServiceSettings):
    refuse: bool = False


def advance(event: Envelope, uow: DeskUnitOfWork, statuses: StatusMachine) -> None:
    move = statuses.move(event.topic)
    assert move is not None
    uow.tickets.move(TicketEvent.model_validate(event.payload).ticket, *move)


class Expiry:
    """The desk's deadline: every second, expire the tickets open too long."""

    def __init__(self, unit_of_work: Callable[[], DeskUnitOfWork], deadline_s: float) -> None:
        self._unit_of_work, self.deadline_s, self.sweeps = unit_of_work, deadline_s, 0

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(1.0):
            self.sweeps += 1
            with self._unit_of_work() as uow:
                for ticket in uow.tickets.overdue(self.deadline_s):
                    uow.tickets.move(ticket.id, CANCELLED, frozenset({OPEN}))
                    uow.emit(Envelope.first(EXPIRED, ticket.id, {"ticket": ticket.id}))
                uow.commit()


def desk_routes(unit_of_work: Callable[[], DeskUnitOfWork]) -> APIRouter:
    router = APIRouter()

    @router.post("/tickets", status_code=201)
    def open_ticket() -> dict[str, str]:
        with unit_of_work() as uow:
            ticket = uow.tickets.open()
            uow.emit(Envelope.first(OPENED, ticket.id, {"ticket": ticket.id}))
            uow.commit()
        return {"id": ticket.id}

    return router


def no_database(*_args: Any) -> Any:
    raise AssertionError("the tiny saga runs in memory only")


def desk_parts(saga: Saga, settings: DeskSettings, metrics: ServiceMetrics | None
               ) -> Parts[DeskUnitOfWork]:
    return Parts(sql_unit_of_work=no_database, dependencies={"statuses": saga.statuses},
                 routes=desk_routes,
                 workers=lambda uow: {"expiry": Expiry(uow, settings.deadline_s)})


def stamp(event: Envelope, uow: StampUnitOfWork, refuse: bool) -> None:
    ticket = TicketEvent.model_validate(event.payload).ticket
    if ticket in uow.stamps.rows:  # decided already, or voided by an expiry
        return
    uow.stamps.rows[ticket] = "REFUSED" if refuse else "STAMPED"
    uow.emit(event.follow(REFUSED if refuse else STAMPED, {"ticket": ticket}))


def take_back(event: Envelope, uow: StampUnitOfWork) -> None:
    ticket = read(event).model_dump()["ticket"]
    status = uow.stamps.rows.get(ticket)
    if status is None:
        uow.stamps.rows[ticket] = "VOIDED"
    elif status == "STAMPED":
        uow.stamps.rows[ticket] = "UNSTAMPED"
        uow.emit(event.follow(UNSTAMPED, {"ticket": ticket}))


def stamp_parts(saga: Saga, settings: StampSettings, metrics: ServiceMetrics | None
                ) -> Parts[StampUnitOfWork]:
    return Parts(sql_unit_of_work=no_database, dependencies={"refuse": settings.refuse})


STATUSES = StatusMachine(initial=OPEN, final=(DONE, CANCELLED), waits_on={OPEN: "stamp"},
                         table={(OPEN, STAMPED): DONE, (ANY, REFUSED): CANCELLED})
TINY = Saga(
    name="tiny", statuses=STATUSES, owner="desk", first_port=4901,
    services=(
        Service[DeskUnitOfWork](
            name="desk", package="tests.unit", consumer_group="desk-group",
            consumes={STAMPED: advance, REFUSED: advance}, produces=(OPENED, EXPIRED),
            settings=DeskSettings, parts=desk_parts, fake=DeskUnitOfWork,
            start=SagaStart("/tickets", "ticket", "ticket", lambda user: {"user": user})),
        Service[StampUnitOfWork](
            name="stamp", package="tests.unit", consumer_group="stamp-group",
            consumes={OPENED: stamp, EXPIRED: take_back}, produces=(STAMPED, REFUSED, UNSTAMPED),
            compensations=frozenset({EXPIRED}), settings=StampSettings, parts=stamp_parts,
            fake=StampUnitOfWork),
    ))


def status(h: Any, ticket: str) -> str | None:
    found = h.fake("desk").tickets.rows.get(ticket)
    return None if found is None else str(found.status)


def invariants(h: Any) -> None:
    """A done ticket is stamped; a cancelled one holds no stamp; every ticket is final."""
    stamps = h.fake("stamp").stamps.rows
    for ticket in h.fake("desk").tickets.rows.values():
        assert ticket.status in STATUSES.final, ticket
        held = stamps.get(ticket.id) == "STAMPED"
        assert held == (ticket.status == DONE), (ticket, stamps.get(ticket.id))
