"""The disk run's judgements from its samples (`bench disk`): a series is bounded when its last
third's mean is no higher than its middle third's (within a tolerance); bytes per saga from
the first and last sample; and the dashboard plans' verdicts from their scan nodes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import pytest

from sagaline.bench import disk_plans, disk_run, disk_verdict, explain
from sagaline.bench.disk_verdict import bounded, thirds

pytestmark = pytest.mark.unit

SAW = [0, 500, 1000, 200, 700, 1100, 300, 800, 1000, 250, 750, 1050]  # a purge each 3rd sample


def sample(sagas: int, outbox: int, dead: int, heap: int, kafka: int) -> dict[str, Any]:
    table = {"heap_bytes": heap, "index_bytes": heap // 2, "live": 0, "dead": dead,
             "autovacuum_count": 0, "last_autovacuum": None}
    db = {"database_bytes": 8_000_000 + heap, "outbox_rows": outbox, "inbox_rows": outbox,
          "tables": {"orders": table}}
    return {"t_s": 0, "at": 0.0, "sagas_finished": sagas, "databases": {"order": db},
            "kafka_topic_bytes": {"order.created": kafka}}


def test_thirds_split_every_sample_and_keep_the_last_third_as_long_as_the_first() -> None:
    assert thirds(list(range(10))) == ([0, 1, 2], [3, 4, 5, 6], [7, 8, 9])
    assert thirds([1, 2, 3]) == ([1], [2], [3])


def test_a_saw_tooth_that_stops_rising_is_bounded_and_one_that_keeps_rising_is_not() -> None:
    assert bounded(SAW, tolerance=0.1) is True
    rising = [v + 100 * n for n, v in enumerate(SAW)]
    assert bounded(rising, tolerance=0.1) is False


def test_the_tolerance_and_the_slack_allow_noise_but_not_growth() -> None:
    assert bounded([100, 100, 100, 100, 100, 108], tolerance=0.1) is True
    assert bounded([100, 100, 100, 100, 100, 130], tolerance=0.1) is False
    assert bounded([0, 0, 0, 0, 0, 40], tolerance=0.1, slack=100) is True  # a few rows


def test_too_few_samples_give_no_verdict() -> None:
    assert bounded([1, 2], tolerance=0.1) is None


def test_verdicts_per_service_from_outbox_inbox_and_dead_tuples() -> None:
    flat = [sample(n * 100, v, 10 * v, 1_000_000, 0) for n, v in enumerate(SAW)]
    growing = [sample(n * 100, 1000 * n, 5000 * n, 1_000_000, 0) for n in range(12)]
    assert disk_verdict.verdicts(flat, ["order"]) == {"order": {
        "outbox_bounded": True, "inbox_bounded": True, "dead_tuples_flat": True}}
    assert disk_verdict.verdicts(growing, ["order"]) == {"order": {
        "outbox_bounded": False, "inbox_bounded": False, "dead_tuples_flat": False}}


def test_bytes_per_saga_are_what_the_run_added_over_the_sagas_it_finished() -> None:
    samples = [sample(1_000, 0, 0, 2_000_000, 10_000), sample(1_500, 0, 0, 2_100_000, 20_000),
               sample(3_000, 0, 0, 2_400_000, 210_000)]
    per = disk_verdict.per_saga(samples, ["order"])
    assert per["sagas"] == 2_000
    assert per["databases"]["order"] == {"database": 200.0, "tables": {"orders": 300.0}}
    assert per["kafka"] == 100.0
    assert disk_verdict.per_saga(samples[:1], ["order"])["databases"] is None


def test_the_printed_report_names_every_table_and_service() -> None:
    samples = [sample(n * 100, v, 10, 1_000_000 + n, 5 * n) for n, v in enumerate(SAW)]
    result = {"services": ["order"], "samples": samples, "seconds": 600.0,
              "retention": {"outbox_retention_s": 30.0, "inbox_retention_s": 600.0},
              "bytes_per_saga": disk_verdict.per_saga(samples, ["order"]),
              "verdicts": disk_verdict.verdicts(samples, ["order"]), "dashboard_plans": []}
    text = "\n".join(disk_run.report(result))
    assert "order.orders" in text and "kafka:" in text
    assert "order: outbox_bounded True, inbox_bounded True, dead_tuples_flat True" in text
    assert "note: inbox_retention_s 600 s" in text and "outbox_retention_s 30" not in text


def plan_of(*scans: tuple[str, str]) -> dict[str, Any]:
    children = [{"Node Type": k, "Index Name": i} for k, i in scans]
    return {"Plan": {"Node Type": "Append", "Plans": [
        {"Node Type": "Subquery Scan", "Plans": children}]}, "Execution Time": 0.5}


def test_a_plan_that_should_be_index_only_is_judged_by_every_scan() -> None:
    only = plan_of(("Index Only Scan", "orders_status_created"))
    mixed = plan_of(("Index Only Scan", "a"), ("Index Scan", "orders_status_created"))
    assert disk_plans.judge("in_flight", "order", [only], index_only=True).ok
    assert not disk_plans.judge("in_flight", "order", [mixed], index_only=True).ok
    assert disk_plans.judge("recent", "order", [mixed], index_only=False).ok
    seq = plan_of(("Seq Scan", "orders"))
    assert not disk_plans.judge("recent", "order", [seq], index_only=False).ok


class Recorder:
    """Stands in for a psycopg connection (and its cursors): keeps what is executed, answers
    no rows."""

    def __init__(self, service: str, sent: list[tuple[str, str, Any]]) -> None:
        self.service, self.sent = service, sent

    def execute(self, query: Any, params: Any = None) -> Recorder:
        self.sent.append((self.service, explain.sql_text(query), params))
        return self

    def fetchall(self) -> list[Any]:
        return []

    def fetchone(self) -> None:
        return None

    @contextmanager
    def cursor(self, **_: Any) -> Iterator[Recorder]:
        yield self


class RecordingReads:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Any]] = []

    @contextmanager
    def read(self, service: str) -> Iterator[Recorder]:
        yield Recorder(service, self.sent)


def test_both_benches_explain_the_dashboards_reads_with_its_own_parameters() -> None:
    from sagaline.dashboard.charts import BACKFILL_S
    from sagaline.seed_saga.saga import SAGA

    reads = explain.dashboard_reads(SAGA, "00000000-0000-0000-0000-000000000001", 1000.0)
    assert [hot.label for hot in reads if hot.index_only] == ["sagas in flight"]
    sent_by: dict[str, list[tuple[str, str, Any]]] = {}
    for hot in reads:
        recording = RecordingReads()
        hot.read(cast(Any, recording))
        sent_by[hot.label] = recording.sent
        assert recording.sent, hot.label
        assert all(text.lstrip("(").startswith("SELECT ") for _, text, _ in recording.sent)
    assert {service for service, _, _ in sent_by["outbox backlog"]} == set(SAGA.names)
    assert sent_by["saga list"][0][2][1] == explain.SAGA_LIST_LIMIT == 25  # app.js's limit
    finished = next(sent for label, sent in sent_by.items() if label.startswith("sagas fin"))
    assert finished[0][2] == (1000.0 - BACKFILL_S,)


class FakeConn:
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    def close(self) -> None:
        self.log.append(f"closed {self.name}")


def test_connections_already_open_are_closed_when_a_later_one_fails(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sagaline.bench import disk_sample
    from sagaline.seed_saga.saga import SAGA

    log: list[str] = []

    def connect(dsn: str, **_: Any) -> FakeConn:
        if dsn == SAGA.names[-1]:
            raise OSError("refused")
        return FakeConn(log, dsn)

    monkeypatch.setattr("sagaline.bench.disk_sample.psycopg.connect", connect)
    with pytest.raises(OSError):
        disk_sample.Sampler({n: n for n in SAGA.names}, SAGA, [], 0.0)
    assert sorted(log) == sorted(f"closed {n}" for n in SAGA.names[:-1])


class FakeFleet:
    start_at = 0.0

    def __init__(self, log: list[str], fails: bool = False) -> None:
        self.log, self.fails = log, fails

    def collect(self, timeout_s: float) -> Any:
        self.log.append("collected")
        if self.fails:
            raise RuntimeError("collect failed")
        return "load"


class FakeSampler:
    def __init__(self, log: list[str]) -> None:
        self.log, self.started_at = log, 0.0

    def sample(self) -> dict[str, Any]:
        return {"t_s": 0.0, "sagas_finished": 0}

    def close(self) -> None:
        self.log.append("sampler closed")

    def __enter__(self) -> FakeSampler:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def fleet_of(log: list[str], fails: bool = False) -> Any:
    return FakeFleet(log, fails)


def sampler_of(log: list[str]) -> Any:
    return FakeSampler(log)


def test_the_load_is_collected_when_the_sampler_cannot_connect() -> None:
    log: list[str] = []

    def no_sampler() -> Any:
        raise OSError("refused")

    with pytest.raises(OSError):
        disk_run.load_and_sample(fleet_of(log), no_sampler, 0.0, 1.0, lambda _: None)
    assert log == ["collected"]


def test_the_sampler_is_closed_when_collecting_the_load_fails() -> None:
    log: list[str] = []
    with pytest.raises(RuntimeError):
        disk_run.load_and_sample(fleet_of(log, fails=True), lambda: sampler_of(log), 0.0,
                                 1.0, lambda _: None)
    assert "sampler closed" in log and "collected" in log


def test_only_dbstats_reads_the_owners_records_by_their_table() -> None:
    """The seed's `orders` table is named in one bench module (dbstats, which says so), so
    that another saga's owner means one place to change, not one per tool."""
    from pathlib import Path

    bench = Path(disk_run.__file__).parent
    naming = [path.name for path in bench.glob("*.py")
              if path.name != "dbstats.py" and "FROM orders" in path.read_text()]
    assert naming == []
