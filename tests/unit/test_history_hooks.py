"""The history loader's hooks (`sagaline bench history`): a saga with a step that has none
is refused before anything is written; the seed's hooks make the demo's mix of outcomes and
books the auditor's conservation checks accept."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
import pytest

from sagaline.bench.history_step import NoHistory, OwnerHistory, Plan, hooks_of
from sagaline.seed_saga.inventory.audit import StockBook, stock_problems
from sagaline.seed_saga.payment.audit import AccountBook, money_problems
from sagaline.seed_saga.saga import SAGA
from tests.unit.tiny_saga import TINY

pytestmark = pytest.mark.unit
END = datetime(2025, 1, 1, tzinfo=UTC)
PLAN = Plan(2_000, "t", END - timedelta(days=1), END, seed=7)


def test_a_saga_with_a_step_without_history_is_refused_by_name() -> None:
    with pytest.raises(NoHistory, match="step 'desk' has no history hook"):
        hooks_of(TINY, PLAN)


def written() -> dict[str, list[tuple[object, ...]]]:
    hooks = hooks_of(SAGA, PLAN)
    owner = hooks[SAGA.owner]
    assert isinstance(owner, OwnerHistory)
    tables: dict[str, list[tuple[object, ...]]] = {}
    for done in owner.sagas():
        for hook in hooks.values():
            for table, row in hook.rows(done):
                tables.setdefault(table, []).append(row)
    for hook in hooks.values():
        for table, row in hook.book_rows():
            tables.setdefault(table, []).append(row)
    return tables


def test_the_seed_history_has_the_demo_mix_and_balanced_books() -> None:
    tables = written()
    outcomes = Counter((row[3], row[4]) for row in tables["orders"])
    assert outcomes == {("CONFIRMED", None): 1120, ("CANCELLED", "INSUFFICIENT_FUNDS"): 400,
                        ("CANCELLED", "OUT_OF_STOCK"): 400, ("CANCELLED", "TIMEOUT"): 80}
    charged: Counter[str] = Counter()
    for _, user, amount, status, *_ in tables["payments"]:
        charged[str(user)] += int(str(amount)) if status == "CHARGED" else 0
    accounts = [AccountBook(str(u), Decimal(str(b)), Decimal(str(c)), Decimal(charged[str(u)]))
                for u, b, c in tables["accounts"]]
    assert accounts and money_problems(accounts) == []
    held: Counter[str] = Counter()
    for _, status, _, items, _ in tables["reservations"]:
        if status == "RESERVED":
            for line in orjson.loads(str(items)):
                held[line["sku"]] += line["quantity"]
    stock = [StockBook(str(s), int(str(i)), int(str(o)), held[str(s)])
             for s, i, o in tables["stock"]]
    assert stock and stock_problems(stock) == []
    assert sum(held.values()) > 0


def test_two_loads_with_the_same_seed_have_distinct_saga_ids() -> None:
    """A second load (another tag) must not reuse the first's ids: COPY would hit their
    primary keys and the whole load would roll back."""
    def ids(tag: str) -> set[str]:
        owner = hooks_of(SAGA, Plan(100, tag, PLAN.start, PLAN.end, seed=0))[SAGA.owner]
        assert isinstance(owner, OwnerHistory)
        return {done.saga_id for done in owner.sagas()}
    assert not ids("a") & ids("b")


def test_bench_keeps_its_options_beside_the_history_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from sagaline.bench import cli as bench_cli
    from sagaline.cli import app

    called: list[tuple[bool, str]] = []

    def main(quick: bool, steps: str, *_: object, **__: object) -> int:
        called.append((quick, steps))
        return 0

    monkeypatch.setattr(bench_cli, "main", main)
    assert CliRunner().invoke(app, ["bench", "--quick", "--steps", "50"]).exit_code == 0
    assert called == [(True, "50")]
    refused = CliRunner().invoke(app, ["bench", "history", "0"])
    assert refused.exit_code == 2 and called == [(True, "50")]
