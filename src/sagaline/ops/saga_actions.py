"""An operator's view of one saga, and the actions on it, over the services' HTTP APIs and
the declaration: what its record says, which step it waits on and which are still ahead
(the status machine), what operators did to it (every service's operator log), and a cancel
through the owner's own path (`SagaStart.cancel_path`). The CLI (`sagaline saga`) and the
dashboard share these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from sagaline.core.saga import Saga
from sagaline.ops.targets import base_url
from sagaline.settings import SystemSettings


class Refused(Exception):
    """The action was not taken: `str()` says why (the owner's answer)."""


@dataclass(frozen=True)
class SagaState:
    record: dict[str, Any]  # the owner's GET answer
    waiting_on: str | None
    remaining: list[str]

    @classmethod
    def of(cls, saga: Saga, record: dict[str, Any]) -> SagaState:
        """What a saga with this record (its `status`) waits on and has still ahead."""
        status = str(record.get("status"))
        return cls(record, saga.statuses.waiting_on(status), saga.remaining(status))

    def as_row(self) -> dict[str, Any]:
        return {"record": self.record, "waitingOn": self.waiting_on,
                "remaining": self.remaining}


def _owner(saga: Saga, settings: SystemSettings, base: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=base or base_url(settings, saga, saga.owner), timeout=10,
                        headers=settings.admin_headers())


def state(saga: Saga, settings: SystemSettings, saga_id: str) -> SagaState:
    """The saga's record as its owner answers it, with what it waits on and what is left;
    LookupError when the owner knows no such saga."""
    with _owner(saga, settings) as owner:
        answer = owner.get(f"{saga.start_path}/{saga_id}")
    if answer.status_code in (404, 422):
        raise LookupError(f"no saga {saga_id!r}: {answer.text}")
    answer.raise_for_status()
    return SagaState.of(saga, answer.json())


def cancel(saga: Saga, settings: SystemSettings, saga_id: str, operator: str,
           reason: str, base: str | None = None) -> dict[str, Any]:
    """Ask the owner (at `base`, else its local address) to cancel: its compensations run
    by the normal path. Refused (with the owner's reason) for a final saga, an unknown one,
    or a saga whose owner has no cancel."""
    path = saga.start.cancel_path
    if path is None:
        raise Refused(f"the owner {saga.owner} declares no cancel for saga {saga.name}")
    with _owner(saga, settings, base) as owner:
        answer = owner.post(path.format(id=saga_id),
                            json={"operator": operator, "reason": reason})
    if answer.status_code in (401, 403, 404, 409, 422):
        raise Refused(f"{answer.status_code}: {_error(answer)}")
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def _error(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("error") or answer.json().get("detail") or answer.text)
    except ValueError:
        return answer.text
