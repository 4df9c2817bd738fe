"""`python -m sagaline.bench.seed_like <service>`: one of our services driven like the seed
demo (1.5 s poll, 50 rows, one send at a time, no wake-up on commit, one message per
transaction), for the benchmark's baseline. These knobs exist only here: a service started
the normal way never reads them."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from typing import Any

from sagaline.seed_saga import SERVICES
from sagaline.seed_saga.runner import read_settings, run

SEED_LIKE: dict[str, Any] = {
    "relay_poll_interval_s": 1.5,
    "relay_batch_size": 50,
    "relay_one_at_a_time": True,
    "relay_wake_on_commit": False,
    "relay_always_wait": True,  # the seed polls every 1.5 s even when it has a backlog
    "consumer_batch_size": 1,
}


def main(name: str) -> None:
    spec = next(s for s in SERVICES if s.name == name)
    bootstrap = importlib.import_module(f"{spec.module}.bootstrap").bootstrap
    settings, faults = read_settings(spec)
    plumbing = dataclasses.replace(spec.plumbing(settings, faults), **SEED_LIKE)
    run(spec, bootstrap, plumbing=plumbing)


if __name__ == "__main__":
    main(sys.argv[1])
