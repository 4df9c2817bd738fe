"""The machine and the stack as the benchmark needs them: description, pids, stock, checks."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import psutil

from sagaline.core.saga import Saga
from sagaline.devstack import Stack, StackError
from sagaline.ops import stock
from sagaline.settings import StackSettings


def describe() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "physical_cores": psutil.cpu_count(logical=False),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "cpu_model": model or platform.processor(), "python": platform.python_version(),
            "kernel": platform.release()}


def cpu_busy_s() -> float:
    """CPU seconds the whole machine has been busy running something (all cores): user, nice,
    system and interrupt time, whatever ran, ours or a neighbour's process. Time stolen by the
    hypervisor is not ours and is left out."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0)
                 + getattr(t, "softirq", 0.0))


def pids(stack: Stack) -> dict[str, int]:
    """The pid of each running local component (Kafka, the Postgres servers, the services)."""
    return {s.name: s.pid for s in stack.status() if s.pid is not None}


def require_running(stack: Stack) -> None:
    """Kafka, the databases and the services (the dashboard, a reader, is not measured)."""
    down = stack.dead([*stack.infra_names, *stack.service_names])
    if down:
        raise StackError(f"not running: {', '.join(down)} (start the stack: make up ARGS=--detach)")


def ensure_stock(settings: StackSettings, saga: Saga, at_least: int) -> None:
    """Top up what an ordinary saga asks for, so that no bench saga runs out of stock."""
    for sku in stock.sample_skus(saga):
        stock.top_up(settings, saga, sku, at_least)
