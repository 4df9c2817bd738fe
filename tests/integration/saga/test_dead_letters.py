"""Poison messages on every consumed topic go to the consumer's dead-letter topic, the
consumer keeps going, and replay goes through the idempotent path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import orjson
import psycopg
import pytest
from typer.testing import CliRunner

from sagaline.cli import app
from sagaline.core.kafka.publisher import KafkaPublisher, producer_config
from sagaline.ops import dlq
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from tests.integration.saga.conftest import Saga, new_user, wait_for
from tests.integration.saga.redelivery import CHARGER, caught_up, payment_forgotten

CREDIT = 10_000
CONSUMERS = {  # topic -> the services consuming it
    topic: SAGA.consumers_of(topic) for s in SAGA.services for topic in s.consumes}
# The replay cases dead-letter an order.created as its consumer (CHARGER) would (the charge
# is their visible effect).


def poisons(marker: str) -> dict[str, bytes]:
    return {
        "not json": f"not json {marker}".encode(),
        "wrong types": orjson.dumps({"orderId": 123, "userId": [], "totalAmount": "abc",
                                     "amount": {}, "marker": marker}),
        "missing fields": orjson.dumps({"marker": marker}),
        "huge": orjson.dumps({"orderId": "x" * 600_000, "marker": marker}),
        "not an object": orjson.dumps([marker]),
        "bad utf-8": b"\xff\xfe" + marker.encode(),
    }


def letters_with(saga: Saga, service: str, marker: str) -> list[dlq.DeadLetter]:
    s = saga.stack.settings
    return [d for d in dlq.read_all(s.kafka_bootstrap_servers,
                                    SAGA.service(service).dead_letter_topic)
            if marker.encode() in d.value]


def six_letters_with(saga: Saga, service: str, marker: str) -> list[dlq.DeadLetter] | None:
    found = letters_with(saga, service, marker)
    return found if len(found) >= 6 else None


@pytest.mark.parametrize("topic", sorted(CONSUMERS))
def test_poison_is_dead_lettered_and_the_saga_goes_on(saga: Saga, topic: str) -> None:
    marker = uuid.uuid4().hex
    for value in poisons(marker).values():
        saga.produce(topic, value, key=marker.encode())
    for service in CONSUMERS[topic]:
        found = wait_for(partial(six_letters_with, saga, service, marker), 30,
                         f"6 dead letters of {service}")
        assert {d.source_topic for d in found} == {topic}
        group = SAGA.service(service).consumer_group
        assert all(d.headers["dlq-consumer"] == group for d in found)
        assert all(d.headers["dlq-error"] and d.headers["dlq-source-offset"] for d in found)
    order = saga.final(saga.place(new_user(), 3), timeout_s=15)  # others are unaffected
    assert order["status"] == "CONFIRMED"


def test_an_order_id_that_is_no_uuid_is_dead_lettered_before_any_effect(saga: Saga) -> None:
    user, marker = new_user(), uuid.uuid4().hex
    value = orjson.dumps({"orderId": "not-a-uuid", "userId": user, "totalAmount": 30,
                          "createdAt": datetime.now(UTC).isoformat(), "marker": marker})
    saga.produce(topics.ORDER_CREATED, value, key=b"not-a-uuid")  # a foreign producer's
    (letter,) = wait_for(lambda: letters_with(saga, CHARGER.name, marker), 30, "a dead letter")
    assert letter.headers["dlq-error-type"] == "PermanentError"
    assert "not a UUID" in letter.headers["dlq-error"]
    with psycopg.connect(saga.stack.settings.dsn(CHARGER.name)) as conn:
        row = conn.execute("SELECT count(*) FROM payments WHERE user_id = %s",
                           (user,)).fetchone()
    assert row == (0,)  # no payment, and no account opened or debited:
    assert saga.balance(user) is None


def _dead_order_created(saga: Saga, user: str, occurred: datetime) -> str:
    """A valid order.created as if its consumer had dead-lettered it (say, a bug since
    fixed); returns its order id."""
    order_id = str(uuid.uuid4())
    value = orjson.dumps({"orderId": order_id, "userId": user, "totalAmount": 30,
                          "createdAt": occurred.isoformat()})
    headers = {"event-id": str(uuid.uuid4()), "occurred-at": occurred.isoformat(),
               "correlation-id": order_id, "dlq-source-topic": topics.ORDER_CREATED,
               "dlq-error": "RuntimeError: bug", "dlq-consumer": CHARGER.consumer_group}
    saga.produce(CHARGER.dead_letter_topic, value, order_id.encode(), headers)
    return order_id


def test_replay_has_one_effect_however_often(saga: Saga) -> None:
    """The second replay finds the handler blind to the event (its payment row forgotten):
    only the inbox, by the letter's event id, stops a second charge."""
    user = new_user()
    order_id = _dead_order_created(saga, user, datetime.now(UTC))
    s = saga.stack.settings
    letter = wait_for(lambda: [d for d in dlq.read_all(
        s.kafka_bootstrap_servers, CHARGER.dead_letter_topic) if user.encode() in d.value],
        10, "letter")
    publisher = KafkaPublisher(producer_config(s.kafka_bootstrap_servers))
    try:
        assert dlq.replay(letter, publisher, s.inbox_retention_s) == 1
        wait_for(lambda: saga.balance(user) == CREDIT - 30, 15, "charged by the replay")
        with payment_forgotten(s, order_id):
            assert dlq.replay(letter, publisher, s.inbox_retention_s) == 1
            caught_up(s, CHARGER.consumer_group, topics.ORDER_CREATED)
            assert saga.payment.get(f"/payments/{order_id}").status_code == 404
        assert saga.balance(user) == CREDIT - 30
    finally:
        publisher.close()


