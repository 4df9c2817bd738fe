"""The auditor on a saga declared here: the seed's steps plus a fourth, `receipt`, whose own
audit (declared with it) is checked with the others. Nothing here lists the services: the
auditor and the tests iterate the saga."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from sagaline.audit import auditor, read_db, sources
from sagaline.audit.evaluate import AuditOptions, evaluate
from sagaline.audit.findings import Finding, Value
from sagaline.audit.rows import OutboxState, Snapshot, StepRows
from sagaline.audit.sources import Audits
from sagaline.audit.step import Breach, Names, StepAudit
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.saga import Saga, Service, Topic
from sagaline.seed_saga import topics
from sagaline.seed_saga.inventory.audit import ReservationRow, StockBook
from sagaline.seed_saga.order.audit import OrderRow
from sagaline.seed_saga.payment.audit import AccountBook, PaymentRow
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import SystemSettings, env_prefix

pytestmark = pytest.mark.unit


class ReceiptSent(BaseModel):
    orderId: str


RECEIPT_SENT = Topic("test-audit.receipt.sent", ReceiptSent)


@dataclass(frozen=True)
class Receipt:
    order_id: str
    status: str  # SENT, or WITHDRAWN (its compensation)

    @property
    def saga_id(self) -> str:
        return self.order_id

    def describe(self) -> str:
        return self.status

    def facts(self) -> dict[str, Value]:
        return {"status": self.status}


class ReceiptAudit:
    """A receipt is SENT for a confirmed order, WITHDRAWN (or never sent) for a cancelled one;
    no mailbox may hold more than 3 receipts. Reads from a dict standing for its database."""

    names = Names(record="receipt", records="receipts", books="mailboxes",
                  books_label="mailboxes")

    def records(self, conn: Any, since: datetime | None) -> list[Receipt]:
        return list(conn["receipts"])

    def books(self, conn: Any) -> list[tuple[str, int]]:
        return list(conn["mailboxes"])

    def when_succeeded(self, order: OrderRow, receipt: Receipt | None) -> list[Breach]:
        if receipt is not None and receipt.status == "SENT":
            return []
        return [Breach("not-sent", f"receipt {receipt.status if receipt else 'absent'}",
                       {"receipt": receipt.status if receipt else None})]

    def when_cancelled(self, order: OrderRow, receipt: Receipt | None) -> list[Breach]:
        if receipt is None or receipt.status == "WITHDRAWN":
            return []
        return [Breach("but-sent", "compensation not done (withdraw)",
                       {"receipt": receipt.status, "compensation": "withdraw"})]

    def book_problems(self, books: Sequence[tuple[str, int]]) -> list[Finding]:
        return [Finding("mailbox-full", f"mailbox {user}", f"{held} receipts")
                for user, held in books if held > 3]


def send_receipt(event: Envelope, uow: Any) -> None:
    """Never called here: the auditor reads the declaration, not the handlers."""


RECEIPT_AUDIT: StepAudit[OrderRow, Receipt] = ReceiptAudit()
RECEIPT = Service[Any](
    name="receipt", package=__name__, consumer_group="receipt-group",
    consumes={topics.INVENTORY_RESERVED: send_receipt}, produces=(RECEIPT_SENT,),
    settings=BaseModel, parts=lambda *_, **__: None, audit=RECEIPT_AUDIT)
WITH_RECEIPT = Saga(name="with-receipt", services=(*SAGA.services, RECEIPT),
                    statuses=SAGA.statuses, owner=SAGA.owner)
FOURTH = WITH_RECEIPT.services[3].name
ITEMS = [{"sku": "A", "quantity": 1}]


def healthy_seed_rows(order_id: str, status: str) -> dict[str, StepRows]:
    """The seed steps' records of an order as its status needs them, read through each
    step's own audit types (found by the records they name)."""
    charged = status == SAGA.statuses.final[0]
    rows = {"payment": PaymentRow(order_id, "u1", Decimal(5),
                                  "CHARGED" if charged else "REFUNDED"),
            "reservation": ReservationRow(order_id, "RESERVED" if charged else "RELEASED",
                                          ITEMS)}
    spent = Decimal(5 * charged)
    books: dict[str, list[Any]] = {
        "accounts": [AccountBook("u1", Decimal(100) - spent, Decimal(100), spent)],
        "skus": [StockBook("A", 10, 10 - charged, int(charged))]}
    seed = Audits.of(SAGA).steps
    return {name: StepRows([rows[a.names.record]], books[a.names.books])
            for name, a in seed.items()}


