"""The AsyncAPI document is generated from the saga's declaration: every declared topic is a
channel with the key, our headers and the event's schema; every service's operations say what
it sends and receives, with its consumer group. Checked over the seed's saga, the shipping
example's and the tests' tiny saga, iterating each declaration (no list of names here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sagaline import saga_choice
from sagaline.contracts.asyncapi import DEAD_LETTER, document
from sagaline.core.messaging import deadletter as dlq
from sagaline.core.messaging import envelope as env
from sagaline.core.saga import Saga, declared
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit


EXAMPLE = Path(__file__).parents[2] / "examples" / "shipping"
SAGAS = ["sagaline.seed_saga.saga:SAGA", "shipping_saga:SAGA", "tests.unit.tiny_saga:TINY"]


@pytest.fixture(params=SAGAS)
def saga(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Saga:
    monkeypatch.chdir(EXAMPLE)  # where a user of the example runs from
    return saga_choice.load(request.param)


def resolve(doc: dict[str, Any], ref: dict[str, str]) -> Any:
    node: Any = doc
    for part in ref["$ref"].removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_every_topic_is_a_channel_with_its_key_headers_and_event_schema(saga: Saga) -> None:
    doc = document(saga)
    assert doc["asyncapi"] == "3.0.0"
    assert set(doc["channels"]) == set(saga.topics)
    for topic in saga.event_topics:
        channel = doc["channels"][topic]
        assert channel["address"] == topic == channel["bindings"]["kafka"]["topic"]
        (message,) = channel["messages"].values()
        model = declared(topic).event
        assert message["payload"]["required"] == [
            f.alias or name for name, f in model.model_fields.items() if f.is_required()]
        assert set(message["payload"]["properties"]) == {
            f.alias or name for name, f in model.model_fields.items()}
        headers = message["headers"]["properties"]
        assert {env.H_SCHEMA_VERSION, env.H_TRACEPARENT, env.H_EVENT_ID} <= set(headers)
        assert headers[env.H_EVENT_TYPE]["const"] == topic
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        assert "$defs" not in str(message) and "$ref" not in str(message)


def test_each_service_sends_what_it_produces_and_receives_in_its_group(saga: Saga) -> None:
    doc = document(saga)
    for service in saga.services:
        ours = [op for op_id, op in doc["operations"].items()
                if op_id.startswith(f"{service.name}.")]
        received = {resolve(doc, op["channel"])["address"]: op for op in ours
                    if op["action"] == "receive"}
        sent = {resolve(doc, op["channel"])["address"] for op in ours if op["action"] == "send"}
        assert set(received) == set(service.consumes)
        assert sent == {*service.produces, service.dead_letter_topic}
        for op in received.values():
            assert op["bindings"]["kafka"]["groupId"]["enum"] == [service.consumer_group]
            for ref in op["messages"]:
                assert "payload" in resolve(doc, ref)


def test_dead_letter_channels_carry_the_dlq_headers() -> None:
    doc = document(SAGA)
    for topic in SAGA.dead_letter_topics:
        message = doc["channels"][topic]["messages"][DEAD_LETTER]
        headers = message["headers"]
        assert {dlq.H_ERROR, dlq.H_SOURCE_TOPIC, dlq.H_SOURCE_OFFSET, dlq.H_CONSUMER} \
            <= set(headers["required"])
        assert dlq.H_TRUNCATED in headers["properties"]


def test_the_schema_version_header_names_the_topics_major() -> None:
    doc = document(SAGA)
    for topic in SAGA.event_topics:
        (message,) = doc["channels"][topic]["messages"].values()
        pattern = message["headers"]["properties"][env.H_SCHEMA_VERSION]["pattern"]
        assert pattern.startswith(f"^{declared(topic).major}(")


@pytest.mark.parametrize("name", SAGA.names)
def test_one_services_document_holds_only_its_channels_and_operations(name: str) -> None:
    service = SAGA.service(name)
    doc = document(SAGA, name)
    assert set(doc["channels"]) == {*service.consumes, *service.produces,
                                    service.dead_letter_topic}
    assert doc["operations"] and all(op_id.startswith(f"{name}.") for op_id in doc["operations"])
    for op in doc["operations"].values():
        resolve(doc, op["channel"])  # every reference stays inside the service's document


def test_an_unknown_service_is_named() -> None:
    with pytest.raises(KeyError, match="no service 'nope'"):
        document(SAGA, "nope")
