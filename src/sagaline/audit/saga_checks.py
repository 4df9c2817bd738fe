"""Per-saga invariants: every saga ends, and its end agrees with each step's record.

Pure functions over rows and the saga's declaration: the status machine says which statuses
are final and which one is success, each step's audit says what its record must then be. A
saga that is not final is "in flight" while younger than the grace period and "stuck" after
it. One that ended without success may still be settling for `grace_s` after it finished (a
timeout ends the saga first; the steps undo their part afterwards), so its mismatches count
only once it finished longer ago than that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagaline.audit.findings import Finding, Value
from sagaline.audit.sources import Audits
from sagaline.audit.step import Breach, SagaRecord, StepRecord

Records = Mapping[str, Mapping[str, Any]]  # service -> saga id -> its StepRecord


@dataclass
class SagaVerdicts:
    violations: list[Finding] = field(default_factory=list)
    stuck: list[Finding] = field(default_factory=list)
    in_flight: int = 0


def check_sagas(audits: Audits, sagas: Iterable[SagaRecord], records: Records,
                grace_s: float) -> SagaVerdicts:
    verdicts = SagaVerdicts()
    for saga in sagas:
        held = {name: records.get(name, {}).get(saga.saga_id) for name in audits.steps}
        judge(audits, saga, held, grace_s, verdicts)
    return verdicts


def judge(audits: Audits, saga: SagaRecord, held: Mapping[str, StepRecord | None],
          grace_s: float, verdicts: SagaVerdicts) -> None:
    """Add one saga's verdict to `verdicts`, given each step's record of it (`held`, by
    service name: None when it has none)."""
    statuses = audits.saga.statuses
    if saga.status not in statuses.final:
        if saga.age_s < grace_s:
            verdicts.in_flight += 1
        else:
            verdicts.stuck.append(stuck(audits, saga, held))
    elif saga.status == statuses.final[0]:
        verdicts.violations += succeeded_problems(audits, saga, held)
    elif settled(saga, grace_s):
        verdicts.violations += cancelled_problems(audits, saga, held)
    elif cancelled_problems(audits, saga, held):
        verdicts.in_flight += 1  # compensation may still be under way


def settled(saga: SagaRecord, grace_s: float) -> bool:
    return saga.finished_age_s is None or saga.finished_age_s >= grace_s


def stuck(audits: Audits, saga: SagaRecord, held: Mapping[str, StepRecord | None]) -> Finding:
    """A saga not final after the grace period: what it last heard (from the status table)
    and the status of each step's record of it."""
    outcome = audits.saga.statuses.last_outcome(saga.status)
    steps = {audits.steps[name].names.record: record.status if record else None
             for name, record in held.items()}
    where = ", ".join(f"{noun} {status or 'absent'}" for noun, status in steps.items())
    return Finding(
        "stuck", f"{audits.owner.noun} {saga.saga_id}",
        f"{saga.status} for {saga.age_s:.0f} s (last outcome: {outcome})"
        + (f"; {where}" if where else ""),
        {audits.saga.key_name: saga.saga_id, **saga.identity(), "status": saga.status,
         "age_s": round(saga.age_s, 3), "last_outcome": outcome, **steps}, saga.saga_id)


def succeeded_problems(audits: Audits, saga: SagaRecord,
                       held: Mapping[str, StepRecord | None]) -> list[Finding]:
    """Each step's record as a successful saga needs it (e.g. one CHARGED payment of the
    total)."""
    return [_about(audits, saga, breach) for name, record in held.items()
            for breach in audits.steps[name].when_succeeded(saga, record)]


def cancelled_problems(audits: Audits, saga: SagaRecord,
                       held: Mapping[str, StepRecord | None]) -> list[Finding]:
    """Each step's record as an unsuccessful saga leaves it: nothing it did still holds; a
    finding says which compensation did not happen."""
    return [_about(audits, saga, breach) for name, record in held.items()
            for breach in audits.steps[name].when_cancelled(saga, record)]


def orphans(audits: Audits, records: Records, known_saga_ids: set[str]) -> list[Finding]:
    """Step records of sagas the owner has no record of (warnings)."""
    return [orphan(audits, name, record) for name, by_saga in records.items()
            for saga_id, record in by_saga.items() if saga_id not in known_saga_ids]


def orphan(audits: Audits, name: str, record: StepRecord) -> Finding:
    """Step `name`'s record of a saga the owner has no record of."""
    noun = audits.steps[name].names.record
    return Finding(f"orphan-{noun}", f"{noun} {record.saga_id}",
                   f"{record.describe()}, no such {audits.owner.noun}",
                   {audits.saga.key_name: record.saga_id, **record.facts()}, record.saga_id)


def _about(audits: Audits, saga: SagaRecord, breach: Breach) -> Finding:
    data: dict[str, Value] = {audits.saga.key_name: saga.saga_id, **saga.identity(),
                              "status": saga.status, **saga.facts(), **breach.data}
    return Finding(f"{saga.status.lower()}-{breach.kind}", f"{audits.owner.noun} {saga.saga_id}",
                   breach.message, data, saga.saga_id)