def snapshot(status: str, receipt: str | None, finished_age_s: float | None = 60.0,
             age_s: float = 100.0) -> Snapshot:
    final = status in SAGA.statuses.final
    steps = healthy_seed_rows("o1", status)
    steps[FOURTH] = StepRows([Receipt("o1", receipt)] if receipt else [], [("u1", 1)])
    return Snapshot(sagas=[OrderRow("o1", "u1", Decimal(5), status, ITEMS, age_s,
                                    finished_age_s if final else None)],
                    steps=steps, known_saga_ids={"o1"})


def test_the_saga_has_a_fourth_step_with_its_own_audit() -> None:
    audits = Audits.of(WITH_RECEIPT)
    assert list(audits.steps) == [s.name for s in WITH_RECEIPT.services
                                  if s.name != WITH_RECEIPT.owner]
    assert audits.steps[FOURTH] is RECEIPT_AUDIT


def test_the_fourth_steps_audit_passes_a_saga_that_holds() -> None:
    report = evaluate(WITH_RECEIPT, snapshot("CONFIRMED", "SENT"), AuditOptions())
    assert report.ok, report.text()
    assert (report.counts["receipts"], report.counts["mailboxes"]) == (1, 1)
    assert "SKUs 1, mailboxes 1, dead letters 0" in report.summary()


def test_the_fourth_steps_audit_flags_a_successful_saga_it_did_not_finish() -> None:
    report = evaluate(WITH_RECEIPT, snapshot("CONFIRMED", None), AuditOptions())
    [violation] = report.violations
    assert (violation.kind, violation.subject) == ("confirmed-not-sent", "order o1")
    assert violation.message == "receipt absent"
    assert dict(violation.data) == {"order_id": "o1", "user_id": "u1", "status": "CONFIRMED",
                                    "total_amount": "5", "receipt": None}


def test_the_fourth_steps_compensation_is_checked_once_the_saga_settled() -> None:
    cancelled = SAGA.statuses.cancelled
    settling = evaluate(WITH_RECEIPT, snapshot(cancelled, "SENT", finished_age_s=1.0),
                        AuditOptions(grace_s=30))
    assert settling.violations == [] and settling.counts["in_flight"] == 1
    settled = evaluate(WITH_RECEIPT, snapshot(cancelled, "SENT"), AuditOptions(grace_s=30))
    assert [v.kind for v in settled.violations] == [f"{cancelled.lower()}-but-sent"]
    withdrawn = evaluate(WITH_RECEIPT, snapshot(cancelled, "WITHDRAWN"), AuditOptions())
    assert withdrawn.ok, withdrawn.text()


def test_the_fourth_steps_books_and_orphans_are_its_own() -> None:
    snap = snapshot("CONFIRMED", "SENT")
    snap.steps[FOURTH].books = [("u1", 4)]
    snap.steps[FOURTH].records.append(Receipt("ghost", "SENT"))
    report = evaluate(WITH_RECEIPT, snap, AuditOptions())
    assert [(v.kind, v.subject) for v in report.violations] == [("mailbox-full", "mailbox u1")]
    assert [(w.kind, w.subject, w.message) for w in report.warnings] == [
        ("orphan-receipt", "receipt ghost", "SENT, no such order")]


def test_a_stuck_saga_names_every_steps_record_in_the_sagas_order() -> None:
    status = SAGA.statuses.not_final[-1]
    [stuck] = evaluate(WITH_RECEIPT, snapshot(status, None), AuditOptions()).stuck
    records = [a.names.record for a in Audits.of(WITH_RECEIPT).steps.values()]
    assert [part.split()[0] for part in stuck.message.split("; ")[1].split(", ")] == records
    assert stuck.message.endswith("receipt absent")
    assert stuck.data["last_outcome"] == SAGA.statuses.last_outcome(status)


