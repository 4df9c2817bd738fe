"""The tools beside the services (benchmark, chaos, demo, dead letters) follow the saga they
are given: a four-step saga declared here, unlike the seed's, gets its own hops, fault
points, kills, dead-letter topics and requests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from sagaline import demo
from sagaline.bench import dbstats, loadgen, measure
from sagaline.chaos import disruptions
from sagaline.chaos import run as chaos_run
from sagaline.chaos.fault_plan import CONSUMER_POINTS, RELAY_POINTS, FaultPoint, fault_points
from sagaline.cli import app
from sagaline.core.middleware.faults import POINTS
from sagaline.core.saga import Edge, Saga, SagaStart, Service
from sagaline.core.status_machine import ANY, StatusMachine
from sagaline.ops import stock, targets
from sagaline.seed_saga.saga import SAGA as SEED
from sagaline.settings import StackSettings, SystemSettings

pytestmark = pytest.mark.unit


def ignore(event: object, uow: object) -> None:
    """A handler: what it does is not these tools' business."""


TRIP = SagaStart(path="/trips", key_field="tripId", key_name="trip_id",
                 sample=lambda user: {"traveller": user})


def step(name: str, consumes: list[str], produces: tuple[str, ...] = (),
         compensations: frozenset[str] = frozenset(), start: SagaStart | None = None
         ) -> Service[Any]:
    return Service(name, f"tests.{name}", f"{name}-group", dict.fromkeys(consumes, ignore),
                   produces, settings=object, parts=lambda *args, **kwargs: None,
                   compensations=compensations, start=start)


# A trip: the desk asks the hotel, then the flight; a failed flight releases the hotel; the
# mailer only listens (it produces nothing, so its relay never sends).
STATUSES = StatusMachine(
    initial="OPEN", final=("BOOKED", "CANCELLED"),
    waits_on={"OPEN": "hotel", "HOTEL": "flight", "UNDOING": "hotel"},
    table={("OPEN", "hotel.booked"): "HOTEL", (ANY, "hotel.failed"): "CANCELLED",
           (ANY, "flight.booked"): "BOOKED", (ANY, "flight.failed"): "UNDOING",
           (ANY, "hotel.released"): "CANCELLED"})
SAGA = Saga(
    name="trip",
    services=(step("desk", list(STATUSES.topics), ("trip.requested",), start=TRIP),
              step("hotel", ["trip.requested", "flight.failed"],
                   ("hotel.booked", "hotel.failed", "hotel.released"),
                   frozenset({"flight.failed"})),
              step("flight", ["hotel.booked"], ("flight.booked", "flight.failed")),
              step("mailer", ["flight.booked"])),
    statuses=STATUSES, owner="desk", first_port=4501)
REF = f"{__name__}:SAGA"


def test_the_hops_measured_are_the_edges_the_events_took(
        monkeypatch: pytest.MonkeyPatch) -> None:
    took = {e for e in SAGA.edges if e.topic != "hotel.failed"}  # no hotel refused
    monkeypatch.setattr(dbstats, "outbox_lags_ms", lambda _s, name, _since: [1.0])
    monkeypatch.setattr(dbstats, "hop_lags_ms",
                        lambda _s, edge, _since: [2.0, 4.0] if edge in took else [])
    hops = measure.hops(StackSettings(), SAGA, [("t1", 10.0, 11.0)], {"t1": 9.5}, 10.0)
    assert set(hops) == {"http_send_to_desk_row",
                         *(f"outbox_{name}_commit_to_broker_ack" for name in SAGA.names),
                         *(measure.hop_name(e) for e in took)}
    # The compensation's way back counts as a hop like any other.
    assert Edge("flight.failed", "flight", "hotel") in took
    assert hops["flight.failed_flight_broker_to_hotel_handler"]["count"] == 2
    assert hops["http_send_to_desk_row"]["p50_ms"] == 500.0


def test_fault_points_follow_what_each_service_declares() -> None:
    points = fault_points(SAGA)
    assert {p.service for p in points} == set(SAGA.names)
    for service in SAGA.services:
        own = {p.point for p in points if p.service == service.name}
        assert own == {*CONSUMER_POINTS, *(RELAY_POINTS if service.produces else ())}
    assert FaultPoint("mailer", "relay.after_ack") not in points  # it never sends
    assert all(p.handlers == SAGA.service(p.service).consumed_topics
               for p in points if p.point in CONSUMER_POINTS)
    assert set(CONSUMER_POINTS) | set(RELAY_POINTS) == set(POINTS)


def test_a_chaos_round_kills_and_restarts_each_declared_service(
        monkeypatch: pytest.MonkeyPatch) -> None:
    crashed: list[FaultPoint] = []
    restarted: list[str] = []

    def crash_at(_stack: object, fault: FaultPoint) -> bool:
        crashed.append(fault)
        return True

    def restart_postgres(_stack: object, name: str) -> str:
        restarted.append(name)
        return f"postgres-{name}"

    monkeypatch.setattr(disruptions, "crash_at", crash_at)
    monkeypatch.setattr(disruptions, "kill_kafka", lambda _stack: None)
    monkeypatch.setattr(disruptions, "restart_postgres", restart_postgres)
    summary = chaos_run.ChaosSummary()
    chaos_run.run_round(None, summary, SAGA)  # type: ignore[arg-type]
    assert crashed == list(fault_points(SAGA))
    assert summary.kills == Counter(str(p) for p in fault_points(SAGA))
    assert restarted == list(SAGA.names) and not summary.missed_kills


