"""An operator handles a group of dead letters from the CLI (issue 25): `dlq groups` finds
them by cause, a dry run changes nothing, a replay of the group has one effect however often
it is repeated (the inbox skips a handled event id; tests/integration/saga/test_saga.py shows
the inbox alone), a discard hides them, and `sagaline log` shows every action."""

from __future__ import annotations

import csv
import io
import random
import string
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from typer.testing import CliRunner

from sagaline.cli import app
from sagaline.seed_saga import topics
from sagaline.seed_saga.saga import SAGA
from tests.integration.saga.conftest import Saga, new_user, wait_for
from tests.integration.saga.redelivery import caught_up

CREDIT = 10_000
CHARGER = SAGA.service(SAGA.consumers_of(topics.ORDER_CREATED)[0])


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _dead_order_created(saga: Saga, user: str, cause: str) -> str:
    """A valid order.created as if its consumer had dead-lettered it for `cause`."""
    order_id = str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    value = orjson.dumps({"orderId": order_id, "userId": user, "totalAmount": 30,
                          "createdAt": now})
    headers = {"event-id": str(uuid.uuid4()), "occurred-at": now, "correlation-id": order_id,
               "dlq-source-topic": topics.ORDER_CREATED, "dlq-error-type": "RuntimeError",
               "dlq-error": f"bug in rule {cause} for {order_id}",
               "dlq-consumer": CHARGER.consumer_group}
    saga.produce(CHARGER.dead_letter_topic, value, order_id.encode(), headers)
    return order_id


def group_of(cause: str) -> dict[str, Any] | None:
    found = [g for g in orjson.loads(cli("dlq", "groups", CHARGER.name, "--json"))
             if cause in g["error"]]
    return found[0] if found and found[0]["count"] == 3 else None


def test_a_group_of_dead_letters_replayed_twice_has_one_effect(saga: Saga) -> None:
    cause = "".join(random.choices(string.ascii_lowercase, k=12))  # no digits: not masked
    users = [new_user() for _ in range(3)]
    orders = [_dead_order_created(saga, user, cause) for user in users]
    group = wait_for(lambda: group_of(cause), 15, "the group of three")
    assert sorted(group["sagas"]) == sorted(orders) and group["handled"] == 0

    plan = cli("dlq", "replay", CHARGER.name, "--group", group["group"], "--dry-run")
    assert "would replay 3 letters (3 to order.created)" in plan
    assert all(saga.balance(u) is None for u in users)  # the dry run sent nothing

    for attempt in ("first", "again"):
        cli("dlq", "replay", CHARGER.name, "--group", group["group"], "--reason", attempt,
            "--operator", "ann")
        caught_up(saga.stack.settings, CHARGER.consumer_group, topics.ORDER_CREATED, 30)
        assert [saga.balance(u) for u in users] == [CREDIT - 30] * 3  # charged once
    assert wait_for(lambda: (g := group_of(cause)) and g["handled"] == 3, 10, "handled")

    cli("dlq", "discard", CHARGER.name, "--group", group["group"], "--reason", "done with",
        "--operator", "bob")
    assert group_of(cause) is None  # discarded letters are left out ...
    kept = orjson.loads(cli("dlq", "list", CHARGER.name, "--json", "--discarded"))
    assert sum(cause in row["headers"]["dlq-error"] for row in kept) == 3  # ... not deleted

    entries = orjson.loads(cli("log", "--id", orders[0], "--format", "json"))
    assert [(e["operator"], e["action"], e["reason"], e["result"]) for e in entries] == [
        ("bob", "dlq.discard", "done with", "discarded 3"),
        ("ann", "dlq.replay", "again", "replayed 3"),
        ("ann", "dlq.replay", "first", "replayed 3")]
    assert all(e["service"] == CHARGER.name and sorted(e["sagas"]) == sorted(orders)
               for e in entries)
    rows = list(csv.DictReader(io.StringIO(cli("log", "--id", orders[1], "--format", "csv"))))
    assert [r["action"] for r in rows] == ["dlq.discard", "dlq.replay", "dlq.replay"]


def test_a_discard_without_a_reason_is_refused() -> None:
    result = CliRunner().invoke(app, ["dlq", "discard", CHARGER.name, "--ref", "0:0"])
    assert result.exit_code == 2 and "needs --reason" in result.output
