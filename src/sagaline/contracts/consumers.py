"""Consumer contracts: what a consumer of our topics reads (a JSON Schema per topic, in a
file such as contracts/consumers/seed-kafkajs.json), checked against what we produce: the
message-pact idea without a broker of pacts. `unmet` compares schemas; a test also validates
produced samples against the consumer's schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagaline.contracts import compat, schemas
from sagaline.core.saga import Saga, declared

Schema = dict[str, Any]


def load(path: Path) -> dict[str, Schema]:
    """Topic -> the schema of what the consumer reads from it."""
    topics: dict[str, Schema] = json.loads(path.read_text())["topics"]
    return topics


def unmet(saga: Saga, expected: dict[str, Schema]) -> list[str]:
    """How the saga's events fall short of what a consumer reads, one line each: a topic no
    service produces, a field it needs that an event may leave out, or one whose type may be
    one it does not read."""
    problems: list[str] = []
    for topic, wants in expected.items():
        if saga.producer_of(topic) is None or topic in saga.dead_letter_topics:
            problems.append(f"{topic}: no service of {saga.name} produces it")
            continue
        ours = schemas.event_schema(declared(topic).event)
        problems += [f"{topic}: {line}" for line in _fields(wants, ours)]
    return problems


def _fields(wants: Schema, ours: Schema) -> list[str]:
    problems = []
    for name in wants.get("required", ()):
        field = ours.get("properties", {}).get(name, {})
        # A field with a default is always written: a payload is its model dumped whole.
        if name not in ours.get("required", ()) and "default" not in field:
            problems.append(f"{name} is read, but an event may leave it out")
            continue
        read = compat.accepted_types(wants["properties"].get(name, {}))
        written = compat.accepted_types(field)
        if not compat.accepts(read, written):
            problems.append(f"{name} is read as {sorted(read)}; we may write "
                            f"{sorted(written)}")
    return problems
