"""`sagaline bench disk`, small: 20 s at a low rate, a sample each 2 s, against the real
stack. It writes its JSON and plot with samples of every declared service's database and of
Kafka, and checks the dashboard's plans. No size or timing is asserted: they are the
machine's and the run's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagaline.bench import disk_run
from sagaline.devstack import Stack

pytestmark = pytest.mark.integration


@pytest.mark.timeout(180)
def test_a_short_disk_run_writes_samples_of_every_declared_service(
        services: Stack, tmp_path: Path) -> None:
    saga = services.saga
    lines: list[str] = []
    disk_run.run(services, saga, disk_run.DiskRun(20.0, 10.0, 2.0, tmp_path), lines.append)

    result = json.loads((tmp_path / "disk-run.json").read_text())
    assert (tmp_path / "disk-run.png").stat().st_size > 0
    samples = result["samples"]
    assert len(samples) >= 10
    for s in samples:
        assert set(s["databases"]) == set(saga.names)
        for db in s["databases"].values():
            assert {"outbox", "inbox"} <= set(db["tables"]) and db["database_bytes"] > 0
    assert samples[-1]["sagas_finished"] > samples[0]["sagas_finished"]
    assert set(samples[-1]["kafka_topic_bytes"]) >= set(saga.event_topics)
    per = result["bytes_per_saga"]
    assert set(per["databases"]) == set(saga.names) and per["kafka"] > 0
    assert set(result["verdicts"]) == set(saga.names)
    assert {p["service"] for p in result["dashboard_plans"]} == set(saga.names)
    assert result["http_errors"] == 0 and result["sagas_started"] > 0
    assert any(line.startswith("bytes per saga") for line in lines)
