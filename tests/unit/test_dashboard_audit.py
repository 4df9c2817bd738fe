"""The auditor in the dashboard (issue 25, item 5): incremental passes on a schedule from
their own checkpoint, the last one kept for GET /api/audit, and a pass now from the page (an
action: the session and its CSRF token)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from sagaline.audit import auditor, checkpoint
from sagaline.audit.checkpoint import Checkpoint
from sagaline.audit.findings import Finding, Report
from sagaline.dashboard import api
from sagaline.dashboard.audit_runs import AuditRuns
from sagaline.settings import DashboardSettings
from tests.unit.test_dashboard_declared import FOUR, FakeDatabases, FakeKafka
from tests.unit.test_dashboard_session import BASE, KEY, logged_in

pytestmark = pytest.mark.unit
T0 = datetime(2026, 1, 1, tzinfo=UTC)
BROKEN = Finding("confirmed-not-charged", "order o1", "no payment", {}, "o1")


class FakePass:
    """Each call: the checkpoint it was given; the report says what `findings` holds."""

    def __init__(self, calls_wanted: int = 0) -> None:
        self.given: list[Checkpoint | None] = []
        self.findings = [BROKEN]
        self.fail: Exception | None = None
        self.enough = threading.Event()
        self.calls_wanted = calls_wanted

    def __call__(self, last: Checkpoint | None) -> tuple[Report, Checkpoint, bool]:
        self.given.append(last)
        if len(self.given) >= self.calls_wanted:
            self.enough.set()
        if self.fail:
            raise self.fail
        reached = Checkpoint(T0 + timedelta(seconds=len(self.given)), T0,
                             len(self.given))
        return Report(violations=list(self.findings)), reached, last is None


def test_each_pass_starts_where_the_last_one_saved_its_checkpoint(tmp_path: Path) -> None:
    fake = FakePass()
    runs = AuditRuns(fake, tmp_path / "audit.json", interval_s=0)
    assert runs.state()["last"] is None
    first = runs.run_now("ann")
    assert first["full"] is True and first["ok"] is False and first["by"] == "ann"
    assert [v["saga_id"] for v in first["violations"]] == ["o1"]
    saved = checkpoint.load(tmp_path / "audit.json")
    fake.findings = []
    second = runs.run_now("ann")
    assert fake.given[0] is None and saved is not None and fake.given[1] == saved
    assert second["full"] is False and second["ok"] is True and second["pass"] == 2
    assert runs.state()["last"] == second


def test_a_pass_that_cannot_reach_a_source_says_why_and_keeps_the_checkpoint(
        tmp_path: Path) -> None:
    fake = FakePass()
    runs = AuditRuns(fake, tmp_path / "audit.json", interval_s=0)
    runs.run_now("ann")
    kept = checkpoint.load(tmp_path / "audit.json")
    fake.fail = ConnectionError("payment's database refused")
    failed = runs.run_now("ann")
    assert failed["ok"] is False and "payment's database refused" in failed["error"]
    assert checkpoint.load(tmp_path / "audit.json") == kept


def test_the_worker_runs_passes_on_its_own_until_stopped(tmp_path: Path) -> None:
    fake = FakePass(calls_wanted=3)
    runs = AuditRuns(fake, tmp_path / "audit.json", interval_s=0.01)
    runs.start()
    try:
        assert fake.enough.wait(10), "three passes within 10 s"
    finally:
        runs.stop()
    done = len(fake.given)
    assert fake.given[1] is not None and fake.given[2] is not None  # incremental after one
    assert runs.last is not None and runs.last["by"] == "the dashboard's schedule"
    assert len(fake.given) == done  # stopped: no pass after stop returned


def test_an_interval_of_zero_runs_no_pass_on_its_own(tmp_path: Path) -> None:
    runs = AuditRuns(FakePass(), tmp_path / "audit.json", interval_s=0)
    runs.start()
    runs.stop()
    assert runs.passes == 0


def test_reading_the_last_pass_needs_nothing_and_running_one_needs_the_session(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient
    fake = FakePass()
    monkeypatch.setattr(auditor, "audit_pass", lambda saga, settings, options, last, every:
                        fake(last))
    settings = DashboardSettings.model_construct(
        admin_api_key=SecretStr(KEY), dashboard_audit_checkpoint=tmp_path / "audit.json")
    app = api.create_app(settings, FOUR, FakeDatabases(FOUR.names), FakeKafka({}))
    app.state.collector._stop.set()
    web = TestClient(app, base_url=BASE, follow_redirects=False)
    assert web.get("/api/audit").json() == {"interval_s": 60.0, "last": None}
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert web.post("/api/audit/run", content="csrf=x", headers=form).status_code == 401
    csrf = logged_in(web)
    assert web.post("/api/audit/run", content="csrf=wrong", headers=form).status_code == 403
    assert fake.given == []
    ran = web.post("/api/audit/run", content=f"csrf={csrf}", headers=form)
    assert ran.status_code == 200, ran.text
    last = web.get("/api/audit").json()["last"]
    assert last["by"] == "ann" and last["violations"][0]["saga_id"] == "o1"
    assert (tmp_path / "audit.json").exists()
    fake.fail = ConnectionError("no kafka")
    refused = web.post("/api/audit/run", content=f"csrf={csrf}", headers=form)
    assert refused.status_code == 503 and "no kafka" in refused.json()["detail"]
    assert web.get("/audit").status_code == 200