class Reads:
    """A test double for any step's audit: hands back what its database holds."""

    def __init__(self, names: Names) -> None:
        self.names = names

    def records(self, conn: Any, since: datetime | None) -> list[Any]:
        return list(conn["records"])

    def books(self, conn: Any) -> list[Any]:
        return []

    def when_succeeded(self, saga: Any, record: Any) -> list[Breach]:
        return []

    def when_cancelled(self, saga: Any, record: Any) -> list[Breach]:
        return []

    def book_problems(self, books: Sequence[Any]) -> list[Finding]:
        return []


class ReadsOwner:
    noun, plural = "order", "orders"

    def sagas(self, conn: Any, since: datetime | None) -> list[Any]:
        return list(conn["sagas"])

    def existing(self, conn: Any, saga_ids: set[str]) -> set[str]:
        return {i for i in saga_ids if i in conn["older"]}


def doubled(saga: Saga) -> Saga:
    """`saga` with every service's audit replaced by a double."""
    services = tuple(replace(s, audit=ReadsOwner() if s.name == saga.owner
                             else Reads(Names(s.name, f"{s.name}s", f"{s.name}-books")))
                     for s in saga.services)
    return replace(saga, services=services)


@pytest.fixture
def databases(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Each service's database holds a record of `o1` and of `old` (a saga started before
    `since`); the owner's holds `o1` and knows `old`. Yields the snapshots opened."""
    opened: list[tuple[str, str]] = []
    for name in WITH_RECEIPT.names:
        monkeypatch.setenv(f"{env_prefix(name)}_DB_DSN", f"postgresql:///{name}")

    @contextmanager
    def snapshot(service: str, dsn: str) -> Iterator[dict[str, Any]]:
        opened.append((service, dsn))
        yield {"sagas": [OrderRow("o1", "u1", Decimal(5), "PENDING", [], 1.0)],
               "older": {"old"},
               "records": [Receipt("o1", "SENT"), Receipt("old", "SENT")]}

    monkeypatch.setattr(read_db, "snapshot", snapshot)
    monkeypatch.setattr(read_db, "outbox", lambda _c, service, *_: OutboxState(service, 0,
                                                                               None, 0))
    yield opened


def test_the_loader_reads_one_snapshot_per_declared_service_owner_first(
        databases: list[tuple[str, str]]) -> None:
    saga = doubled(WITH_RECEIPT)
    snap = Snapshot()
    auditor.load_databases(saga, auditor.dsns_of(saga, SystemSettings()), AuditOptions(), snap)
    steps = [n for n in saga.names if n != saga.owner]
    assert databases[:len(saga.names)] == [
        (name, f"postgresql:///{name}") for name in (saga.owner, *steps)]
    assert databases[len(saga.names):] == [(saga.owner, f"postgresql:///{saga.owner}")]
    assert [o.service for o in snap.outboxes] == list(saga.names)
    assert list(snap.steps) == steps
    assert snap.known_saga_ids == {"o1", "old"}
    assert [s.saga_id for s in snap.sagas] == ["o1"]


def test_a_services_dsn_comes_by_its_name_else_the_local_stacks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    variable = f"{env_prefix(FOURTH)}_DB_DSN"
    monkeypatch.delenv(variable, raising=False)
    port = WITH_RECEIPT.db_port(FOURTH)
    assert sources.dsn(SystemSettings(), FOURTH, WITH_RECEIPT) == (
        f"postgresql://{FOURTH}_user:{FOURTH}_pass@127.0.0.1:{port}/{FOURTH}_db")
    monkeypatch.setenv(variable, "postgresql:///fourth")
    assert sources.dsn(SystemSettings(), FOURTH, WITH_RECEIPT) == "postgresql:///fourth"
    with pytest.raises(read_db.SourceUnavailable, match="nowhere database"):
        sources.dsn(SystemSettings(), "nowhere", WITH_RECEIPT)


def test_an_owner_without_an_audit_is_refused() -> None:
    owner = WITH_RECEIPT.service(WITH_RECEIPT.owner)
    bare = replace(WITH_RECEIPT, services=tuple(replace(s, audit=None) if s is owner else s
                                                for s in WITH_RECEIPT.services))
    with pytest.raises(ValueError, match="declares no OwnerAudit"):
        Audits.of(bare)
