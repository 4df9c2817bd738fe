"""The streaming audit's merge by saga id: each saga's records side by side, whichever
databases hold one, and a database whose order is not bytewise refused by name."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sagaline.audit.merge import by_key
from sagaline.audit.read_db import SourceUnavailable

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Row:
    saga_id: str
    source: str


def rows(source: str, *ids: str) -> list[Row]:
    return [Row(i, source) for i in ids]


def test_each_saga_gets_its_records_from_every_stream_that_holds_one() -> None:
    merged = list(by_key(("owner", rows("owner", "a", "c", "d")),
                         {"pay": rows("pay", "a", "b", "d"), "stock": rows("stock", "c", "d")}))
    assert [(s.saga_id if s else None, {n: r.saga_id for n, r in held.items()})
            for s, held in merged] == [
        ("a", {"pay": "a"}), (None, {"pay": "b"}), ("c", {"stock": "c"}),
        ("d", {"pay": "d", "stock": "d"})]
    assert all(r.source == name for _, held in merged for name, r in held.items())


def test_a_stream_out_of_bytewise_order_is_refused_by_name() -> None:
    with pytest.raises(SourceUnavailable, match=r"pay database: .* 'b' came before 'B'"):
        list(by_key(("owner", rows("owner", "a")), {"pay": rows("pay", "a", "b", "B")}))
