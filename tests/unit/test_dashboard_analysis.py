"""The dashboard's pure parts: a saga's timeline from its records, the stuck analysis, the
rolling chart series and the shared cache."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from sagaline.dashboard import sources, stuck, timeline
from sagaline.dashboard.cache import TtlCache
from sagaline.dashboard.series import Series
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import DashboardSettings

pytestmark = pytest.mark.unit
T0 = 1_700_000_000.0
ORDER_ID = str(uuid.uuid4())


def order(status: str = "CONFIRMED", reason: str | None = None,
          finished: float | None = T0 + 0.3, updated: float = T0 + 0.3) -> dict[str, Any]:
    """The saga's record, as the dashboard reads it from the owner (and the order step's
    timeline from its own row)."""
    return {"saga_id": ORDER_ID, "status": status, "reason": reason, "created_at": T0,
            "updated_at": updated, "finished_at": finished}


def records(saga: dict[str, Any], events: dict[str, list[dict[str, Any]]] | None = None,
            handled: dict[tuple[str, uuid.UUID], float] | None = None,
            **steps: dict[str, Any]) -> timeline.SagaRecords:
    """What the databases hold: the order's row is also the order step's own record."""
    return timeline.SagaRecords(saga, events or {}, handled or {}, {"order": saga, **steps})


def event(topic: str, at: float, published: float | None) -> dict[str, Any]:
    return {"topic": topic, "event_id": uuid.uuid4(), "created_at": at, "published_at": published}


def test_timeline_has_commit_publish_and_every_consumer_in_time_order() -> None:
    created = event(topics.ORDER_CREATED, T0 + 0.01, T0 + 0.02)
    charged = event(topics.PAYMENT_CHARGED, T0 + 0.10, T0 + 0.11)
    handled = {("payment", created["event_id"]): T0 + 0.05,
               ("order", charged["event_id"]): T0 + 0.15,
               ("inventory", charged["event_id"]): T0 + 0.16}
    found = records(order(), {"order": [created], "payment": [charged]}, handled)
    steps = timeline.build(found, SAGA, saga_timeout_s=60)
    assert [(s.service, s.label) for s in steps] == [
        ("order", "order placed"),
        ("order", "order.created committed"), ("order", "order.created published"),
        ("payment", "order.created handled"),
        ("payment", "payment.charged committed"), ("payment", "payment.charged published"),
        ("order", "payment.charged handled"), ("inventory", "payment.charged handled"),
        ("order", "order CONFIRMED")]
    assert [s.at for s in steps] == sorted(s.at for s in steps)


PAYMENT = {"status": "REFUNDED", "reason": "OUT_OF_STOCK", "created_at": T0 + 0.1,
           "refunded_at": T0 + 0.5, "user_id": "u", "amount": 1,
           "balance_after_charge": None, "balance_after_refund": None}
RESERVATION = {"status": "FAILED", "reason": "OUT_OF_STOCK", "created_at": T0 + 0.3,
               "released_at": None, "items": [], "on_hand_after_reserve": None,
               "on_hand_after_release": None}


def test_purged_outbox_falls_back_to_each_steps_own_rows_with_compensations() -> None:
    found = records(order("CANCELLED", "OUT_OF_STOCK", T0 + 0.6), payment=PAYMENT,
                    inventory=RESERVATION)
    steps = timeline.build(found, SAGA, saga_timeout_s=60)
    assert [(s.service, s.kind, s.label) for s in steps] == [
        ("order", "placed", "order placed"),
        ("payment", "record", "payment refunded (from its row)"),
        ("inventory", "record", "inventory failed (from its row)"),
        ("payment", "compensation", "payment refunded (from its row)"),
        ("order", "final", "order CANCELLED (OUT_OF_STOCK)")]


def test_a_steps_row_is_left_out_while_the_outbox_still_has_its_events() -> None:
    charged = event(topics.PAYMENT_CHARGED, T0 + 0.1, T0 + 0.11)
    refunded = event(topics.PAYMENT_REFUNDED, T0 + 0.5, T0 + 0.51)
    found = records(order("CANCELLED", "OUT_OF_STOCK", T0 + 0.6),
                    {"payment": [charged, refunded]}, payment=PAYMENT)
    payment = [(s.kind, s.label) for s in timeline.build(found, SAGA, 60)
               if s.service == "payment"]
    assert payment == [("commit", "payment.charged committed"),
                       ("publish", "payment.charged published"),
                       ("compensation", "payment.refunded committed"),  # its timeline's kind
                       ("publish", "payment.refunded published")]
    only_refund = records(order("CANCELLED", "OUT_OF_STOCK", T0 + 0.6),
                          {"payment": [refunded]}, payment=PAYMENT)
    assert [s.kind for s in timeline.build(only_refund, SAGA, 60)
            if s.service == "payment"] == ["record", "compensation", "publish"]


def test_a_step_without_a_record_adds_no_row() -> None:
    found = records(order("PENDING", finished=None))
    assert [s.service for s in timeline.build(found, SAGA, 60)] == ["order", "order"]


def test_a_saga_in_flight_shows_its_deadline_ahead_and_a_timeout_is_a_deadline_step() -> None:
    steps = timeline.build(records(order("PENDING", finished=None)), SAGA, saga_timeout_s=60)
    assert steps[-1].kind == "deadline" and steps[-1].expected and steps[-1].at == T0 + 60
    cancelled = event(topics.ORDER_CANCELLED, T0 + 60, T0 + 60.1)
    found = records(order("CANCELLED", "TIMEOUT", T0 + 60), {"order": [cancelled]})
    kinds = [s.kind for s in timeline.build(found, SAGA, saga_timeout_s=60)]
    assert kinds.count("deadline") == 2 and "final" not in kinds


@pytest.mark.parametrize(("status", "service"), [("PENDING", "payment"), ("PAID", "inventory"),
                                                 ("COMPENSATING", "payment")])
def test_the_waited_on_service_follows_from_status_and_topology(status: str,
                                                                 service: str) -> None:
    assert stuck.waiting_on(status, SAGA) == service


def test_stuck_label_and_every_known_cause() -> None:
    evidence = stuck.Evidence(dead_letters={ORDER_ID: ["dlq.payment 0:3"]},
                              pending={"order": {ORDER_ID: 12.4}}, lag={"payment": 7},
                              ready={"payment": False, "order": True})
    [found] = stuck.analyse([order("PENDING", finished=None, updated=T0)], SAGA, evidence,
                            now=T0 + 12.2)
    assert found.label == "waiting on payment since 12 s"
    assert found.causes == ("dead letter on dlq.payment 0:3",
                            "unpublished outbox row in order (12 s old)",
                            "payment is not ready", "payment consumer lag: 7 messages")
    [plain] = stuck.analyse([order("PAID", finished=None, updated=T0)], SAGA,
                            stuck.Evidence(), now=T0 + 30)
    assert plain.as_json()["label"] == "waiting on inventory since 30 s"
    assert plain.causes == ()


def test_series_keeps_a_bounded_window_and_rewrites_a_second() -> None:
    series = Series(("a",), keep_s=3)
    for second in range(10):
        series.put(second, {"a": float(second)})
    series.put(9, {"a": 99.0, "b": 1.0})
    assert series.columns() == {"t": [7, 8, 9], "names": ["a", "b"],
                                "values": [[7.0, 8.0, 99.0], [None, None, 1.0]]}


def test_cache_shares_one_read_per_interval() -> None:
    cache, calls = TtlCache(ttl_s=60), []

    def read() -> int:
        calls.append(1)
        return len(calls)

    for _ in range(3):
        assert cache.get("k", read) == 1
    assert TtlCache(ttl_s=0).get("k", lambda: 2) == 2


def test_dashboard_settings_defaults_and_service_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DASHBOARD_HOST", "DASHBOARD_PORT", "STUCK_AFTER_S", "HTTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    dsns = {f"{name}_db_dsn": f"postgresql://{name}" for name in SAGA.names}
    s = DashboardSettings.model_validate({**dsns,
                                          "service_urls": {"payment": "http://payment:4002"}})
    assert (s.dashboard_host, s.dashboard_port, s.stuck_after_s) == ("127.0.0.1", 4000, 10.0)
    assert sources.service_url(s, SAGA, "payment") == "http://payment:4002"
    assert sources.service_url(s, SAGA, "order") == f"http://127.0.0.1:{SAGA.http_port('order')}"
    assert [s.dsn(name) for name in SAGA.names] == list(dsns.values())
