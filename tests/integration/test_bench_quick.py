"""The benchmark harness in its quick mode: it runs end to end against the real stack and
writes well-formed results. No timing is asserted, ever: the numbers belong to the machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagaline import saga_choice
from sagaline.bench import measure
from sagaline.bench.config import BenchConfig
from sagaline.bench.harness import run
from sagaline.devstack import Stack

pytestmark = pytest.mark.integration

STEP_FIELDS = ("offered_per_s", "achieved_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms")
TOP_FIELDS = ("max_sustained_sagas_per_s", "baseline_max_sagas_per_s", "postgres_insert_tps",
              "commits_per_saga", "steps", "peak_rss_mb", "machine")


def number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


@pytest.mark.timeout(180)
def test_quick_run_writes_well_formed_results(services: Stack, tmp_path: Path) -> None:
    config = BenchConfig(out_dir=tmp_path).quick_mode()
    saga = saga_choice.load()
    run(services.settings, config, say=lambda _line: None, saga=saga)

    latest = json.loads((tmp_path / "latest.json").read_text())
    assert all(key in latest for key in TOP_FIELDS)
    assert [s["offered_per_s"] for s in latest["steps"]] == list(config.steps)
    for step in latest["steps"]:
        assert all(number(step[key]) for key in STEP_FIELDS), step
        assert step["sagas_started"] > 0 and step["http_errors"] == 0
    for key in ("max_sustained_sagas_per_s", "baseline_max_sagas_per_s",
                "postgres_insert_tps", "commits_per_saga", "idle_cpu_pct_of_one_core"):
        assert number(latest[key]), key
    assert {"kafka", *saga.names} <= set(latest["peak_rss_mb"])
    # the probes beside the figures; --quick skips the client's capacity, and says so
    assert latest["probes"]["missing"] == ["client_req_per_s"]
    assert number(latest["closed_loop"]["fraction_of_postgres_bound"])
    assert latest["machine"]["cores"] >= 1
    assert {"kafka", *saga.names, *(f"postgres-{name}" for name in saga.names)} \
        <= set(latest["idle"]["pct_of_one_core"])
    hops = latest["steps"][0]["hops"]  # every service's relay, the owner's first edge
    first = next(e for e in saga.edges if e.producer == saga.owner)
    assert {f"outbox_{name}_commit_to_broker_ack" for name in saga.names} <= set(hops)
    assert hops[f"http_send_to_{saga.owner}_row"]["count"] > 0
    assert hops[measure.hop_name(first)]["count"] > 0
    assert latest["relay_drain"][0]["complete"]
    assert latest["warm_up"]["sagas_finished"] > 0  # the stack was warmed, unmeasured
    assert (tmp_path / "latest-latency.png").stat().st_size > 0
    assert (tmp_path / "latest-throughput.png").stat().st_size > 0
    # the services run again in their normal configuration
    assert not services.dead(services.service_names)
