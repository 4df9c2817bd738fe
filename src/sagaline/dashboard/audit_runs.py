"""The auditor in the dashboard (issue 25, item 5): the incremental audit (`audit.follow`,
as `sagaline check --follow`) every DASHBOARD_AUDIT_INTERVAL_S on a thread of its own, or now
from the page. The last pass is kept in memory for GET /api/audit; where it left off is its
own checkpoint file (not the CLI's: two followers on one checkpoint would each skip what the
other judged).

One pass at a time: a "run now" while the worker's pass runs waits for it, then runs its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from sagaline.audit import auditor, checkpoint
from sagaline.audit.checkpoint import Checkpoint
from sagaline.audit.evaluate import AuditOptions
from sagaline.audit.findings import Report
from sagaline.core.saga import Saga
from sagaline.dashboard.forms import read_form
from sagaline.dashboard.session import Sessions, acting
from sagaline.settings import DashboardSettings
from sagaline.settings.system import stack_settings

Pass = Callable[[Checkpoint | None], tuple[Report, Checkpoint, bool]]


class AuditRuns:
    """Runs `run_pass` from the checkpoint in `path`, saves where it reached, keeps the
    last result (`last`: None before the first pass)."""

    def __init__(self, run_pass: Pass, path: Path, interval_s: float) -> None:
        self._run_pass, self._path, self.interval_s = run_pass, path, interval_s
        self._one_at_a_time = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: dict[str, Any] | None = None
        self.passes = 0  # how many this process ran (the tests wait on it)

    def run_now(self, by: str) -> dict[str, Any]:
        with self._one_at_a_time:
            started_at, started = datetime.now(UTC), time.monotonic()
            result: dict[str, Any] = {"at": started_at.isoformat(), "by": by}
            try:
                report, reached, full = self._run_pass(checkpoint.load(self._path))
                checkpoint.save(self._path, reached)
                result |= {"full": full, "pass": reached.passes,
                           "as_of": reached.as_of.isoformat(), **report.as_json()}
            except Exception as err:  # shown on the page; the next pass tries again
                result |= {"ok": False, "error": f"{type(err).__name__}: {err}"}
            result["seconds"] = round(time.monotonic() - started, 3)
            self.last, self.passes = result, self.passes + 1
            return result

    def start(self) -> None:
        if self.interval_s > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._follow, name="dashboard-audit",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _follow(self) -> None:
        while not self._stop.is_set():
            self.run_now("the dashboard's schedule")
            self._stop.wait(self.interval_s)  # the pace of the passes; returns at stop

    def state(self) -> dict[str, Any]:
        return {"interval_s": self.interval_s, "last": self.last}


def audit_router(runs: AuditRuns, sessions: Sessions) -> APIRouter:
    router = APIRouter(prefix="/api/audit")

    @router.get("")
    def last_pass() -> dict[str, Any]:
        """The last pass: when, full or incremental, how long, its findings (None: none yet)."""
        return runs.state()

    @router.post("/run")
    async def run(request: Request) -> dict[str, Any]:
        """A pass now (an action: the session and its CSRF token)."""
        form = await read_form(request)
        session = acting(request, sessions, form.one("csrf"))
        result = await run_in_threadpool(runs.run_now, session.operator)
        if "error" in result:
            raise HTTPException(503, f"the audit could not run: {result['error']}")
        return runs.state()

    return router


def audit_runs_of(settings: DashboardSettings, topology: Saga) -> AuditRuns:
    """The auditor of `topology` as `check --follow` runs it, on its own checkpoint."""
    path = settings.dashboard_audit_checkpoint or (
        stack_settings().stack_dir / "audit" / f"{topology.name}.dashboard.json")

    def run_pass(last: Checkpoint | None) -> tuple[Report, Checkpoint, bool]:
        return auditor.audit_pass(topology, settings, AuditOptions(), last,
                                  settings.dashboard_audit_full_every_s)
    return AuditRuns(run_pass, path, settings.dashboard_audit_interval_s)
