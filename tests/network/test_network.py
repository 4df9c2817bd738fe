"""The network tier: faults on one service's links (Toxiproxy, `up --faulty`) under steady
load, each case ending as tests/network/case.py says: every accepted saga final, the audit
clean, no consumer behind, the outboxes drained, every service ready again; and `/ready`
telling the truth while the fault is on."""

from __future__ import annotations

import time

from sagaline.chaos.load import SagaStream
from sagaline.chaos.network import Network, Toxic
from sagaline.devstack import Stack
from sagaline.devstack.links import db_link, kafka_link
from sagaline.ops import targets
from tests.network.case import SAGA, hold, under_load
from tests.network.observe import UNAVAILABLE

# The first step after the owner: every saga passes through it.
STEP = next(e.consumer for e in SAGA.edges if e.producer == SAGA.owner)
LATENCY_S = 10.0
BLACKHOLE_S = 20.0  # the issue asks 30 s: shortened for the tier's 5 min budget
BANDWIDTH_S = 10.0


def test_300ms_of_latency_on_a_db_link_then_on_its_kafka_link(
        faulty: Stack, network: Network) -> None:
    for link in (db_link(STEP), kafka_link(STEP)):
        with under_load(faulty, f"latency 300±100 ms, {link}", STEP) as (window, probe):
            window.fault = time.time()
            with network.fault(link, Toxic.latency(300, 100)):
                hold(LATENCY_S)
            window.healed = time.time()
        # A slow link is a working link: the service said so throughout.
        assert UNAVAILABLE not in probe.between(window.fault, window.healed)


def test_a_blackholed_db_link_then_kafka_link(faulty: Stack, network: Network) -> None:
    for link in (db_link(STEP), kafka_link(STEP)):
        with under_load(faulty, f"blackhole {BLACKHOLE_S:.0f} s, {link}", STEP) as (
                window, probe):
            window.fault = time.time()
            with network.fault(link, Toxic.timeout(0)):
                hold(BLACKHOLE_S)
            window.healed = time.time()
        said = probe.between(window.fault, window.healed)
        # The truth: not ready while a link is cut (a 503, not a probe left hanging) ...
        assert UNAVAILABLE in said, f"{link} cut, and /ready said {said}"


def test_the_db_link_reset_mid_transaction_again_and_again(
        faulty: Stack, network: Network) -> None:
    link = db_link(STEP)
    with under_load(faulty, f"reset_peer x5, {link}", STEP, rate_per_s=8) as (window, _):
        window.fault = time.time()
        for _ in range(5):
            # Whatever is in flight on the link when it is next used is reset (TCP RST).
            with network.fault(link, Toxic.reset_peer(0)):
                hold(0.5)
            hold(2.0)
        window.healed = time.time()


def test_a_relay_kafka_link_cut_to_10_kb_per_s_under_large_batches(
        faulty: Stack, network: Network) -> None:
    link = kafka_link(SAGA.owner)  # the owner's relay publishes every saga's first event
    owner = targets.base_url(faulty.settings, SAGA, SAGA.owner)
    with under_load(faulty, f"bandwidth 10 KB/s, {link}", SAGA.owner) as (window, _):
        window.fault = time.time()
        with network.fault(link, Toxic.bandwidth(10)):
            burst = SagaStream(owner, 20, SAGA).start()  # the relay's batches fill up
            hold(BANDWIDTH_S)
            window.more_accepted = burst.stop().accepted
        window.healed = time.time()
