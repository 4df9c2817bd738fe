"""What a step adds to the auditor, from its own folder (`Service(audit=...)`).

The owner's audit (`OwnerAudit`) reads the saga's records, one per saga with its status. Every
other step may declare a `StepAudit`: how to read its own record of each saga and its books
from its database, and what its record must be once the saga has ended: successfully (the
status machine's first final status) or not (any other final status, once the compensations
had time to settle). Both read in the read-only snapshot the auditor opens on the step's
database; the auditor never names a step, it iterates the saga.

The streaming audit (`audit.stream`) reads sagas and records in saga-key order instead,
when the audit can (`OwnerStream`, `StepStream`: rows from `read_db.stream`, ordered by
`read_db.by_key`); else it sorts what `sagas` or `records` return, which holds that step's
rows in memory. `books` may be a stream too: the auditor judges it a batch at a time.

The incremental audit (`audit.follow`) needs two more: the owner's sagas that may have
changed since a moment (`OwnerIncremental`), and each step's records of given sagas
(`StepIncremental`), both read through indexes, so a pass costs what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

import psycopg

from sagaline.audit.findings import Finding, Value

S_contra = TypeVar("S_contra", contravariant=True)  # the owner's record, as a step reads it
R = TypeVar("R")  # one of the step's records


class SagaRecord(Protocol):
    """The owner's record of one saga (an order). Ages are seconds by the database's clock."""

    @property
    def saga_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def age_s(self) -> float: ...  # since it was created
    @property
    def finished_age_s(self) -> float | None: ...  # since it became final; None before

    def identity(self) -> dict[str, Value]:
        """Whose saga it is (e.g. the user): in every finding about it."""
        ...

    def facts(self) -> dict[str, Value]:
        """What the steps compare their records with (e.g. the total): in their findings."""
        ...


class StepRecord(Protocol):
    """A step's record of one saga (a payment, a reservation)."""

    @property
    def saga_id(self) -> str: ...
    @property
    def status(self) -> str: ...

    def describe(self) -> str:
        """For a person, e.g. "CHARGED 12.50 for user u1"."""
        ...

    def facts(self) -> dict[str, Value]:
        """Its fields, for a finding about it (its status among them)."""
        ...


@dataclass(frozen=True)
class Breach:
    """A step's record is not what the saga's end demands. The finding's kind is the saga's
    status, then `kind` ("not-charged" -> "confirmed-not-charged"); `data` is added to the
    saga's own."""

    kind: str
    message: str
    data: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Names:
    """How the report names a step's things: `record` one record ("payment": its orphans'
    kind and subject, its status in a stuck saga's line), `records` the count of records in
    scope ("payments"), `books` the count of book rows ("accounts") and `books_label` that
    count in the summary line (default: `books`)."""

    record: str
    records: str
    books: str
    books_label: str = ""

    @property
    def label(self) -> str:
        return self.books_label or self.books


@runtime_checkable
class OwnerAudit(Protocol):
    """The owner's part: its records. `noun` names one in findings ("order <id>"), `plural`
    in the counts and the summary line ("orders")."""

    noun: str
    plural: str

    def sagas(self, conn: psycopg.Connection, since: datetime | None) -> Sequence[Any]:
        """The records (SagaRecord) of sagas started at or after `since` (all when None)."""
        ...

    def existing(self, conn: psycopg.Connection, saga_ids: set[str]) -> set[str]:
        """Which of `saga_ids` have a record, whenever they started."""
        ...


@runtime_checkable
class StepAudit(Protocol[S_contra, R]):
    """A step's part: its records (one per saga), its books and its invariants."""

    names: Names

    def records(self, conn: psycopg.Connection, since: datetime | None) -> Sequence[R]:
        """Its records of sagas that may have started at or after `since` (all when None);
        a few of older sagas may come along: the auditor keeps those in scope."""
        ...

    def books(self, conn: psycopg.Connection) -> Iterable[Any]:
        """Its books (e.g. balances), always whole."""
        ...

    def when_succeeded(self, saga: S_contra, record: R | None) -> list[Breach]:
        """What is wrong with its record (None: it has none) of a saga that succeeded."""
        ...

    def when_cancelled(self, saga: S_contra, record: R | None) -> list[Breach]:
        """What is wrong with its record of a saga that ended without success and had time
        to settle: what it did must be undone (a compensation did not happen)."""
        ...

    def book_problems(self, books: Sequence[Any]) -> list[Finding]:
        """Its books' own invariants (conservation)."""
        ...


AnyStepAudit = StepAudit[Any, Any]


@runtime_checkable
class OwnerStream(Protocol):
    def sagas_by_key(self, conn: psycopg.Connection, since: datetime | None
                     ) -> Iterator[Any]:
        """What `sagas` returns, streamed in ascending saga id (bytewise)."""
        ...


@runtime_checkable
class StepStream(Protocol):
    def records_by_key(self, conn: psycopg.Connection, since: datetime | None
                       ) -> Iterator[Any]:
        """What `records` returns, streamed in ascending saga id (bytewise)."""
        ...


@runtime_checkable
class OwnerIncremental(Protocol):
    def sagas_changed(self, conn: psycopg.Connection, not_final: Sequence[str],
                      finished_since: datetime) -> Iterator[Any]:
        """The sagas whose status is one of `not_final`, or that became final at or after
        `finished_since` (a final saga's status never changes again)."""
        ...


@runtime_checkable
class StepIncremental(Protocol):
    def records_of(self, conn: psycopg.Connection, saga_ids: Sequence[str]) -> list[Any]:
        """Its records of these sagas (by its index on the saga id)."""
        ...
