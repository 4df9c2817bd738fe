"""The dashboard is generic over the declaration: for a small saga of four steps declared
here (none of the seed's names), the API describes four lanes, its statuses and edges; the
snapshot has a card and a chart line per service; the timeline reads the fourth step's record
from that step's own database through its `timeline`, and draws its rows. No literal
service or status of the seed's saga is left in the dashboard's code or page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from sagaline.core.saga import Saga, SagaStart, Service
from sagaline.core.status_machine import ANY, StatusMachine
from sagaline.dashboard import api, core_queries, order_queries, readiness, sources
from sagaline.dashboard.collector import Collector
from sagaline.dashboard.kafka_view import KafkaView
from sagaline.dashboard.sources import Databases
from sagaline.dashboard.step import Seen, Step
from sagaline.ops.dlq import DeadLetter
from sagaline.seed_saga.saga import SAGA as SEED
from sagaline.settings import DashboardSettings

pytestmark = pytest.mark.unit
T0 = 1_700_000_000.0
SAGA_ID = str(uuid.UUID(int=7))
DASHBOARD = Path(sources.__file__).parent


def ignore(event: object, uow: object) -> None:
    """A handler the dashboard never runs."""


class CourierTimeline:
    """The fourth step's own rows: its parcel record, read from its own database."""

    kinds: Mapping[str, str] = {"courier.recalled": "compensation"}

    def __init__(self) -> None:
        self.read_from: list[str] = []

    def read(self, conn: Any, saga_id: str) -> dict[str, Any] | None:
        self.read_from.append(conn.service)
        return {"handed_at": T0 + 0.4, "carrier": "bike"} if saga_id == SAGA_ID else None

    def rows(self, record: Mapping[str, Any], seen: Seen) -> list[Step]:
        return [Step(record["handed_at"], seen.service, "record",
                     f"parcel handed to the {record['carrier']}")]


def service(name: str, consumes: list[str], produces: tuple[str, ...],
            **more: Any) -> Service[Any]:
    return Service(name=name, package=f"tests.{name}", consumer_group=f"{name}-group",
                   consumes=dict.fromkeys(consumes, ignore), produces=produces,
                   settings=object, parts=ignore, **more)


START = SagaStart(path="/desks", key_field="deskId", key_name="desk_id",
                  sample=lambda user: {"user": user})


STATUSES = StatusMachine(
    initial="OPEN", final=("DONE", "DROPPED"),
    waits_on={"OPEN": "bank", "PAID": "store", "PACKED": "courier", "UNDOING": "bank"},
    table={("OPEN", "bank.paid"): "PAID", (ANY, "bank.failed"): "DROPPED",
           ("PAID", "store.packed"): "PACKED", (ANY, "store.failed"): "UNDOING",
           ("PACKED", "courier.sent"): "DONE", (ANY, "courier.failed"): "UNDOING",
           (ANY, "bank.refunded"): "DROPPED"})
COURIER = CourierTimeline()
FOUR = Saga(name="four", owner="desk", statuses=STATUSES, first_port=6101, services=(
    service("desk", list(STATUSES.topics), ("desk.opened", "desk.dropped"), start=START),
    service("bank", ["desk.opened", "store.failed", "courier.failed"],
            ("bank.paid", "bank.failed", "bank.refunded"),
            compensations=frozenset({"store.failed", "courier.failed"})),
    service("store", ["bank.paid"], ("store.packed", "store.failed")),
    service("courier", ["store.packed", "desk.dropped"],
            ("courier.sent", "courier.failed", "courier.recalled"),
            compensations=frozenset({"desk.dropped"}), timeline=COURIER)))
NAMES = ["desk", "bank", "store", "courier"]


class Conn:
    """A connection to one service's database: which one is all the fakes below need."""

    def __init__(self, service: str) -> None:
        self.service = service


class FakeDatabases(Databases):
    def __init__(self, names: tuple[str, ...]) -> None:  # no pools
        self._names = names
        self.read_from: list[str] = []

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @contextmanager
    def read(self, service: str) -> Iterator[Any]:
        assert service in self._names, service
        self.read_from.append(service)
        yield Conn(service)

    def close(self) -> None:
        pass


