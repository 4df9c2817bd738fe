"""An operator's view of one saga, and the actions on it, over the services' HTTP APIs and
the declaration: what its record says, which step it waits on and which are still ahead
(the status machine), what operators did to it (every service's operator log); a cancel
through the owner's own path (`SagaStart.cancel_path`), and a retry of the step it waits on
(the event it needs, sent again by its producer: `core.outbox.resend`). The CLI
(`sagaline saga`) and the dashboard share these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from sagaline.core.operator_log import Entry, SqlOperatorLog
from sagaline.core.outbox.resend import ACTION as RETRY
from sagaline.core.postgres import db
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
        return SagaState.of(saga, _record(owner, saga, saga_id))


def _record(owner: httpx.Client, saga: Saga, saga_id: str) -> dict[str, Any]:
    answer = owner.get(f"{saga.start_path}/{saga_id}")
    if answer.status_code in (404, 422):
        raise LookupError(f"no saga {saga_id!r}: {answer.text}")
    answer.raise_for_status()
    record: dict[str, Any] = answer.json()
    return record


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


def awaited_topic(saga: Saga, status: str) -> str | None:
    """The event the step a saga in `status` waits on needs in order to act: one that put
    the saga in `status` (e.g. the charge a reservation waits for), or, in the first status,
    the one the owner emitted to start it. None when the status waits on no step."""
    waiting = saga.statuses.waiting_on(status)
    if waiting is None:
        return None
    step = saga.service(waiting)
    moved = [t for t in saga.statuses.moved_by(status) if t in step.consumes]
    started = [t for t in saga.service(saga.owner).produces
               if t in step.consumes and t not in step.compensations]
    return next(iter(moved or started), None)


def retry(saga: Saga, settings: SystemSettings, saga_id: str, operator: str, reason: str,
          address: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Send again the event the step the saga waits on needs, from its producer's outbox
    (same event id: the inbox skips it where it was handled). `address(name)`: where a
    service answers (default: its local address). Refused for a final saga, a status that
    waits on nothing, and where the producer refuses (row gone, not published yet, older
    than the inbox remembers)."""
    where = address or (lambda name: base_url(settings, saga, name))
    with _owner(saga, settings, where(saga.owner)) as owner:
        status = str(_record(owner, saga, saga_id).get("status"))
    topic = awaited_topic(saga, status)
    producer = saga.producer_of(topic) if topic else None
    if topic is None or producer is None:
        why = ("which is final" if status in saga.statuses.final
               else "which waits on no step's event")
        refusal = f"saga {saga_id} is {status}, {why}: nothing to retry"
        _log(saga, settings, Entry(operator, RETRY, reason, f"refused: {refusal}", (saga_id,)))
        raise Refused(refusal)
    with httpx.Client(base_url=where(producer), timeout=10,
                      headers=settings.admin_headers()) as client:
        answer = client.post("/admin/resend", json={"key": saga_id, "topic": topic,
                                                    "operator": operator, "reason": reason})
    if answer.status_code in (401, 403, 404, 409, 422):
        raise Refused(f"{answer.status_code}: {_error(answer)}")
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def _log(saga: Saga, settings: SystemSettings, entry: Entry) -> None:
    """A refusal decided here, before any service acted: into the owner's operator log."""
    with db.connect(settings.dsn(saga.owner, saga), "sagaline-operator") as conn:
        SqlOperatorLog(conn, saga.owner).append(entry)


def _error(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("error") or answer.json().get("detail") or answer.text)
    except ValueError:
        return answer.text
