"""How much the sagas share, for variants of the services side by side at one offered rate:
write transactions per saga on each service's database (the delta of its transaction ids),
and from the services' `/metrics` the events per consumer transaction and the rows per relay
batch, and the batches of both per saga (each batch a wake-up). Per run the
services restart with the variant's environment (as in bench/ab_profile.py), take 10 s of
unmeasured load, then the measured window; each load's sagas finish before the counters are
read.

It tells why a change that makes a hop cheaper shows at one rate and not at another: near
the machine's limit, a cheaper hop only leaves smaller batches (docs/performance.md, "Tried,
measured, not kept": all of them at once).

    .venv/bin/python bench/ab_sharing.py --variant base: \\
        --variant new:PYTHONPATH=/tmp/worktree/src --order base,new,new,base --rate 200

Run from the repository root against a running stack. Leaves the services running with no
variant.
"""

from __future__ import annotations

import argparse
import time

import httpx
from ab_profile import offer
from prometheus_client.parser import text_string_to_metric_families
from side_by_side import add_variant_arguments, variants_in_order

from sagaline.bench import dbstats
from sagaline.bench.measure import commits_per_saga
from sagaline.bench.variants import restart
from sagaline.devstack import Stack
from sagaline.seed_saga import SERVICES
from sagaline.settings import StackSettings, stack_settings

HANDLED = "sagaline_consumer_messages_total"  # the samples with outcome="handled"
CONSUMER_BATCHES = "sagaline_consumer_batch_duration_seconds_count"
RELAY_BATCHES = "sagaline_relay_batch_duration_seconds_count"
RELAY_ROWS = "sagaline_relay_published_total"  # one sample per topic, summed


def counters(settings: StackSettings) -> dict[str, dict[str, float]]:
    """Per service: events handled, consumer batches, relay batches, relay rows."""
    found: dict[str, dict[str, float]] = {}
    for spec in SERVICES:
        values = found[spec.name] = dict.fromkeys(
            (HANDLED, CONSUMER_BATCHES, RELAY_BATCHES, RELAY_ROWS), 0.0)
        answer = httpx.get(f"http://127.0.0.1:{spec.http_port(settings)}/metrics",
                           headers=settings.admin_headers(), timeout=10)
        answer.raise_for_status()
        for family in text_string_to_metric_families(answer.text):
            for sample in family.samples:
                if sample.name in values and sample.labels.get("outcome", "handled") == "handled":
                    values[sample.name] += sample.value
    return found


def measure(settings: StackSettings, rate: float, seconds: float) -> str:
    warmed = time.time()
    offer(settings, rate, 10.0, "sharing-")  # unmeasured: the restarted services warm up
    dbstats.wait_drained(settings, warmed - 1, "sharing-", 60.0)
    before, ids_before = counters(settings), dbstats.write_transactions(settings)
    started = time.time()
    sagas = len(offer(settings, rate, seconds, "sharing-").sent)
    left = dbstats.wait_drained(settings, started - 1, "sharing-", 60.0)
    if left:
        raise SystemExit(f"{left} sagas of the window still unfinished after 60 s")
    after = counters(settings)
    written = commits_per_saga(ids_before, dbstats.write_transactions(settings), sagas)
    parts = [f"{sagas} sagas, write transactions per saga "
             + " ".join(f"{name} {n:.2f}" for name, n in written["per_database"].items())
             + f" (total {written['total']:.2f})"]
    for service, now in after.items():
        delta = {name: now[name] - before[service][name] for name in now}
        parts.append(
            f"{service}: {delta[HANDLED] / max(1.0, delta[CONSUMER_BATCHES]):.2f} events per"
            f" consumer transaction, {delta[RELAY_ROWS] / max(1.0, delta[RELAY_BATCHES]):.2f}"
            f" rows per relay batch, {(delta[CONSUMER_BATCHES] + delta[RELAY_BATCHES]) / sagas:.2f}"
            " batches per saga")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_variant_arguments(parser)
    parser.add_argument("--rate", type=float, default=200.0, help="sagas per second offered")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    variants, order = variants_in_order(parser, args)
    stack = Stack(stack_settings())
    try:
        for name in order:
            restart(stack, variants[name])
            print(f"{name}: {measure(stack.settings, args.rate, args.seconds)}", flush=True)
    finally:
        restart(stack, {})


if __name__ == "__main__":
    main()
