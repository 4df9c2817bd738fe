"""The bootstrap brokers the cluster still counts, for a client replacing a stranded one.

librdkafka asks the broker it used last for metadata and for its group's coordinator. A
broker cut off from the controller quorum but not from its clients answers from the metadata
it had when it was cut off: it still names itself leader and coordinator after the quorum has
fenced it and moved both. A consumer bound to it keeps rejoining a coordinator that cannot
write and gets no partitions until the link heals (the network tier's quorum case).

The quorum's brokers leave a fenced broker out of the broker list they answer with; the
cut-off one lists everybody. So the bootstrap brokers are asked, each through a client of its
own, for that list, and a broker that any answer leaves out is left out of the new client's
bootstrap: the client learns the cluster from a broker that knows it, and meets the other again
in the metadata once the quorum counts it. (librdkafka does not say reliably which broker
answered a request: the answers are compared, not their senders.) With one bootstrap address
(one broker, or one name in front of them all) there is nothing to leave out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from sagaline.core.kafka.offsets import admin_config

log = logging.getLogger(__name__)
ASK_TIMEOUT_S = 3.0  # the brokers are asked at once: this bounds the whole


def counted_bootstrap(config: Mapping[str, Any], topic: str) -> dict[str, Any] | None:
    """`config` with its bootstrap servers narrowed to the brokers every answer counts;
    None when no answer leaves one out (a new client would start where the old one did)."""
    servers = _servers(config)
    if len(servers) < 2:
        return None
    with ThreadPoolExecutor(len(servers)) as pool:
        asked = list(pool.map(lambda server: _ask(config, server, topic), servers))
    kept = counted(servers, [a for a in asked if a is not None])
    if not kept or kept == servers:
        return None
    log.warning("kafka: leaving %s out of a new client's bootstrap: the cluster does not "
                "count it", ", ".join(s for s in servers if s not in kept))
    return {**config, "bootstrap.servers": ",".join(kept)}


def counted(servers: list[str], answers: list[dict[int, str]]) -> list[str]:
    """The servers not left out of any answer (each: broker id -> its address). A server
    no answer names (a name in front of the brokers) is kept."""
    if not answers:
        return servers
    everywhere = set.intersection(*(set(a) for a in answers))
    left_out = {address for a in answers for node, address in a.items()
                if node not in everywhere}
    return [s for s in servers if s not in left_out]


def _servers(config: Mapping[str, Any]) -> list[str]:
    return [s.strip() for s in str(config["bootstrap.servers"]).split(",") if s.strip()]


def _ask(config: Mapping[str, Any], server: str, topic: str) -> dict[int, str] | None:
    admin = AdminClient({**admin_config(config), "bootstrap.servers": server})
    try:
        meta = admin.list_topics(topic=topic, timeout=ASK_TIMEOUT_S)
    except KafkaException as exc:
        log.info("kafka: %s did not say which brokers the cluster counts: %s", server, exc)
        return None
    return {int(node): f"{b.host}:{b.port}" for node, b in meta.brokers.items()}