def test_replay_of_a_message_older_than_the_inbox_retention_is_refused(saga: Saga) -> None:
    user = new_user()
    _dead_order_created(saga, user, datetime.now(UTC) - timedelta(days=30))
    s = saga.stack.settings
    letter = wait_for(lambda: [d for d in dlq.read_all(
        s.kafka_bootstrap_servers, CHARGER.dead_letter_topic) if user.encode() in d.value],
        10, "letter")
    publisher = KafkaPublisher(producer_config(s.kafka_bootstrap_servers))
    with pytest.raises(dlq.TooOld):
        dlq.replay(letter, publisher, s.inbox_retention_s)
    assert dlq.replay(letter, publisher, s.inbox_retention_s, force=True) == 1
    wait_for(lambda: saga.balance(user) == CREDIT - 30, 15, "charged after a forced replay")
    publisher.close()


def dlq_cli(*args: str) -> str:
    result = CliRunner().invoke(app, ["dlq", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def listed(user: str) -> list[dict[str, Any]]:
    return [row for row in orjson.loads(dlq_cli("list", CHARGER.name, "--json"))
            if user in row["value"]]


def test_a_newer_major_version_is_dead_lettered_with_the_reason(saga: Saga) -> None:
    user = new_user()
    order_id = str(uuid.uuid4())
    value = orjson.dumps({"orderId": order_id, "userId": user, "totalAmount": 30,
                          "createdAt": datetime.now(UTC).isoformat()})
    saga.produce(topics.ORDER_CREATED, value, order_id.encode(), {"schema-version": "2.0"})
    (letter,) = wait_for(lambda: listed(user), 30, "the dead letter")
    assert letter["headers"]["dlq-error-type"] == "UnknownSchemaVersion"
    assert "schema-version 2.0: this consumer reads major version 1" \
        in letter["headers"]["dlq-error"]
    assert letter["handled"] is None and letter["event_id"] is None  # never handleable here
    assert saga.balance(user) is None  # not charged


def test_list_shows_a_letter_handled_once_replayed(saga: Saga) -> None:
    user = new_user()
    _dead_order_created(saga, user, datetime.now(UTC))
    (letter,) = wait_for(lambda: listed(user), 10, "the dead letter")
    assert letter["handled"] is False and letter["event_id"]
    assert "not handled" in dlq_cli("list", CHARGER.name)
    dlq_cli("replay", CHARGER.name, "--ref", letter["ref"])
    wait_for(lambda: saga.balance(user) == CREDIT - 30, 15, "charged by the replay")
    (again,) = listed(user)
    assert again["handled"] is True and again["event_id"] == letter["event_id"]