@contextmanager
def no_database(_dsn: str, _name: str) -> Iterator[None]:
    yield None


@pytest.mark.parametrize("service", SAGA.services, ids=lambda s: s.name)
def test_dead_letters_are_read_from_the_declared_topic_and_group(
        monkeypatch: pytest.MonkeyPatch, service: Service[Any]) -> None:
    read: list[str] = []
    groups: list[str] = []

    def read_all(_bootstrap: str, topic: str, _extra: object) -> list[object]:
        read.append(topic)
        return []

    def handled(_conn: object, group: str, _letters: object) -> dict[str, bool]:
        groups.append(group)
        return {}

    monkeypatch.setenv(f"{service.name.upper()}_DB_DSN", "postgresql://nowhere/db")
    monkeypatch.setattr("sagaline.ops.dlq.read_all", read_all)
    monkeypatch.setattr("sagaline.ops.dlq.handled", handled)
    monkeypatch.setattr("sagaline.core.postgres.db.connect", no_database)
    monkeypatch.setattr("sagaline.core.operator_log.SqlOperatorLog.entries",
                        lambda *_, **__: [])  # nothing discarded
    result = CliRunner().invoke(app, ["dlq", "list", service.name, "--saga", REF])
    assert result.exit_code == 0, result.output
    assert read == [service.dead_letter_topic] and groups == [service.consumer_group]
    assert service.dead_letter_topic in SAGA.dead_letter_topics


def test_a_service_the_saga_does_not_declare_is_refused() -> None:
    result = CliRunner().invoke(app, ["dlq", "list", SEED.names[1], "--saga", REF])
    assert result.exit_code == 2
    assert f"one of {', '.join(SAGA.names)}" in result.output


def test_load_starts_the_sagas_own_requests_at_its_owner(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESK_HTTP_PORT", raising=False)
    plan = loadgen.plan_for(SAGA, SystemSettings(), ["u1", "u2"], 5.0, rate=10.0)
    assert plan.url == f"http://127.0.0.1:{SAGA.http_port('desk')}/trips"
    assert [orjson.loads(b) for b in plan.bodies] == [{"traveller": "u1"}, {"traveller": "u2"}]
    assert plan.id_field == "tripId"


def test_each_service_is_found_by_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHT_DB_DSN", "postgresql://flight/db")
    monkeypatch.setenv("MAILER_HTTP_PORT", "4999")
    monkeypatch.delenv("HOTEL_DB_DSN", raising=False)
    monkeypatch.delenv("DESK_HTTP_PORT", raising=False)
    settings = SystemSettings()
    assert settings.dsn("flight", SAGA) == "postgresql://flight/db"
    assert settings.dsn("hotel", SAGA) == (  # the local stack's, from its place
        f"postgresql://hotel_user:hotel_pass@127.0.0.1:{SAGA.db_port('hotel')}/hotel_db")
    assert settings.http_port("mailer", SAGA) == 4999
    assert targets.owner_url(settings, SAGA).endswith(f":{SAGA.http_port('desk')}/trips")


def test_stock_is_kept_only_by_the_seeds_inventory_step() -> None:
    assert stock.keepers(SAGA) == () and stock.sample_skus(SAGA) == ()
    assert [SEED.service(name).package for name in stock.keepers(SEED)] == [stock.STOCK_STEP]
    assert stock.sample_skus(SEED) == ("SKU-1",)


def test_the_demo_places_the_sagas_own_requests_and_shows_each_step() -> None:
    placed = demo.plan(SAGA, "r1", 6, credit=100, scarce_sku=None)
    assert [p.body for p in placed] == [SAGA.sample_request(f"demo-r1-{n}") if n % 5 != 4
                                        else SAGA.sample_request("demo-r1-rich-4")
                                        for n in range(6)]
    for n, p in enumerate(placed):
        p.saga_id, p.outcome = f"id-{n}", {"status": STATUSES.final[n % 2], "reason": None}
        p.steps = {"hotel": "BOOKED"}
    lines = demo.table(SAGA, placed).splitlines()
    assert lines[0].split() == ["desk", "traveller", "status", "reason", "hotel"]
    assert lines[2].split() == ["id-0", "demo-r1-0", "BOOKED", "-", "BOOKED"]


def test_a_steps_record_route_is_its_get_by_the_sagas_id() -> None:
    paths: dict[str, Any] = {"/rooms/{trip_id}": {"get": {}}, "/rooms": {"post": {}},
             "/rooms/{trip_id}/guests/{name}": {"get": {}}, "/ready": {"get": {}}}
    assert demo.record_route(paths, SAGA.key_name) == "/rooms/{trip_id}"
    assert demo.record_route({"/rooms/{room}": {"get": {}}}, SAGA.key_name) is None


def test_the_seeds_demo_plan_takes_every_path() -> None:
    placed = demo.plan(SEED, "r2", 10, credit=100, scarce_sku="SCARCE")
    bodies = [p.body for p in placed]
    assert bodies[4] == {**SEED.sample_request("demo-r2-rich-4"), "totalAmount": 101,
                         "items": []}
    assert bodies[3]["items"] == [{"sku": "SCARCE", "quantity": 2}]
    assert bodies[5]["items"] == [{**SEED.sample_request("x")["items"][0], "quantity": 3}]
