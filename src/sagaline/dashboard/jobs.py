"""Bulk actions started from the page run on a thread of their own, so the page can follow
them and stop them. The stop lands in the pause between two batches (`Pace.wait`): the
action then writes what it did and what it did not to the operator log, as a Ctrl-C does
in the CLI."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import APIRouter, HTTPException, Request

from sagaline.dashboard.forms import read_form
from sagaline.dashboard.session import Sessions, acting

KEEP = 50  # finished jobs remembered for the page


class Stopped(Exception):
    """An operator stopped the bulk action from the page."""


@dataclass
class Job:
    id: str
    action: str
    operator: str
    state: str = "running"  # then done, stopped or failed
    result: str = ""
    stop_flag: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    def wait(self, seconds: float) -> None:
        """A pause between batches (`Pace.wait`); Stopped once the stop flag is set."""
        if self.stop_flag.wait(seconds):
            raise Stopped(f"stopped from the dashboard by {self.operator}")

    def as_row(self) -> dict[str, str]:
        return {"job": self.id, "action": self.action, "operator": self.operator,
                "state": self.state, "result": self.result}


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, action: str, operator: str, work: Callable[[Job], str]) -> Job:
        """Run `work(job)` on a thread; its answer is the job's result."""
        job = Job(secrets.token_hex(8), action, operator)
        with self._lock:
            self._jobs[job.id] = job
            done = [j for j in self._jobs.values() if j.finished.is_set()]
            for old in done[:max(0, len(done) - KEEP)]:
                del self._jobs[old.id]
        threading.Thread(target=self._run, args=(job, work), name=f"job-{job.id}",
                         daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    @staticmethod
    def _run(job: Job, work: Callable[[Job], str]) -> None:
        try:
            job.result, job.state = work(job), "done"
        except Stopped as err:
            job.result, job.state = str(err), "stopped"
        except Exception as err:  # shown on the page; the operator log has the details
            job.result, job.state = f"{type(err).__name__}: {err}", "failed"
        finally:
            job.finished.set()


def jobs_router(jobs: Jobs, sessions: Sessions) -> APIRouter:
    """GET a job (the page follows it), POST its stop (acting: a session and its token)."""
    router = APIRouter(prefix="/api/jobs")

    def found(job_id: str) -> Job:
        job = jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id}")
        return job

    @router.get("/{job_id}")
    def job(job_id: str) -> dict[str, str]:
        return found(job_id).as_row()

    @router.post("/{job_id}/stop")
    async def stop(job_id: str, request: Request) -> dict[str, str]:
        acting(request, sessions, (await read_form(request)).one("csrf"))
        target = found(job_id)
        target.stop_flag.set()
        return target.as_row()

    return router
