"""A service's dead letters as an operator acts on them: every letter of its dead-letter
topic with its database open (its inbox says which were handled since, its operator log
which were discarded), and the choice of letters an action takes (by ref, group or all).
The CLI (`sagaline dlq`) and the dashboard share it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from sagaline.core.operator_log import SqlOperatorLog
from sagaline.core.saga import Service
from sagaline.ops import dlq
from sagaline.ops.dlq_actions import discarded
from sagaline.ops.dlq_groups import groups
from sagaline.settings import SystemSettings

DISCARDED_SCAN = 10_000  # operator log entries read for the discarded refs


class NothingChosen(ValueError):
    """The choice names no letter, or names one that is not there (or discarded)."""


@dataclass
class Letters:
    settings: SystemSettings
    service: Service[Any]
    conn: psycopg.Connection  # the service's database: its inbox and operator log
    all: list[dlq.DeadLetter]

    @property
    def log(self) -> SqlOperatorLog:
        return SqlOperatorLog(self.conn, self.service.name)

    def kept(self, with_discarded: bool = False) -> list[dlq.DeadLetter]:
        """The letters not discarded (or every one)."""
        if with_discarded:
            return self.all
        gone = discarded(self.log.entries(limit=DISCARDED_SCAN),
                         self.service.dead_letter_topic)
        return [d for d in self.all if d.ref not in gone]

    def handled(self, letters: list[dlq.DeadLetter]) -> dict[str, bool | None]:
        return dlq.handled(self.conn, self.service.consumer_group, letters)

    def group_rows(self, with_discarded: bool = False) -> list[dict[str, object]]:
        """The kept letters by cause (`dlq_groups`), each with how many were handled since."""
        found = groups(self.kept(with_discarded))
        handled = self.handled([d for g in found for d in g.letters])
        return [{**g.summary(), "handled": sum(1 for d in g.letters if handled[d.ref])}
                for g in found]

    def chosen(self, refs: list[str] | None, group_ids: list[str] | None,
               every: bool = False) -> list[dlq.DeadLetter]:
        """The kept letters named by ref or by group (or all); NothingChosen when a name
        matches nothing, or nothing is named."""
        letters = self.kept()
        if every:
            return letters
        by_group = {g.id: g for g in groups(letters)}
        unknown = [g for g in group_ids or [] if g not in by_group]
        unknown += [r for r in refs or [] if r not in {d.ref for d in letters}]
        if unknown:
            raise NothingChosen("no such letter or group (or discarded already): "
                                + ", ".join(unknown))
        wanted = set(refs or []) | {d.ref for g in group_ids or []
                                    for d in by_group[g].letters}
        found = [d for d in letters if d.ref in wanted]
        if not found:
            raise NothingChosen("nothing chosen: name letters, a group or all")
        return found


def read_letters(settings: SystemSettings, service: Service[Any]) -> list[dlq.DeadLetter]:
    """Every letter on the service's dead-letter topic (KafkaException, TimeoutError)."""
    return dlq.read_all(settings.kafka_bootstrap_servers, service.dead_letter_topic,
                        settings.kafka_client_config)
