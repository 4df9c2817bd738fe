"""JSON Schemas of what travels on a saga's topics: an event's value (from its pydantic
model), the headers an envelope carries, and the extra headers of a dead letter.

Each schema is self-contained (pydantic's `$defs` inlined): AsyncAPI's Schema Object is a
superset of JSON Schema draft 07, which has no `$defs`, and a committed schema file is read
on its own.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from sagaline.core.messaging import deadletter as dlq
from sagaline.core.messaging import envelope as env

Schema = dict[str, Any]

TRACEPARENT = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"  # W3C trace context


def event_schema(model: type[BaseModel]) -> Schema:
    """What a consumer accepts as this event's value: the model's validation schema, by
    alias (the wire's camelCase), with required fields, formats and bounds."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    definitions = schema.pop("$defs", {})
    inlined: Schema = _inline(schema, definitions, ())
    return inlined


def _inline(node: Any, definitions: dict[str, Any], seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, definitions, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        if name in seen:
            raise ValueError(f"{name} refers to itself: a recursive event cannot be inlined")
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {**_inline(copy.deepcopy(definitions[name]), definitions, (*seen, name)), **rest}
    return {k: _inline(v, definitions, seen) for k, v in node.items()}


def _text(description: str, **keywords: Any) -> Schema:
    return {"type": "string", "description": description, **keywords}


def envelope_headers(topic: str, major: int) -> Schema:
    """The headers our producers write on every event (core.messaging.envelope). None is
    required: a message without them (as the seed's KafkaJS services send) is read too, its
    id derived from its content and its saga from its value."""
    return {
        "type": "object",
        "properties": {
            env.H_EVENT_ID: _text("the event's id (consumers deduplicate by it)",
                                  format="uuid"),
            env.H_EVENT_TYPE: _text("the topic the event was written for", const=topic),
            env.H_SCHEMA_VERSION: _text(
                "MAJOR[.MINOR] of the value's schema; a reader reads every minor of its major",
                pattern=rf"^{major}(\.[0-9]+)?$"),
            env.H_OCCURRED_AT: _text("when the event happened (ISO 8601)", format="date-time"),
            env.H_CORRELATION_ID: _text("the saga the event belongs to (its key)"),
            env.H_CAUSATION_ID: _text("the id of the event that caused this one; absent on a "
                                      "saga's first event", format="uuid"),
            env.H_TRACEPARENT: _text("W3C trace context of the producing span",
                                     pattern=TRACEPARENT),
        },
    }


def dead_letter_headers() -> Schema:
    """The headers a dead letter adds to the original message's (core.messaging.deadletter);
    its key and value are the original's."""
    number = r"^[0-9]+$"
    return {
        "type": "object",
        "required": [dlq.H_ERROR, dlq.H_ERROR_TYPE, dlq.H_SOURCE_TOPIC, dlq.H_SOURCE_PARTITION,
                     dlq.H_SOURCE_OFFSET, dlq.H_CONSUMER, dlq.H_FAILED_AT],
        "properties": {
            dlq.H_ERROR: _text("why the consumer gave up (the exception, at most 4000 chars)"),
            dlq.H_ERROR_TYPE: _text("the exception's class name"),
            dlq.H_SOURCE_TOPIC: _text("the topic the message was read from"),
            dlq.H_SOURCE_PARTITION: _text("its partition", pattern=number),
            dlq.H_SOURCE_OFFSET: _text("its offset", pattern=number),
            dlq.H_CONSUMER: _text("the consumer group that gave up"),
            dlq.H_FAILED_AT: _text("when, in seconds since the epoch",
                                   pattern=r"^[0-9]+(\.[0-9]+)?$"),
            dlq.H_ORIGINAL_KEY_NULL: _text("1 when the original message had no key",
                                           const="1"),
            dlq.H_TRUNCATED: _text("the original value's size in bytes when the letter was "
                                   "stored cut (its value a prefix)", pattern=number),
            dlq.H_CUT_HEADERS: _text("original headers shortened or left out, "
                                     "comma-separated"),
        },
        "additionalProperties": {"type": "string",
                                 "description": "the original message's headers"},
    }