class FakeKafka(KafkaView):
    def __init__(self, letters: dict[str, list[DeadLetter]]) -> None:  # no client
        self.letters = letters

    def lag(self) -> dict[str, int]:
        return {"store": 3}

    def dead_letters(self, look_again: bool = False) -> dict[str, list[DeadLetter]]:
        return self.letters


def event(topic: str, at: float) -> dict[str, Any]:
    return {"topic": topic, "event_id": uuid.uuid5(uuid.NAMESPACE_URL, topic),
            "created_at": at, "published_at": at + 0.01}


SAGA_RECORD = {"saga_id": SAGA_ID, "status": "DONE", "reason": None, "created_at": T0,
               "updated_at": T0 + 0.5, "finished_at": T0 + 0.5}
EVENTS = {"desk": [event("desk.opened", T0 + 0.01)], "bank": [event("bank.paid", T0 + 0.1)],
          "store": [event("store.packed", T0 + 0.2)],
          "courier": [event("courier.sent", T0 + 0.3)]}


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> None:
    """The owner's record and each outbox of the saga; its inboxes handled nothing."""
    monkeypatch.setattr(order_queries, "one", lambda conn, saga_id: dict(SAGA_RECORD)
                        if conn.service == "desk" and saga_id == SAGA_ID else None)
    monkeypatch.setattr(core_queries, "saga_events",
                        lambda conn, key, since, until: EVENTS[conn.service])
    monkeypatch.setattr(core_queries, "handled_at", lambda conn, consumer, ids: {})


@pytest.fixture
def client() -> TestClient:
    dbs = FakeDatabases(FOUR.names)
    app = api.create_app(DashboardSettings.model_construct(), FOUR, dbs, FakeKafka({}))
    # No `with`: the collector is not started. Under a loopback name: the only ones allowed.
    return TestClient(app, base_url="http://127.0.0.1")


def test_the_api_describes_a_lane_per_declared_service_and_the_statuses(
        client: TestClient) -> None:
    saga = client.get("/api/saga").json()
    assert [s["name"] for s in saga["services"]] == NAMES
    assert saga["owner"] == "desk"
    assert saga["statuses"]["all"] == ["OPEN", "PAID", "PACKED", "UNDOING", "DONE", "DROPPED"]
    assert saga["statuses"]["final"] == ["DONE", "DROPPED"]
    assert saga["statuses"]["waiting_on"]["PACKED"] == "courier"
    assert {"topic": "store.packed", "producer": "store", "consumer": "courier"} in saga["edges"]
    assert [s["timeline"] for s in saga["services"]] == [False, False, False, True]


def test_the_timeline_has_the_fourth_steps_rows_read_from_its_own_database(
        client: TestClient, records: None) -> None:
    COURIER.read_from.clear()
    found = client.get(f"/api/sagas/{SAGA_ID}").json()
    assert found["saga"]["status"] == "DONE"
    assert COURIER.read_from == ["courier"]
    steps = [(s["service"], s["kind"], s["label"]) for s in found["steps"]]
    assert ("courier", "record", "parcel handed to the bike") in steps
    assert ("courier", "commit", "courier.sent committed") in steps
    assert {service for service, _, _ in steps} == set(NAMES)
    assert client.get(f"/api/sagas/{uuid.UUID(int=8)}").status_code == 404


def test_a_steps_own_kinds_draw_its_undoing_event_as_a_compensation(
        client: TestClient, monkeypatch: pytest.MonkeyPatch, records: None) -> None:
    recalled = {**EVENTS, "courier": [event("courier.recalled", T0 + 0.6)]}
    monkeypatch.setattr(core_queries, "saga_events",
                        lambda conn, key, since, until: recalled[conn.service])
    steps = client.get(f"/api/sagas/{SAGA_ID}").json()["steps"]
    assert [s["kind"] for s in steps if s["label"] == "courier.recalled committed"] == [
        "compensation"]


