"""The local Kafka broker: Apache Kafka's own jars from Maven Central, KRaft, one JVM."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from sagaline.devstack import kafka_config, kafka_secure, links, proc
from sagaline.devstack.component import Component
from sagaline.devstack.errors import StackError
from sagaline.devstack.kafka_jars import default_home, ensure_jars
from sagaline.devstack.private import private_dir, write_private
from sagaline.devstack.quorum_links import QuorumLinks
from sagaline.devstack.topics import broker_ready

CLUSTER_FORMING_TIMEOUT_S = 60.0

MIN_JAVA = 17


def check_java() -> None:
    """StackError unless `java` >= 17 is on PATH."""
    if shutil.which("java") is None:
        raise StackError(f"java not found on PATH: install a JDK {MIN_JAVA}+ (Kafka needs it).")
    out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    major = kafka_config.parse_java_major(out.stderr + out.stdout)
    if major is None or major < MIN_JAVA:
        raise StackError(f"java {major or '?'} found, Kafka needs {MIN_JAVA}+ (`java -version`).")


class Kafka(Component):
    """One KRaft node (broker and controller in one JVM); its controller listens on port+1.

    Alone it is the component "kafka"; in a quorum of three, "kafka-1" to "kafka-3", formatted
    with one cluster id kept in the stack dir.
    """

    stop_timeout = 30.0
    ready_timeout = 90.0

    def __init__(self, stack_dir: Path, bootstrap: str, client_config: dict[str, str],
                 node: kafka_config.Node | None = None,
                 voters: list[kafka_config.Node] | None = None,
                 users: dict[str, str] | None = None, jars: Path | None = None,
                 service_listeners: list[links.Listener] | None = None,
                 quorum_links: QuorumLinks | None = None) -> None:
        """`users`: SCRAM users and their passwords (a secure node: kafka_secure.py).
        `jars`: where Kafka's jars are fetched (kafka_jars; None: the user's cache).
        `service_listeners`: a listener per service (the faulty stack: links.py);
        `quorum_links`: the links between nodes through proxies (the faulty cluster)."""
        if node is None:
            host, port = kafka_config.parse_bootstrap(bootstrap)
            node = kafka_config.Node(1, host, port)
        self.voters = voters or [node]
        name = "kafka" if len(self.voters) == 1 else f"kafka-{node.node_id}"
        super().__init__(name, stack_dir / name, node.host, node.port)
        self.node = node
        self.stack_dir = stack_dir
        # Ready means this node answers; alone, or outside this machine, the whole list.
        self.bootstrap = (bootstrap if self.external or len(self.voters) == 1
                          else f"{node.host}:{node.port}")
        self.client_config = client_config
        self.controller_port = node.controller_port
        self.users = users
        self.jars = jars or default_home()
        self.service_listeners = service_listeners or []
        self.quorum_links = quorum_links

    @property
    def address(self) -> str:
        return (
            self.bootstrap
            if self.external
            else f"{self.host}:{self.port} (controller :{self.controller_port})"
        )

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def ports(self) -> tuple[int, ...]:
        between = self.quorum_links.ports(self.node.node_id) if self.quorum_links else ()
        return (self.port, self.controller_port, *(x.port for x in self.service_listeners),
                *between)

    @property
    def config_file(self) -> Path:
        return self.home / "server.properties"

    def ready(self) -> bool:
        return broker_ready(self.bootstrap, self.client_config)

    def _launch(self) -> subprocess.Popen[bytes]:
        check_java()
        libs = ensure_jars(self.jars)
        self._write_config()
        self._format(libs)
        log4j = self.home / "log4j2.properties"
        log4j.write_text(kafka_config.log4j2_properties(self.log_file))
        argv = [
            "java",
            "-Xmx512m",
            "-Xms512m",
            "-XX:+UseG1GC",
            "-XX:-UsePerfData",  # no hsperfdata file sampled every 50 ms (jps/jstat not needed)
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            f"{libs}/*",
            "kafka.Kafka",
            str(self.config_file),
        ]
        return proc.spawn(argv, self.log_file, cwd=self.home)

    def _write_config(self) -> None:
        def local(node: kafka_config.Node) -> kafka_config.Node:
            host = "127.0.0.1" if node.host in ("localhost", "0.0.0.0", "") else node.host
            return kafka_config.Node(node.node_id, host, node.port)

        me = local(self.node)
        overrides = None if self.users is None else kafka_secure.broker_properties(
            me.host, me.port, me.controller_port, self.users[kafka_secure.ADMIN])
        if self.service_listeners:
            overrides = links.broker_properties(me.host, me.port, me.controller_port,
                                                self.service_listeners)
        if self.quorum_links:
            overrides = self.quorum_links.properties(me)
        text = kafka_config.server_properties(me, [local(v) for v in self.voters],
                                              self.data_dir, overrides)
        # The admin's password is in it (secure): its dir and it are the owner's alone.
        private_dir(self.home)
        write_private(self.config_file, text)

    def _cluster_id(self) -> str:
        """Alone: a fresh id. In a quorum: the one id every node is formatted with."""
        if len(self.voters) == 1:
            return kafka_config.new_cluster_id()
        path = self.stack_dir / "kafka-cluster-id"
        if not path.exists():
            self.stack_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(kafka_config.new_cluster_id() + "\n")
        return path.read_text().strip()

    def _format(self, libs: Path) -> None:
        """Format the log dir with Kafka's StorageTool once (skipped if meta.properties exists).

        Its arguments, the users' SCRAM passwords among them, go in an @argfile the `java`
        launcher reads (0600, deleted after): a command line is every local user's to read."""
        if (self.data_dir / "meta.properties").exists():
            return
        argfile = self.home / "format.args"
        write_private(argfile, kafka_config.java_argfile([
            "kafka.tools.StorageTool", "format", "-t", self._cluster_id(),
            "-c", str(self.config_file), "--ignore-formatted",
            *kafka_secure.scram_arguments(self.users or {})]))
        try:
            argv = ["java", "-cp", f"{libs}/*", f"@{argfile}"]
            out = subprocess.run(argv, capture_output=True, text=True, check=False)
        finally:
            argfile.unlink(missing_ok=True)
        if out.returncode != 0:
            raise StackError("formatting Kafka storage failed", (out.stdout + out.stderr)[-3000:])


def wait_for_brokers(bootstrap: str, extra: dict[str, str], count: int,
                     timeout_s: float = CLUSTER_FORMING_TIMEOUT_S) -> None:
    """Until `count` brokers have registered with the quorum (topics at replication factor
    `count` cannot be created before)."""
    client = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0, **extra})
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if len(client.list_topics(timeout=2).brokers) >= count:
                return
        except KafkaException:
            pass
        if time.monotonic() > deadline:
            raise StackError(f"fewer than {count} Kafka brokers registered after "
                             f"{timeout_s:.0f} s (see .stack/kafka-*/kafka-*.log)")
        time.sleep(0.5)
