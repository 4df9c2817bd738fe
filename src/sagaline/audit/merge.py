"""The services' records of each saga side by side, from streams sorted by saga id: a merge
by key that holds one record per stream at a time, whatever the history's length."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any

from sagaline.audit.read_db import SourceUnavailable


def ascending(source: str, rows: Iterable[Any]) -> Iterator[Any]:
    """`rows` as they come, checked to be in ascending saga id (bytewise): a database whose
    order differs would pair the wrong records, so it is refused instead, naming it."""
    last: str | None = None
    for row in rows:
        key = row.saga_id
        if last is not None and key < last:
            raise SourceUnavailable(f"{source} database: records not in ascending saga id "
                                    f"(bytewise): {last!r} came before {key!r}")
        last = key
        yield row


def by_key(owner: tuple[str, Iterable[Any]], steps: Mapping[str, Iterable[Any]]
           ) -> Iterator[tuple[Any | None, dict[str, Any]]]:
    """For each saga id any stream holds, in ascending order: the owner's record (None when
    it has none) and each step's record by service name (a step without one is absent).
    The owner's stream is read first, so its snapshot is the oldest."""
    sources = [owner, *steps.items()]
    tagged = [_tagged(i, ascending(name, rows)) for i, (name, rows) in enumerate(sources)]
    names = [name for name, _ in sources]
    merged = heapq.merge(*tagged, key=itemgetter(0, 1))
    for _, group in itertools.groupby(merged, key=itemgetter(0)):
        saga: Any | None = None
        held: dict[str, Any] = {}
        for _, i, row in group:
            if i == 0:
                saga = row
            else:
                held[names[i]] = row  # a second record of one saga: the last is kept
        yield saga, held


def _tagged(source: int, rows: Iterable[Any]) -> Iterator[tuple[str, int, Any]]:
    for row in rows:
        yield row.saga_id, source, row
