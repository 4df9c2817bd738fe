"""An operator's retry: send again an event this service wrote, from its outbox row, with the
same event id, so the consumers' inbox skips it wherever it was handled and a consumer that
lost it (or was stuck on it) gets it again. Refused when that cannot be safe or cannot help:
the row is gone (published rows stay OUTBOX_RETENTION_S), it is not published yet (the relay
has it), or it is older than the consumers' inbox remembers (a second effect could follow).
The copy and its operator-log entry are written in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sagaline.core.messaging.envelope import decode
from sagaline.core.operator_log import Entry
from sagaline.core.postgres.unit_of_work import UnitOfWork

ACTION = "saga.retry"


class ResendRefused(Exception):
    """Not sent again: `status` is the HTTP status that says why (404 or 409)."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


def resend(uow: UnitOfWork, key: str, topic: str, inbox_retention_s: float,
           operator: str, reason: str) -> uuid.UUID:
    """Queue the copy in `uow`'s transaction and commit; the event id sent again."""
    found = uow.sent(key, topic)
    if found is None:
        raise ResendRefused(404, f"no {topic} event of {key} in the outbox (published events "
                                 "are kept OUTBOX_RETENTION_S)")
    if not found.published:
        raise ResendRefused(409, f"the {topic} event of {key} is not published yet: the "
                                 "relay will send it")
    written = found.row.created_at or datetime.fromtimestamp(0, UTC)
    age_s = (datetime.now(UTC) - written).total_seconds()
    if age_s > inbox_retention_s:
        raise ResendRefused(409, f"the {topic} event of {key} is {age_s:.0f} s old, older "
                                 f"than the inbox remembers ({inbox_retention_s:.0f} s): "
                                 "sent again, it could take effect twice")
    row = found.row
    event = decode(row.topic, (row.key or "").encode(), row.value,
                   {k: v.encode() for k, v in row.headers.items()})
    uow.emit(event)
    uow.log_action(Entry(operator, ACTION, reason,
                         f"sent {topic} again (event {event.event_id})", (key,)))
    uow.commit()
    return event.event_id
