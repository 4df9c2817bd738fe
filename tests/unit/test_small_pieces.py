"""The small core pieces on their own: fault points, retry decisions, dead-letter headers,
and the HTTP error for an unavailable database."""

from __future__ import annotations

import random

import psycopg
import pydantic
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from sagaline.core.http import app as web
from sagaline.core.http import auth
from sagaline.core.messaging.deadletter import dead_letter_headers
from sagaline.core.messaging.envelope import MalformedMessage
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.messaging.retry import Decision, PermanentError, RetryPolicy
from sagaline.core.middleware import faults

pytestmark = pytest.mark.unit


def test_fault_specs_parse_and_unknown_points_are_refused() -> None:
    assert faults.parse("consumer.after_commit:0.5, relay.after_ack") == {
        "consumer.after_commit": 0.5, "relay.after_ack": 1.0}
    assert faults.parse("") == {}
    with pytest.raises(ValueError, match="unknown crash point"):
        faults.parse("consumer.after_comit:1")


def test_an_unarmed_point_does_nothing_and_a_delay_fires_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("sagaline.core.middleware.faults.time.sleep", slept.append)
    points = faults.FaultPoints({"relay.after_ack": 0.0}, random.Random(1),
                                delays={"consumer.before_commit": 3.0})
    for _ in range(3):
        points.hit("relay.after_ack")
        points.hit("consumer.before_commit")
    assert slept == [3.0]


def test_retry_decisions() -> None:
    policy = RetryPolicy(max_attempts=3, base_delay_s=0.1, max_delay_s=1.0)
    assert policy.decide(psycopg.OperationalError("down"), 9) is Decision.BACK_OFF
    assert policy.decide(MalformedMessage("x"), 1) is Decision.DEAD_LETTER
    assert policy.decide(PermanentError("x"), 1) is Decision.DEAD_LETTER
    with pytest.raises(pydantic.ValidationError) as caught:
        pydantic.TypeAdapter(int).validate_python("nope")
    assert policy.decide(caught.value, 1) is Decision.DEAD_LETTER
    assert policy.decide(psycopg.errors.ReadOnlySqlTransaction("failover"), 9) \
        is Decision.BACK_OFF
    assert policy.decide(psycopg.errors.UndefinedTable("not migrated yet"), 9) \
        is Decision.BACK_OFF
    assert policy.decide(psycopg.errors.SerializationFailure("conflict"), 9) \
        is Decision.BACK_OFF
    assert policy.decide(psycopg.errors.UniqueViolation("dup"), 1) is Decision.RETRY
    limit = psycopg.errors.ProgramLimitExceeded("too big")  # an OperationalError, yet permanent
    assert policy.decide(limit, 3) is Decision.DEAD_LETTER
    assert policy.decide(RuntimeError("bug"), 2) is Decision.RETRY
    assert policy.decide(RuntimeError("bug"), 3) is Decision.DEAD_LETTER
    steady = RetryPolicy(base_delay_s=0.1, max_delay_s=1.0, jitter=0)
    assert [steady.delay(n) for n in (1, 2, 3, 10)] == [0.1, 0.2, 0.4, 1.0]


class Fixed(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_back_off_pauses_are_jittered_within_their_bounds() -> None:
    def policy_drawing(value: float) -> RetryPolicy:
        return RetryPolicy(base_delay_s=0.1, max_delay_s=1.0, chance=Fixed(value))

    assert policy_drawing(0.0).delay(3) == 0.4  # the full pause
    assert policy_drawing(0.5).delay(3) == pytest.approx(0.3)  # a quarter off
    assert policy_drawing(0.5).delay(10) == pytest.approx(0.75)  # of the capped pause
    policy = RetryPolicy(base_delay_s=0.1, max_delay_s=1.0, chance=random.Random(7))
    pauses = [policy.delay(4) for _ in range(200)]  # ceiling 0.8 s: between 0.4 and 0.8
    assert all(0.4 <= p <= 0.8 for p in pauses)
    assert len(set(pauses)) == 200  # consumers that failed together come back apart
    assert 0.55 < sum(pauses) / len(pauses) < 0.65
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.5)


def test_dead_letter_headers_keep_the_original_and_say_why() -> None:
    message = IncomingMessage("order.created", 3, 42, None, b"x", {"event-id": b"abc"})
    headers = dead_letter_headers(message, ValueError("bad amount"), "payment-service-group")
    assert headers["event-id"] == "abc"
    assert headers["dlq-source-topic"] == "order.created"
    assert (headers["dlq-source-partition"], headers["dlq-source-offset"]) == ("3", "42")
    assert headers["dlq-error"] == "ValueError: bad amount"
    assert headers["dlq-error-type"] == "ValueError"
    assert headers["dlq-original-key-null"] == "1"


def test_an_unavailable_database_is_a_503_not_a_500() -> None:
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise psycopg.OperationalError("connection refused")

    app = web.create_app("t", [router], [], max_body_bytes=1024)
    response = TestClient(app).get("/boom")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert "unavailable" in response.json()["error"]


def test_a_value_the_database_cannot_store_is_a_422_not_a_500() -> None:
    router = APIRouter()

    @router.get("/nul")
    def nul() -> None:  # what psycopg raises for a NUL character in a parameter
        raise psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    app = web.create_app("t", [router], [], max_body_bytes=1024)
    response = TestClient(app).get("/nul")
    assert response.status_code == 422 and "cannot store" in response.json()["error"]


def test_ready_reports_what_is_wrong_to_an_admin() -> None:
    app = web.create_app("t", [], [lambda: None, lambda: "kafka: down"], max_body_bytes=1024,
                         access=auth.Access(auth.Keys(["k"])))
    response = TestClient(app).get("/ready", headers={"X-API-Key": "k"})
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "problems": ["kafka: down"]}


def test_only_rows_before_a_keys_first_unacknowledged_row_are_marked() -> None:
    from sagaline.core.messaging.publisher import Delivery, OutgoingMessage
    from sagaline.core.outbox.relay import in_order_prefix

    batch = [OutgoingMessage(i, "t", key, b"", {})
             for i, key in enumerate(["a", "a", "b", "a", "b", "c"])]
    deliveries = [Delivery(0), Delivery(1, "timed out"), Delivery(2), Delivery(3),
                  Delivery(4, "too large", permanent=True), Delivery(5)]
    assert in_order_prefix(batch, deliveries) == [0, 2, 5]


def test_the_client_config_may_not_weaken_the_guarantees() -> None:
    from sagaline.core.kafka.publisher import producer_config
    from sagaline.core.kafka.source import consumer_config

    assert producer_config("b", {"linger.ms": "5"})["linger.ms"] == "5"
    with pytest.raises(ValueError, match=r"enable\.idempotence"):
        producer_config("b", {"enable.idempotence": "false"})
    with pytest.raises(ValueError, match=r"enable\.auto\.offset\.store"):
        consumer_config("b", "g", {"enable.auto.offset.store": "true"})
    with pytest.raises(ValueError, match=r"auto\.offset\.reset"):
        consumer_config("b", "g", {"auto.offset.reset": "latest"})
    with pytest.raises(ValueError, match=r"message\.timeout\.ms"):
        producer_config("b", {"message.timeout.ms": "120000"})
