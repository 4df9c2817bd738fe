"""The side-by-side bench's report: each figure's difference, the mark where the loaded
history is more than 10 % worse, and latest.json's `history` rewritten without losing any
other key (docs/performance.md, "With a long history")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sagaline.bench import side_by_side, side_report
from sagaline.bench.explain import execution_ms
from sagaline.bench.side_config import RATES, SideConfig
from sagaline.cli import app

pytestmark = pytest.mark.unit

EMPTY = {"closed_loop_sagas_per_s": 1000.0, "p50_ms_at_50": 20.0, "p99_ms_at_50": 40.0,
         "p50_ms_at_200": 25.0, "p99_ms_at_200": 50.0, "post_p99_ms": 10.0,
         "get_p99_ms": 5.0, "dashboard_api_p99_ms": 30.0, "dashboard_first_render_ms": 800.0}
# Throughput 5 % down and the read p99 20 % up (worse); the rest equal or better.
LOADED = {**EMPTY, "closed_loop_sagas_per_s": 950.0, "get_p99_ms": 6.0,
          "p99_ms_at_200": 45.0, "dashboard_first_render_ms": None}


def run_file(label: str, figures: dict[str, Any], loaded_sagas: int = 0) -> dict[str, Any]:
    return {"label": label, "started_at": f"2026-12-07T10:00:0{len(label) % 10}+00:00",
            "quick": False, "sagas_loaded": loaded_sagas, "figures": figures,
            "database_mb": {"order": 1000.0, "payment": 500.0}}


def test_the_difference_is_in_percent_of_the_empty_figure() -> None:
    assert side_report.difference_pct(40.0, 50.0) == 25.0
    assert side_report.difference_pct(1000.0, 950.0) == -5.0
    assert side_report.difference_pct(None, 5.0) is None
    assert side_report.difference_pct(0.0, 5.0) is None


def test_worse_is_lower_throughput_or_higher_latency_beyond_ten_percent() -> None:
    within = side_report.within_tolerance
    assert within("closed_loop_sagas_per_s", 1000.0, 910.0) is True
    assert within("closed_loop_sagas_per_s", 1000.0, 890.0) is False
    assert within("closed_loop_sagas_per_s", 1000.0, 2000.0) is True
    assert within("p99_ms_at_200", 50.0, 55.0) is True
    assert within("p99_ms_at_200", 50.0, 56.0) is False
    assert within("p99_ms_at_200", 50.0, 10.0) is True
    assert within("dashboard_first_render_ms", 800.0, None) is None  # no browser: unknown


def test_the_table_marks_only_the_figures_more_than_ten_percent_worse() -> None:
    lines = side_report.table(EMPTY, LOADED).splitlines()
    marked = [line.split()[0] for line in lines if "more than 10 % worse" in line]
    assert marked == ["get_p99_ms"]
    by_name = {line.split()[0]: line for line in lines[1:]}
    assert "-5.0 %" in by_name["closed_loop_sagas_per_s"]
    assert "+20.0 %" in by_name["get_p99_ms"]
    assert by_name["dashboard_first_render_ms"].split()[1:] == ["800.0", "-", "-"]


def test_the_merge_replaces_only_the_history_and_keeps_what_the_runs_do_not_measure() -> None:
    latest = {"steps": [1, 2], "closed_loop": {"achieved_per_s": 1200},
              "history": {"sagas": 3_000_000, "loader": [{"sagas": 1}], "empty": None,
                          "audit": {"seconds": 128.3, "max_rss_mb": 99.4}}}
    loaded = {**run_file("loaded", LOADED, 10_000_000),
              "database_mb": {"order": 2000.0, "payment": 1000.0}}  # 1000 and 500 MB more
    section = side_report.history_section(run_file("empty", EMPTY), loaded, None, None)
    merged = side_report.merged_history(latest, section)
    assert {k: v for k, v in merged.items() if k != "history"} == \
        {k: v for k, v in latest.items() if k != "history"}
    history = merged["history"]
    assert history["sagas"] == 10_000_000  # what the loaded run found
    assert history["empty"] == EMPTY and history["loaded"] == LOADED
    assert history["loader"] == [{"sagas": 1}]  # not measured here: kept
    assert history["audit"] == {"seconds": 128.3, "max_rss_mb": 99.4}
    assert history["within_10_percent"]["get_p99_ms"] is False
    assert history["within_10_percent"]["closed_loop_sagas_per_s"] is True
    assert history["bytes_per_saga"] == {"order": 105, "payment": 52}


def test_an_audit_file_updates_the_audit_key_by_key() -> None:
    latest = {"history": {"audit": {"seconds": 128.3, "incremental_pass_seconds": 0.13}}}
    section = side_report.history_section(run_file("empty", EMPTY), run_file("loaded", LOADED),
                                          7, {"seconds": 400.0, "max_rss_mb": 120.0})
    audit = side_report.merged_history(latest, section)["history"]["audit"]
    assert audit == {"seconds": 400.0, "max_rss_mb": 120.0, "incremental_pass_seconds": 0.13}


def test_report_reads_both_runs_and_rewrites_latest_json(tmp_path: Path) -> None:
    (tmp_path / "latest.json").write_text(json.dumps({"quick": False, "history": {"x": 1}}))
    side_by_side.write(run_file("empty", EMPTY), tmp_path, "empty")
    side_by_side.write(run_file("loaded", LOADED, 3000), tmp_path, "loaded")
    (tmp_path / side_report.AUDIT_FILE).write_text(json.dumps({"seconds": 1.5}))
    printed = side_report.report(tmp_path, sagas=10_000_000)
    assert printed.startswith("10,000,000 sagas loaded")
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert latest["quick"] is False and latest["history"]["x"] == 1
    assert latest["history"]["sagas"] == 10_000_000  # --sagas wins over the marks' count
    assert latest["history"]["audit"] == {"seconds": 1.5}


def test_the_figures_of_one_run_come_from_its_steps_and_probes() -> None:
    result = {"steps": [{"offered_per_s": rate, "p50_ms": rate / 10, "p99_ms": rate / 5}
                        for rate in RATES],
              "closed_loop": {"achieved_per_s": 900.0},
              "requests": {"post": {"p99_ms": 9.0}, "get": {"p99_ms": 4.0}},
              "dashboard_api": {"all": {"p99_ms": 33.0}}, "first_render": {"ms": None}}
    figures = side_by_side.figures(result)
    assert set(figures) == set(side_report.HIGHER_IS_BETTER)
    assert figures["p99_ms_at_200"] == 40.0 and figures["p50_ms_at_50"] == 5.0
    assert figures["dashboard_first_render_ms"] is None


def test_the_quick_mode_keeps_the_compared_rates() -> None:
    bench = SideConfig().quick_mode().bench_config()
    assert bench.steps == RATES and bench.step_s == 3.0 and not bench.stop_when_saturated


def test_the_command_takes_exactly_one_mode_and_names_a_missing_run(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["bench", "side-by-side"]).exit_code == 2
    both = runner.invoke(app, ["bench", "side-by-side", "--report", "--label", "empty"])
    assert both.exit_code == 2
    missing = runner.invoke(app, ["bench", "side-by-side", "--report", "--out", str(tmp_path)])
    assert missing.exit_code == 2 and "history-empty.json" in missing.output


def plan(label: str, service: str, ms: float) -> dict[str, Any]:
    text = f"Index Scan using orders_pkey on orders\nPlanning Time: 0.4 ms\nExecution Time: {ms} ms"
    return {"label": label, "service": service, "sql": "SELECT 1", "plan": text}


def test_the_queries_listed_slower_are_those_over_ten_percent_and_half_a_millisecond() -> None:
    empty = [plan("list", "order", 1.0), plan("timeline", "order", 0.1),
             plan("timeline", "payment", 2.0), plan("snapshot", "order", 5.0)]
    loaded = [plan("list", "order", 30.0), plan("timeline", "order", 0.4),  # +300 %, 0.3 ms
              plan("timeline", "payment", 2.1), plan("snapshot", "order", 9.0)]
    listed = side_report.slower_queries(empty, loaded)
    assert [line.split()[0] for line in listed] == ["list", "snapshot"]  # slowest first
    assert "1.00 -> 30.00 ms" in listed[0]


def test_bytes_per_saga_are_what_the_loaded_history_added_over_the_sagas_reported() -> None:
    empty = {**run_file("empty", EMPTY), "database_mb": {"order": 100.0, "payment": 50.0}}
    loaded = {**run_file("loaded", LOADED, 3000),
              "database_mb": {"order": 1100.0, "payment": 550.0}}
    section = side_report.history_section(empty, loaded, sagas=1_000_000, audit=None)
    assert section["sagas"] == 1_000_000
    assert section["bytes_per_saga"] == {"order": 1049, "payment": 524}
    unknown = side_report.history_section(empty, {**loaded, "sagas_loaded": 0}, None, None)
    assert "bytes_per_saga" not in unknown


def test_the_execution_time_is_read_from_a_json_plan_and_from_an_older_text_one() -> None:
    assert execution_ms({"Plan": {}, "Execution Time": 1.25}) == 1.25
    assert execution_ms(plan("list", "order", 2.5)["plan"]) == 2.5
    assert execution_ms({"Plan": {}}) is None
