"""What the auditor reads for each declared service: its database, by the service's name
(`dsn`), and the audit its declaration attaches (`Audits`).

`dsn` is the one place the auditor asks for a DSN: `SystemSettings.dsn(name)` (the
service's `<NAME>_DB_DSN`, else the local stack's).
"""

from __future__ import annotations

from dataclasses import dataclass

from sagaline.audit.read_db import SourceUnavailable
from sagaline.audit.step import AnyStepAudit, OwnerAudit, StepAudit
from sagaline.core.saga import Saga
from sagaline.settings import SystemSettings


def dsn(settings: SystemSettings, name: str, saga: Saga | None = None) -> str:
    """Service `name`'s database; SourceUnavailable when it has none."""
    try:
        return settings.dsn(name, saga)
    except (KeyError, ValueError) as exc:
        raise SourceUnavailable(f"{name} database: {exc}") from None


@dataclass(frozen=True)
class Audits:
    """A saga as the auditor sees it: the owner's audit, and the steps' audits by service name
    in the saga's order (steps that declare none are left out)."""

    saga: Saga
    owner: OwnerAudit
    steps: dict[str, AnyStepAudit]

    @classmethod
    def of(cls, saga: Saga) -> Audits:
        return cls(saga, owner_audit(saga), step_audits(saga))


def owner_audit(saga: Saga) -> OwnerAudit:
    """The owner's audit; a ValueError when the owner declares none."""
    audit = saga.service(saga.owner).audit
    if not isinstance(audit, OwnerAudit):
        raise ValueError(f"saga {saga.name}: its owner {saga.owner!r} declares no OwnerAudit "
                         "(Service(audit=...)): the auditor cannot read its sagas")
    return audit


def step_audits(saga: Saga) -> dict[str, AnyStepAudit]:
    """Service name -> its audit, in the saga's order, for the steps that declare one."""
    found: dict[str, AnyStepAudit] = {}
    for service in saga.services:
        if service.name == saga.owner or service.audit is None:
            continue
        if not isinstance(service.audit, StepAudit):
            raise ValueError(f"saga {saga.name}: the audit of {service.name!r} is not a "
                             "StepAudit")
        found[service.name] = service.audit
    return found
