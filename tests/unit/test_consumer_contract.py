"""What the seed's KafkaJS services read (contracts/consumers/seed-kafkajs.json) is what we
produce: our event schemas meet it, and so does every event the seed's saga produces when run
in memory (sagaline.testing) down each of its paths, checked with `jsonschema`. The same
samples also match the committed schemas of their topics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sagaline.contracts import consumers, frozen
from sagaline.core.saga import declared
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.harness import SagaHarness

pytestmark = pytest.mark.unit

ROOT = Path(__file__).parents[2]
SEED = ROOT / "contracts" / "consumers" / "seed-kafkajs.json"
ORDER = {"userId": "u1", "totalAmount": 30, "items": [{"sku": "SKU-1", "quantity": 2}]}


def run(failures: dict[str, dict[str, Any]], past_deadline: bool = False) -> SagaHarness:
    h = SagaHarness(SAGA, settings_overrides=failures)
    assert h.post(SAGA.start_path, ORDER).status_code == 201
    if past_deadline:  # inventory is down until the order gave up: it releases late stock
        h.run(paused=["inventory"])
        h.advance(SAGA_DEADLINE_S)
    h.run()
    return h


SAGA_DEADLINE_S = 61.0  # the order service's default saga deadline is 60 s


def samples() -> dict[str, list[dict[str, Any]]]:
    """Topic -> the values produced down every path: confirmed, payment refused, out of
    stock (refund), past the deadline (refund and release)."""
    runs = [run({}), run({"payment": {"payment_failure_rate": 1.0}}),
            run({"inventory": {"inventory_failure_rate": 1.0}}), run({}, past_deadline=True)]
    found: dict[str, list[dict[str, Any]]] = {}
    for h in runs:
        for message in h.broker.sent:
            if message.topic in SAGA.event_topics:
                found.setdefault(message.topic, []).append(json.loads(message.value))
    return found


@pytest.fixture(scope="module")
def produced() -> dict[str, list[dict[str, Any]]]:
    return samples()


def test_our_event_schemas_meet_what_the_seeds_services_read() -> None:
    assert consumers.unmet(SAGA, consumers.load(SEED)) == []


def test_every_event_we_produce_satisfies_the_consumer_contract(
        produced: dict[str, list[dict[str, Any]]]) -> None:
    expected = consumers.load(SEED)
    assert set(expected) <= set(produced), "every topic the seed reads was produced"
    for topic, schema in expected.items():
        for value in produced[topic]:
            jsonschema.validate(value, schema)


def test_every_event_we_produce_matches_its_committed_schema(
        produced: dict[str, list[dict[str, Any]]]) -> None:
    assert set(produced) == set(SAGA.event_topics)
    for topic, values in produced.items():
        schema = frozen.committed(ROOT / "contracts", topic, declared(topic).major)
        assert schema is not None
        for value in values:
            jsonschema.validate(value, schema)


def test_an_event_that_falls_short_of_the_contract_is_named() -> None:
    expected = consumers.load(SEED)
    wants_more = {**expected, "payment.failed": {
        "required": ["orderId", "amount", "currency"],
        "properties": {"orderId": {"type": "integer"}, "amount": {"type": "number"}}},
        "shipping.scheduled": {"required": []}}
    assert consumers.unmet(SAGA, wants_more) == [
        "payment.failed: orderId is read as ['integer']; we may write ['string']",
        "payment.failed: currency is read, but an event may leave it out",
        "shipping.scheduled: no service of seed produces it"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"orderId": "o", "amount": "10"}, expected["payment.failed"])
