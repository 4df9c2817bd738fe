"""The network tier on three Kafka nodes (`up --faulty --brokers 3`): the links between the
nodes faulted while the services still reach every node directly."""

from __future__ import annotations

import time

from sagaline.chaos.network import Network, Toxic
from sagaline.devstack import Stack
from sagaline.devstack.quorum_links import controller_links, links_of
from tests.cluster.kafka_state import leaders, wait_fully_replicated
from tests.network.case import SAGA, hold, under_load

STEP = next(e.consumer for e in SAGA.edges if e.producer == SAGA.owner)
CUT_OFF_S = 40.0
# Its heartbeats lost, the cut-off node is fenced after 6 s (broker.session.timeout.ms) and
# its partitions and groups get new leaders among the other two. A client that keeps asking
# the cut-off node (librdkafka asks the broker it used last) is stranded and replaced after
# 10 s more (quorum_view.STRANDED_S), then joins: by 25 s sagas flow again.
FAILOVER_S = 25.0
SLOW_S = 10.0


def test_a_broker_cut_off_from_the_other_two_then_healed(
        faulty_cluster: Stack, cluster_network: Network) -> None:
    node = leaders(faulty_cluster).most_common(1)[0][0]  # the one leading most partitions
    cut = links_of(node, len(faulty_cluster.kafka_nodes))
    with under_load(faulty_cluster, f"kafka-{node} cut off from the other two",
                    STEP) as (window, _):
        window.fault = time.time()
        for link in cut:
            cluster_network.add(link, Toxic.timeout(0))
        hold(CUT_OFF_S)
        cluster_network.heal()
        window.healed = time.time()
    wait_fully_replicated(faulty_cluster)
    flowed = [s for s in window.sagas if s.took_s is not None
              and window.fault + FAILOVER_S <= s.placed_at
              and s.placed_at + s.took_s < window.healed]
    print(f"sagas placed {FAILOVER_S:.0f} s into the cut-off and final before the heal: "
          f"{len(flowed)}")
    # The quorum moved the node's partitions and groups: sagas must flow before the heal,
    # not wait for it (a consumer stranded on the cut-off coordinator is replaced).
    assert flowed, f"no saga placed {FAILOVER_S:.0f} s into the cut-off finished before the heal"


def test_the_quorum_links_slowed_to_500ms(
        faulty_cluster: Stack, cluster_network: Network) -> None:
    with under_load(faulty_cluster, "controller links +500 ms", STEP) as (window, _):
        window.fault = time.time()
        for link in controller_links(len(faulty_cluster.kafka_nodes)):
            cluster_network.add(link, Toxic.latency(500))
        hold(SLOW_S)
        cluster_network.heal()
        window.healed = time.time()
    wait_fully_replicated(faulty_cluster)
