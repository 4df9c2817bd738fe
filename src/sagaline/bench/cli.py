"""What `python -m sagaline bench` does, kept here so the shared CLI module stays one command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sagaline.bench.config import BenchConfig
from sagaline.bench.harness import run
from sagaline.core.saga import Saga
from sagaline.devstack import Stack, StackError
from sagaline.settings import stack_settings


def main(quick: bool, steps: str, step_seconds: float, baseline: bool, out_dir: Path,
         say: Callable[[str], None], warm_up_seconds: float = 30.0,
         saga: Saga | None = None) -> int:
    """`saga`: the one the running stack runs (the chosen one when None)."""
    config = BenchConfig(step_s=step_seconds, baseline=baseline, out_dir=out_dir,
                         warm_up_s=warm_up_seconds)
    if quick:
        config = config.quick_mode()
    if steps:
        config = replace(config, steps=tuple(int(s) for s in steps.split(",") if s.strip()))
    try:
        # As the running stack's shape has them: every Kafka node, its replication factor.
        run(Stack(stack_settings()).settings, config, say, saga)
    except StackError as err:
        say(f"error: {err}")
        return 1
    return 0
