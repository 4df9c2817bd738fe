"""What the auditor reads for each declared service: its database, by the service's name
(`dsn`), and the audit its declaration attaches (`Audits`).

`dsn` is the one place the auditor asks for a DSN. `SystemSettings` still holds one field per
seed service (`<name>_db_dsn`); a service it has no field for (a step the user added) is read
from `<NAME>_DB_DSN` in the environment, as the service itself reads it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sagaline.audit.read_db import SourceUnavailable
from sagaline.audit.step import AnyStepAudit, OwnerAudit, StepAudit
from sagaline.core.saga import Saga
from sagaline.settings import SystemSettings, env_prefix


def dsn(settings: SystemSettings, name: str) -> str:
    """Service `name`'s database; SourceUnavailable when none is set."""
    variable = f"{env_prefix(name)}_DB_DSN"
    found = getattr(settings, variable.lower(), None) or os.environ.get(variable)
    if not found:
        raise SourceUnavailable(f"{name} database: no DSN (set {variable})")
    return str(found)


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