def test_the_status_filter_takes_the_declared_statuses_only(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []

    def recent(conn: Conn, statuses: list[str], limit: int) -> list[dict[str, Any]]:
        asked.append(list(statuses))
        return []

    monkeypatch.setattr(order_queries, "recent", recent)
    assert client.get("/api/sagas?status=PACKED").status_code == 200
    assert client.get("/api/sagas").status_code == 200
    assert asked == [["PACKED"], list(STATUSES.statuses)]
    refused = client.get("/api/sagas?status=CONFIRMED")  # the seed's, not this saga's
    assert refused.status_code == 422 and "PACKED" in refused.text


def test_the_snapshot_has_a_card_and_a_chart_line_per_declared_service(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readiness, "ready", lambda urls, client: {n: n != "bank" for n in urls})
    monkeypatch.setattr(order_queries, "in_flight", lambda conn, not_final: {"PACKED": 2})
    monkeypatch.setattr(order_queries, "not_moving", lambda conn, not_final, idle_s, limit: [])
    monkeypatch.setattr(order_queries, "finished", lambda conn, since: {})
    monkeypatch.setattr(core_queries, "backlog",
                        lambda conn: {"pending": len(conn.service), "oldest_s": None})
    letter = DeadLetter("dlq.courier", 0, 1, SAGA_ID, b"{", {})
    dbs = FakeDatabases(FOUR.names)
    monkeypatch.setattr("sagaline.dashboard.slow_reads.dlq.handled", lambda *a: {})
    collector = Collector(DashboardSettings.model_construct(), FOUR, dbs,
                          kafka=FakeKafka({"courier": [letter]}))
    try:
        collector.slow.refresh(1)
        collector.refresh(1)
    finally:
        collector.slow.close()
    snapshot = orjson.loads(collector.published.data)
    assert list(snapshot["services"]) == NAMES
    assert snapshot["services"]["courier"] == {"pending": 7, "oldest_s": None, "ready": True,
                                               "lag": None, "dead_letters": 1}
    assert snapshot["services"]["bank"]["ready"] is False
    assert snapshot["services"]["store"]["lag"] == 3
    for chart in ("backlog", "oldest", "lag"):
        assert snapshot["charts"][chart]["names"] == NAMES
    assert snapshot["in_flight"] == {"PACKED": 2}
    assert set(dbs.read_from) == set(NAMES)


def test_where_each_service_is_comes_from_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in FOUR.names:
        monkeypatch.delenv(f"{name.upper()}_HTTP_PORT", raising=False)
        monkeypatch.delenv(f"{name.upper()}_DB_DSN", raising=False)
    settings = DashboardSettings(http_host="0.0.0.0", service_urls={"bank": "http://bank:1"})
    assert sources.service_url(settings, FOUR, "bank") == "http://bank:1"
    assert sources.service_url(settings, FOUR, "courier") == "http://127.0.0.1:6104"
    assert settings.dsn("store", FOUR) == (
        f"postgresql://store_user:store_pass@127.0.0.1:{FOUR.db_port('store')}/store_db")
    monkeypatch.setenv("COURIER_HTTP_PORT", "6999")
    monkeypatch.setenv("COURIER_DB_DSN", "postgresql://courier@db/courier")
    settings = DashboardSettings(http_host="0.0.0.0")
    assert sources.service_url(settings, FOUR, "courier") == "http://127.0.0.1:6999"
    assert settings.dsn("courier", FOUR) == "postgresql://courier@db/courier"


def quoted(name: str) -> re.Pattern[str]:
    """`name` as a literal: in quotes, or as an element's text or a CSS class."""
    return re.compile(rf"""["'>.-]{re.escape(name)}["'<\s,{{]""")


@pytest.mark.parametrize("path", sorted([*DASHBOARD.glob("*.py"),
                                         *(DASHBOARD / "static").glob("*.*")]),
                         ids=lambda p: p.name)
def test_no_service_or_status_of_the_seed_is_named_in_the_dashboard(path: Path) -> None:
    text = path.read_text()
    named = [n for n in (*SEED.names, *SEED.statuses.statuses) if quoted(n).search(text)]
    assert named == []
    assert "seed_saga" not in text  # its statuses, topics or services imported instead
