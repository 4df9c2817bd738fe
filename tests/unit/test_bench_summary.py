"""The bench's results on disk and on screen: `latest.json` keeps what other runs wrote into
it, and the table reads every throughput against the machine's probes of the same run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagaline.bench import summary

pytestmark = pytest.mark.unit


def run_result(achieved: float = 500.0) -> dict[str, Any]:
    step = {"offered_per_s": 50, "accepted_per_s": 50.0, "achieved_per_s": 50.0,
            "p50_ms": 7.0, "p95_ms": 9.0, "p99_ms": 12.0, "max_ms": 20.0,
            "sagas_unfinished": 0, "generator_lag_p99_ms": 1.0}
    return {"started_at": "2026-12-08T10:00:00+00:00", "steps": [step],
            "closed_loop": {**step, "offered_per_s": None, "achieved_per_s": achieved}}


def test_a_new_run_keeps_the_history_section_of_latest_json(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "plot", lambda *_args: [])  # the plots are not the point
    history = {"sagas": 3_020_000, "audit": {"seconds": 128.3, "max_rss_mb": 99.4}}
    old = {**run_result(400.0), "history": history}
    (tmp_path / "latest.json").write_text(json.dumps(old))

    run_path = summary.write(run_result(900.0), tmp_path)

    latest = json.loads((tmp_path / "latest.json").read_text())
    assert latest["closed_loop"]["achieved_per_s"] == 900.0  # the new run's figures
    assert latest["history"] == history  # and the history another command measured
    assert "history" not in json.loads(run_path.read_text())  # the run's own file: the run


def test_a_run_that_measured_a_history_replaces_the_old_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "plot", lambda *_args: [])
    (tmp_path / "latest.json").write_text(json.dumps({"history": {"sagas": 1}}))
    summary.write({**run_result(), "history": {"sagas": 2}}, tmp_path)
    assert json.loads((tmp_path / "latest.json").read_text())["history"] == {"sagas": 2}
