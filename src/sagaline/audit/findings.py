"""What an audit found: violations, warnings, stuck sagas and counts, as text or JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Value = str | int | float | bool | None


def plain(value: Any) -> Value:
    """A JSON-safe scalar: Decimals become strings (exact), other scalars stay."""
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@dataclass(frozen=True)
class Finding:
    """One broken invariant (or warning): `kind` is a stable code, `subject` says what it is
    about ("order <id>", "account <user>", "sku <sku>", ...), `data` carries the numbers;
    `saga_id` the one saga it is about, when it is about one (the dashboard links to it)."""

    kind: str
    subject: str
    message: str
    data: Mapping[str, Value] = field(default_factory=dict)
    saga_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "message": self.message,
                "data": dict(self.data), "saga_id": self.saga_id}

    def line(self) -> str:
        return f"{self.kind:<26} {self.subject}: {self.message}"


@dataclass
class Report:
    """`ok` holds only when there is no violation and no stuck saga. `sagas` is what the
    owner calls its records ("orders": the counts `orders` and `orders_total`), `books`
    each step's count of book rows and its label in the summary line."""

    violations: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    stuck: list[Finding] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    waited_s: float = 0.0
    sagas: str = "sagas"
    books: tuple[tuple[str, str], ...] = ()  # (count, label)

    @property
    def ok(self) -> bool:
        return not self.violations and not self.stuck

    @property
    def idle(self) -> bool:
        """`ok`, and no saga in flight either: the saga has come to rest."""
        return self.ok and not self.counts.get("in_flight", 0)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "violations": [f.as_json() for f in self.violations],
            "warnings": [f.as_json() for f in self.warnings],
            "stuck": [f.as_json() for f in self.stuck],
            "counts": self.counts,
        }

    def summary(self) -> str:
        c = self.counts
        by_status = ", ".join(f"{k} {v}" for k, v in sorted(c.get(self.sagas, {}).items()))
        books = "".join(f" {label} {c.get(count, 0)}," for count, label in self.books)
        return (f"{'OK' if self.ok else 'FAILED'}: {c.get(f'{self.sagas}_total', 0)}"
                f" {self.sagas} ({by_status or 'none'}), in flight {c.get('in_flight', 0)},"
                f" stuck {len(self.stuck)},{books} dead letters {c.get('dead_letters', 0)},"
                f" violations {len(self.violations)}, warnings {len(self.warnings)}")

    def text(self, limit: int = 50) -> str:
        """The summary line, then each section (at most `limit` lines per section)."""
        lines = [self.summary()]
        for title, findings in (("violations", self.violations), ("stuck", self.stuck),
                                ("warnings", self.warnings)):
            if findings:
                lines.append(f"{title} ({len(findings)}):")
                lines += [f"  {f.line()}" for f in findings[:limit]]
                if len(findings) > limit:
                    lines.append(f"  ... and {len(findings) - limit} more")
        return "\n".join(lines)
