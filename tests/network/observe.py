"""What a network case watches: one service's `/ready` through the fault, each saga's time
from placed to final (read from the owner's database, as the auditor reads it), and the
outboxes."""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

from sagaline.audit import read_db
from sagaline.audit.sources import Audits
from sagaline.core.saga import Saga
from sagaline.settings import SystemSettings

READY, UNAVAILABLE, NO_ANSWER = "ready", "unavailable", "no answer"


@dataclass
class ReadyProbe:
    """GET `url`/ready every `every_s` from a thread (as a load balancer's probe would, with
    its `timeout_s`), each answer kept with its wall-clock time."""

    url: str
    every_s: float = 0.5
    timeout_s: float = 3.0
    answers: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ready-probe", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout_s) as client:
            while not self._stop.is_set():
                try:
                    code = client.get(f"{self.url}/ready").status_code
                    said = READY if code == 200 else UNAVAILABLE
                except httpx.HTTPError:
                    said = NO_ANSWER
                self.answers.append((time.time(), said))
                self._stop.wait(self.every_s)

    def between(self, start: float, end: float) -> list[str]:
        return [said for at, said in self.answers if start <= at < end]

    def ready_again_after(self, healed: float, timeout_s: float) -> float | None:
        """Seconds from `healed` to the first "ready" at or after it; None if none came."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready = [at for at, said in self.answers if at >= healed and said == READY]
            if ready:
                return ready[0] - healed
            time.sleep(0.2)
        return None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.timeout_s + 1)


@dataclass(frozen=True)
class Finished:
    """One saga: when it was placed (wall clock) and how long it took to become final (None
    while it is not)."""

    saga_id: str
    placed_at: float
    took_s: float | None


def sagas_since(settings: SystemSettings, saga: Saga, since: datetime) -> list[Finished]:
    """Every saga placed since `since`, read from the owner's database."""
    dsn = settings.dsn(saga.owner, saga)
    with read_db.snapshot(saga.owner, dsn) as conn:
        now = time.time()
        rows = Audits.of(saga).owner.sagas(conn, since)
    return [Finished(r.saga_id, now - r.age_s,
                     None if r.finished_age_s is None else r.age_s - r.finished_age_s)
            for r in rows]


def percentiles(sagas: list[Finished], start: float, end: float) -> tuple[float, float, int]:
    """p50 and p99 (seconds) of the final sagas placed in [start, end), and their count."""
    took = sorted(s.took_s for s in sagas if start <= s.placed_at < end and s.took_s is not None)
    if not took:
        return (float("nan"), float("nan"), 0)
    if len(took) == 1:
        return (took[0], took[0], 1)
    cuts = statistics.quantiles(took, n=100, method="inclusive")
    return (cuts[49], cuts[98], len(took))


def all_final_after(settings: SystemSettings, saga: Saga, since: datetime, ids: set[str],
                    healed: float, timeout_s: float) -> float | None:
    """Seconds from `healed` until every saga of `ids` is final; None if the time ran out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            done = {s.saga_id for s in sagas_since(settings, saga, since) if s.took_s is not None}
        except read_db.SourceUnavailable:
            done = set()
        if ids <= done:
            return time.time() - healed
        time.sleep(0.5)
    return None


def unpublished(settings: SystemSettings, saga: Saga) -> dict[str, int]:
    """Each service's outbox rows not yet published (read directly, not through a proxy)."""
    out = {}
    for name in saga.names:
        with psycopg.connect(settings.dsn(name, saga), connect_timeout=5) as conn:
            row = conn.execute("SELECT count(*) FROM outbox WHERE NOT published").fetchone()
            out[name] = int(row[0]) if row else 0
    return out


def now_utc() -> datetime:
    return datetime.now(UTC)


_NOISE = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+(\.\d+)?")
_LEVEL = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|^%\d\|")


class LogTail:
    """What a service logged from now on: its warnings and errors (and librdkafka's own
    lines), numbers and ids blanked so that repeats count as one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def summary(self, top: int = 6) -> dict[str, int]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            lines = log.read().decode(errors="replace").splitlines()
        said = Counter(_NOISE.sub("#", line[found.start():])[:100]
                       for line in lines if (found := _LEVEL.search(line)))
        return dict(said.most_common(top))
