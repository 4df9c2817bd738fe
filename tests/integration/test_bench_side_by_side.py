"""The side-by-side bench of an empty and a loaded history, small: `bench side-by-side
--compare 2000 --quick` measures the running stack, loads 2,000 finished sagas into its
databases with the history loader, measures again and reports. No timing is asserted: the
figures belong to the machine; what is checked is that each is measured and compared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sagaline.bench import side_report
from sagaline.cli import app
from sagaline.devstack import Stack

pytestmark = pytest.mark.integration
LOADED = 2000
# Without Debian's chromium the first render is None (and says why); all else is measured.
MAYBE_NONE = {"dashboard_first_render_ms"}


@pytest.mark.timeout(300)
def test_compare_measures_both_states_and_writes_the_history(services: Stack,
                                                             tmp_path: Path) -> None:
    dashboard_ran = services.dashboard.running()
    (tmp_path / "latest.json").write_text(json.dumps({"steps": [], "history": {
        "audit": {"seconds": 1.0}}}))
    done = CliRunner().invoke(app, ["bench", "side-by-side", "--compare", str(LOADED),
                                    "--quick", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output

    empty, loaded = (json.loads((tmp_path / f"history-{label}.json").read_text())
                     for label in ("empty", "loaded"))
    assert loaded["sagas_loaded"] == empty["sagas_loaded"] + LOADED
    for run in (empty, loaded):
        assert set(run["figures"]) == set(side_report.HIGHER_IS_BETTER)
        for name, value in run["figures"].items():
            assert value is not None or name in MAYBE_NONE, (name, run["label"])
        assert run["first_render"]["ms"] is not None or run["first_render"]["why_none"]
        assert run["requests"]["errors"] == 0 and run["dashboard_api"]["errors"] == 0
        labels = {plan["label"] for plan in run["plans"]}
        assert {"saga record by id", "saga list", "sagas in flight", "saga timeline"} <= labels
        assert all("Execution Time" in plan["plan"] for plan in run["plans"])

    history = json.loads((tmp_path / "latest.json").read_text())["history"]
    assert history["sagas"] == loaded["sagas_loaded"]
    assert history["empty"] == empty["figures"] and history["loaded"] == loaded["figures"]
    assert set(history["within_10_percent"]) == set(side_report.HIGHER_IS_BETTER)
    assert history["audit"] == {"seconds": 1.0}
    assert all(figure in done.output for figure in side_report.HIGHER_IS_BETTER)  # the table
    assert services.dashboard.running() == dashboard_ran  # one it started, it stopped
