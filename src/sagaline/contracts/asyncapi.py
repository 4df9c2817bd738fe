"""The AsyncAPI 3.0 document of a saga, generated from its declaration: every topic a
channel (its key, the headers we write, its message with the event's JSON Schema), every
service's operations (what it sends, what it receives with its consumer group), and the
dead-letter topics with their headers. `document(saga, "payment")` is one service's part.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from sagaline.contracts import schemas
from sagaline.core.saga import Saga, Service, declared

ASYNCAPI = "3.0.0"
KAFKA_BINDING = "0.5.0"  # the AsyncAPI Kafka bindings' version we write
DEAD_LETTER = "DeadLetter"  # the message name on every dead-letter channel


def document(saga: Saga, service: str | None = None) -> dict[str, Any]:
    """The saga's AsyncAPI document; with `service`, only its channels and operations."""
    services = saga.services if service is None else (saga.service(service),)
    used = {t for s in services for t in (*s.consumes, *s.produces, s.dead_letter_topic)}
    title = f"{saga.name} saga" + (f": {service}" if service else "")
    return {
        "asyncapi": ASYNCAPI,
        "info": {"title": title, "version": metadata.version("sagaline"),
                 "description": _description(saga)},
        "defaultContentType": "application/json",
        "channels": {t: _channel(saga, t) for t in saga.topics if t in used},
        "operations": {op_id: op for s in services for op_id, op in _operations(s).items()},
    }


def _description(saga: Saga) -> str:
    return (f"Choreography: no orchestrator; each service reacts to events and emits the "
            f"next ones. Every message's Kafka key is the saga's {saga.key_name} "
            f"(`{saga.key_field}` in its value), so a saga's events keep their order.")


def message_name(saga: Saga, topic: str) -> str:
    """The id of the topic's message in its channel: its event model's name."""
    return DEAD_LETTER if topic in saga.dead_letter_topics else declared(topic).event.__name__


def _channel(saga: Saga, topic: str) -> dict[str, Any]:
    name = message_name(saga, topic)
    message = _dead_letter(saga, topic) if name == DEAD_LETTER else _event(saga, topic)
    return {
        "address": topic,
        "title": topic,
        "messages": {name: message},
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING}},
    }


def _key(saga: Saga) -> dict[str, Any]:
    return {"bindings": {"kafka": {
        "key": {"type": "string",
                "description": f"the saga's {saga.key_name}; absent from a seed-shaped "
                               f"message, whose saga is its value's `{saga.key_field}`"},
        "bindingVersion": KAFKA_BINDING}}}


def _event(saga: Saga, topic: str) -> dict[str, Any]:
    declaration = declared(topic)
    producer = saga.producer_of(topic)
    readers = ", ".join(saga.consumers_of(topic)) or "no service of the saga"
    return {
        "name": declaration.event.__name__,
        "title": f"{topic} v{declaration.major}",
        "summary": f"Written by {producer}; read by {readers}.",
        "contentType": "application/json",
        "correlationId": {"location": "$message.header#/correlation-id"},
        "headers": schemas.envelope_headers(topic, declaration.major),
        "payload": schemas.event_schema(declaration.event),
        **_key(saga),
    }


def _dead_letter(saga: Saga, topic: str) -> dict[str, Any]:
    return {
        "name": DEAD_LETTER,
        "title": f"{topic}: a message {saga.producer_of(topic)}'s consumer gave up on",
        "summary": "The original key, value and headers, plus why and where from "
                   "(dlq-* headers). `sagaline dlq` lists and replays them.",
        "contentType": "application/octet-stream",
        "headers": schemas.dead_letter_headers(),
        "payload": {"description": "the original value, byte for byte (JSON or not)"},
        **_key(saga),
    }


def _ref(topic: str, message: str) -> dict[str, Any]:
    return {"$ref": f"#/channels/{topic}/messages/{message}"}


def _operations(service: Service[Any]) -> dict[str, dict[str, Any]]:
    group = {"kafka": {"groupId": {"type": "string", "enum": [service.consumer_group]},
                       "bindingVersion": KAFKA_BINDING}}
    ops: dict[str, dict[str, Any]] = {}
    for topic in service.consumes:
        undo = " A compensation: retried until it succeeds." \
            if topic in service.compensations else ""
        ops[f"{service.name}.receive.{topic}"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{topic}"},
            "summary": f"{service.name} reads {topic} in group {service.consumer_group}.{undo}",
            "messages": [_ref(topic, declared(topic).event.__name__)], "bindings": group}
    for topic in service.produces:
        ops[f"{service.name}.send.{topic}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{topic}"},
            "summary": f"{service.name} writes {topic} (through its outbox).",
            "messages": [_ref(topic, declared(topic).event.__name__)]}
    dead = service.dead_letter_topic
    ops[f"{service.name}.send.{dead}"] = {
        "action": "send", "channel": {"$ref": f"#/channels/{dead}"},
        "summary": f"{service.name}'s consumer keeps there what it gives up on.",
        "messages": [_ref(dead, DEAD_LETTER)]}
    return ops
