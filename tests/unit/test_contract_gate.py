"""The compatibility gate: each event's schema at its current major is committed under
contracts/, and a change to an event model that would break a reader of the committed schema
fails unless the major goes up; an additive change passes (docs/contracts.md)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import Field

from sagaline.contracts import compat, frozen
from sagaline.contracts.__main__ import main
from sagaline.contracts.schemas import event_schema
from sagaline.core.saga import declared
from sagaline.seed_saga.events import Event, Money, Reason, Text
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit

CONTRACTS = Path(__file__).parents[2] / "contracts"


def test_every_event_matches_its_committed_schema() -> None:
    assert frozen.check(SAGA, CONTRACTS) == []
    for topic in SAGA.event_topics:
        assert (CONTRACTS / frozen.file_name(topic, declared(topic).major)).exists()


# A copy of payment.failed's model (events.PaymentFailed), and changes to it.
class Failed(Event):
    orderId: Text
    amount: Money
    reason: Reason = "PAYMENT_FAILED"
    kind: Literal["CARD", "FUNDS"] = "CARD"


class WithAnOptionalField(Failed):
    retryAt: str | None = None


class Renamed(Event):
    orderId: Text
    total: Money  # was `amount`
    reason: Reason = "PAYMENT_FAILED"
    kind: Literal["CARD", "FUNDS"] = "CARD"


class Narrowed(Failed):
    amount: Annotated[int, Field(gt=0)]  # type: ignore[assignment]  # no longer any number


class OneKindLess(Failed):
    kind: Literal["CARD"] = "CARD"


class MadeRequired(Failed):
    reason: Reason  # no default


class ShorterOrderId(Failed):
    orderId: Annotated[str, Field(min_length=1, max_length=36)]


class OptionalAmount(Failed):
    amount: Money | None = None  # type: ignore[assignment]


@pytest.mark.parametrize(("changed", "why"), [
    (Renamed, "amount: required field removed (or renamed)"),
    (Renamed, "total: a new required field"),
    (Narrowed, "amount: type narrowed, number no longer accepted"),
    (OneKindLess, "kind: enum value 'FUNDS' removed"),
    (MadeRequired, "reason: made required"),
    (ShorterOrderId, "orderId: maxLength narrowed to 36"),
    (OptionalAmount, "amount: required field made optional"),
])
def test_a_breaking_change_to_a_copy_of_a_model_fails_the_gate(
        changed: type[Event], why: str) -> None:
    assert why in compat.breaking(event_schema(Failed), event_schema(changed))


def test_an_additive_change_passes_the_gate() -> None:
    assert compat.breaking(event_schema(Failed), event_schema(WithAnOptionalField)) == []
    assert compat.breaking(event_schema(WithAnOptionalField), event_schema(Failed)) == []
    assert Failed.model_validate({"orderId": "o", "amount": Decimal(1)})  # the copy is sound


def test_freeze_refuses_a_breaking_change_and_the_check_names_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the command, on a copy of the committed files: payment.failed's committed
    schema is made looser than the model, so the model now breaks it."""
    for path in CONTRACTS.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    name = frozen.file_name("payment.failed", 1)
    loose = json.loads((tmp_path / name).read_text())
    loose["properties"]["orderId"]["maxLength"] = 1000
    (tmp_path / name).write_text(json.dumps(loose))
    assert main(["check", "--dir", str(tmp_path)]) == 1
    assert frozen.check(SAGA, tmp_path) == [
        "payment.failed v1: orderId: maxLength narrowed to 200: a breaking change needs major 2"]
    assert main(["freeze", "--dir", str(tmp_path)]) == 1
    assert json.loads((tmp_path / name).read_text()) == loose  # left as it was


def test_a_compatible_change_must_be_frozen_and_freeze_writes_it(tmp_path: Path) -> None:
    for path in CONTRACTS.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    name = frozen.file_name("order.created", 1)
    stricter = json.loads((tmp_path / name).read_text())
    stricter["properties"]["userId"]["maxLength"] = 100  # the model now widens it: compatible
    (tmp_path / name).write_text(json.dumps(stricter))
    assert frozen.check(SAGA, tmp_path) == [f"{name}: out of date (a compatible change); "
                                            "run freeze"]
    assert frozen.freeze(SAGA, tmp_path) == [tmp_path / name]
    assert frozen.check(SAGA, tmp_path) == []
    (tmp_path / name).unlink()
    assert frozen.check(SAGA, tmp_path) == [f"{name}: not committed; run freeze"]
