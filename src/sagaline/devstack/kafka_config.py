"""Pure text generation for the local broker: server.properties, log4j2 config, the format
tool's argfile, cluster id."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from pathlib import Path


def parse_bootstrap(servers: str) -> tuple[str, int]:
    """Host and port of the first entry of a bootstrap list like 'h1:9092,h2:9092'."""
    return parse_bootstrap_list(servers)[0]


def parse_bootstrap_list(servers: str) -> list[tuple[str, int]]:
    """Host and port of every entry of a bootstrap list like 'h1:9092,h2:9092'."""
    out = []
    for entry in filter(None, (part.strip() for part in servers.split(","))):
        entry = re.sub(r"^[A-Za-z_]+://", "", entry)
        host, sep, port = entry.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"not host:port: {entry!r}")
        out.append((host.strip("[]"), int(port)))
    if not out:
        raise ValueError("an empty list of bootstrap servers")
    return out


@dataclass(frozen=True)
class Node:
    """One KRaft node of the local stack: broker and controller in one JVM."""

    node_id: int
    host: str
    port: int

    @property
    def controller_port(self) -> int:
        return self.port + 1


def server_properties(node: Node, voters: list[Node], log_dir: Path,
                      overrides: dict[str, str] | None = None) -> str:
    """A KRaft broker+controller. Alone: replication factor 1. In a quorum of three: every
    topic at factor 3 with two copies required (min.insync.replicas=2), no unclean leader,
    and a dead broker fenced after 6 s, before the producers' 10 s message timeout.
    `overrides` replace or add properties (the secure listeners: stack/kafka_secure.py)."""
    host, port, controller_port = node.host, node.port, node.controller_port
    copies, required = ("3", "2") if len(voters) > 1 else ("1", "1")
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node.node_id),
        "controller.quorum.voters": ",".join(
            f"{v.node_id}@{v.host}:{v.controller_port}" for v in voters),
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(log_dir),
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": copies,
        "offsets.topic.replication.factor": copies,
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": copies,
        "transaction.state.log.min.isr": required,
        "share.coordinator.state.topic.replication.factor": copies,
        "share.coordinator.state.topic.min.isr": required,
        "min.insync.replicas": required,
        "unclean.leader.election.enable": "false",
        "broker.session.timeout.ms": "6000",
        "broker.heartbeat.interval.ms": "2000",
        # The active controller writes a no-op record this often so the brokers see the
        # metadata log move (default 500 ms): each wakes every broker's metadata fetcher.
        "metadata.max.idle.interval.ms": "5000",
        "group.initial.rebalance.delay.ms": "0",
        # Sized for a small machine shared with everything else (defaults: 3 and 8).
        "num.network.threads": "2",
        "num.io.threads": "2",
        **(overrides or {}),
    }
    return "".join(f"{key}={value}\n" for key, value in props.items())


def log4j2_properties(log_file: Path) -> str:
    """log4j2 config sending every broker log line to `log_file`."""
    return "\n".join(
        [
            "status = warn",
            "shutdownHook = disable",  # keep logging through the broker's own shutdown
            "appender.file.type = File",
            "appender.file.name = FILE",
            f"appender.file.fileName = {log_file}",
            "appender.file.append = true",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = FILE",
            "logger.state.name = state.change.logger",
            "logger.state.level = WARN",
            "",
        ]
    )


def java_argfile(args: list[str]) -> str:
    """An @argfile for the `java` launcher: one double-quoted argument a line (a path with a
    space stays one argument; backslash and quote escaped as its syntax wants)."""
    def quoted(arg: str) -> str:
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "".join(f"{quoted(arg)}\n" for arg in args)


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (as Uuid prints).

    Like Kafka's Uuid.randomUuid, never one starting with '-' (a command line reads it as a flag).
    """
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def parse_java_major(version_output: str) -> int | None:
    """Major version from `java -version` output ('1.8.0_x' -> 8, '17.0.15' -> 17)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major
