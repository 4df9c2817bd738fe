"""The incremental audit's checkpoint: kept in a file, whole; which pass is a full one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sagaline.audit import checkpoint, follow, saga_checks
from sagaline.audit.evaluate import DbVerdict

pytestmark = pytest.mark.unit
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_a_checkpoint_comes_back_as_saved(tmp_path: Path) -> None:
    path = checkpoint.default_path(tmp_path, "seed")
    assert checkpoint.load(path) is None
    kept = checkpoint.Checkpoint(T0, T0 - timedelta(minutes=5), 7)
    checkpoint.save(path, kept)
    assert checkpoint.load(path) == kept
    assert [p.name for p in path.parent.iterdir()] == ["seed.checkpoint.json"]


def test_the_first_pass_is_full_then_each_after_full_every() -> None:
    assert follow.is_full(None, 3600, T0)
    last = checkpoint.Checkpoint(T0, T0)
    assert not follow.is_full(last, 3600, T0 + timedelta(minutes=59))
    assert follow.is_full(last, 3600, T0 + timedelta(minutes=60))
    assert not follow.is_full(last, 0, T0 + timedelta(days=9))  # 0: only the first


def test_the_next_checkpoint_starts_where_the_pass_took_its_snapshot() -> None:
    db = DbVerdict(saga_checks.SagaVerdicts(), as_of=T0 + timedelta(seconds=10))
    first = follow.next_checkpoint(None, db, True)
    assert first == checkpoint.Checkpoint(db.as_of, db.as_of, 1)  # type: ignore[arg-type]
    later = DbVerdict(saga_checks.SagaVerdicts(), as_of=T0 + timedelta(seconds=20))
    assert follow.next_checkpoint(first, later, False) == checkpoint.Checkpoint(
        later.as_of, first.full_at, 2)  # type: ignore[arg-type]
