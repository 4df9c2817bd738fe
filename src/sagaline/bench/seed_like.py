"""`python -m sagaline.bench.seed_like <service>`: one of our services driven like the seed
demo (1.5 s poll, 50 rows, one send at a time, no wake-up on commit, one message per
transaction), for the benchmark's baseline. These knobs exist only here: a service started
the normal way never reads them."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from sagaline import saga_choice
from sagaline.core.runtime import compose
from sagaline.core.runtime.entry import read_settings, run

SEED_LIKE: dict[str, Any] = {
    "relay_poll_interval_s": 1.5,
    "relay_batch_size": 50,
    "relay_one_at_a_time": True,
    "relay_wake_on_commit": False,
    "relay_always_wait": True,  # the seed polls every 1.5 s even when it has a backlog
    "consumer_batch_size": 1,
}


def main(name: str) -> None:
    saga = saga_choice.load()
    settings, faults = read_settings(saga, name)
    plumbing = dataclasses.replace(compose.plumbing_for(saga.service(name), settings, faults),
                                   **SEED_LIKE)
    run(saga, name, plumbing=plumbing)


if __name__ == "__main__":
    main(sys.argv[1])
