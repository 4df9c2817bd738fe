"""The local stack, for real: Kafka in KRaft mode, the topics, a database per service.

The `unit` tests at the end cover the launcher's pure pieces and need nothing running.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from pydantic import ValidationError

from sagaline import saga_choice
from sagaline.devstack import Stack, kafka_config, pgconfig, ports, proc
from sagaline.devstack import status_table as report
from sagaline.devstack.kafka import Kafka
from sagaline.devstack.postgres import Postgres
from sagaline.devstack.services import service_env
from sagaline.ops.kafka_admin import admin_client
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import StackSettings, env_prefix, service_settings

QUORUM_CHECK = """
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.QuorumInfo;

public class QuorumCheck {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        try (Admin admin = Admin.create(props)) {
            QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
            System.out.println("leader=" + quorum.leaderId() + " voters=" + quorum.voters().size());
        }
    }
}
"""


def _client_conf(stack: Stack) -> dict[str, str]:
    s = stack.settings
    return {"bootstrap.servers": s.kafka_bootstrap_servers, **s.kafka_client_config}


def test_every_topic_is_provisioned(stack: Stack) -> None:
    topics = admin_client(stack.settings.kafka_bootstrap_servers).list_topics(timeout=10).topics
    for name in SAGA.topics:
        assert name in topics, name
        assert len(topics[name].partitions) == stack.settings.topic_partitions


@pytest.mark.parametrize("topic", SAGA.topics)
def test_produce_then_consume_through_the_broker(stack: Stack, topic: str) -> None:
    conf = _client_conf(stack)
    consumer = Consumer({**conf, "group.id": f"stack-test-{uuid.uuid4()}",
                         "enable.auto.commit": False})  # fmt: skip
    try:
        _, start = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        value = f"hello {uuid.uuid4()}".encode()
        producer = Producer({**conf, "acks": "all", "enable.idempotence": True})
        producer.produce(topic, value=value, key=b"k", partition=0)
        assert producer.flush(15) == 0
        consumer.assign([TopicPartition(topic, 0, start)])
        msg = consumer.poll(15)
        assert msg is not None and msg.error() is None
        assert (msg.offset(), msg.value()) == (start, value)
    finally:
        consumer.close()


def test_broker_runs_in_kraft_mode(stack: Stack, tmp_path: Path) -> None:
    libs = stack.kafka.jars / "libs"
    if not (libs / ".fetched").exists():
        pytest.skip("Kafka jars not fetched here (external broker)")
    source = tmp_path / "QuorumCheck.java"
    source.write_text(QUORUM_CHECK)
    argv = ["java", "-cp", f"{libs}/*", str(source), stack.settings.kafka_bootstrap_servers]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "leader=1 voters=1" in out.stdout


@pytest.mark.parametrize("name", SAGA.names)
def test_each_database_with_its_own_role(stack: Stack, name: str) -> None:
    dsn = stack.settings.dsn(name)
    target = pgconfig.parse_dsn(dsn)
    note = f"stack-test {uuid.uuid4()}"
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT current_user, current_database()").fetchone() == (
            target.user, target.dbname)  # fmt: skip
        conn.execute("CREATE TABLE IF NOT EXISTS stack_check (note text PRIMARY KEY)")
        conn.execute("INSERT INTO stack_check VALUES (%s)", (note,))
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT note FROM stack_check WHERE note = %s", (note,)).fetchone()
        assert row == (note,)
        settings = [conn.execute(f"SHOW {n}").fetchone() for n in ("fsync", "synchronous_commit")]
        assert settings == [("on",), ("on",)]


def test_postgres_survives_sigkill_and_restarts(stack: Stack) -> None:
    """A row committed before the SIGKILL is there after the restart (crash recovery from
    the WAL). A stack reused from elsewhere is not ours to kill: skipped locally, but under
    CI the run starts its own, so there it fails."""
    last = SAGA.names[-1]
    pg = stack.component(f"postgres-{last}")
    if pg.pid() is None:
        why = "Postgres is not ours to kill (reused external stack)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}: under CI the stack must be the run's own", pytrace=False)
        pytest.skip(why)
    dsn, note = stack.settings.dsn(last), f"sigkill {uuid.uuid4()}"
    with psycopg.connect(dsn) as conn:  # committed when the block ends
        conn.execute("CREATE TABLE IF NOT EXISTS stack_check (note text PRIMARY KEY)")
        conn.execute("INSERT INTO stack_check VALUES (%s)", (note,))
    stack.kill(pg.name)
    assert proc.wait_gone(proc.read_pid(pg.pid_file), 10)
    # A launcher of its own restarts it: the session's records what the session started (and
    # stops at its end), and a reused stack's Postgres is not that.
    Stack(stack.settings).start(pg.name)
    with psycopg.connect(dsn) as conn:
        row = conn.execute("DELETE FROM stack_check WHERE note = %s RETURNING note",
                           (note,)).fetchone()
    assert row == (note,)


def test_status_command_exits_zero(stack: Stack) -> None:
    out = subprocess.run([sys.executable, "-m", "sagaline", "status"], capture_output=True,
                         text=True, timeout=60, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = [line.split()[0] for line in out.stdout.splitlines()[1:]]
    assert rows == [*stack.infra_names, *stack.service_names, "dashboard"]
    assert rows[1:1 + len(SAGA.names)] == [f"postgres-{name}" for name in SAGA.names]


# --- unit: the pure pieces -----------------------------------------------------------------


@pytest.mark.unit
def test_server_properties_is_single_node_kraft(tmp_path: Path) -> None:
    node = kafka_config.Node(1, "127.0.0.1", 9092)
    text = kafka_config.server_properties(node, [node], tmp_path)
    props = dict(line.split("=", 1) for line in text.splitlines())
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["auto.create.topics.enable"] == "false"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["log.dirs"] == str(tmp_path)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("servers", "expected"),
    [("127.0.0.1:9092", ("127.0.0.1", 9092)), ("PLAINTEXT://kafka:29092,b:1", ("kafka", 29092)),
     ("[::1]:9092", ("::1", 9092))],
)  # fmt: skip
def test_parse_bootstrap(servers: str, expected: tuple[str, int]) -> None:
    assert kafka_config.parse_bootstrap(servers) == expected


@pytest.mark.unit
def test_parse_java_major() -> None:
    assert kafka_config.parse_java_major('openjdk version "17.0.15" 2025-04-15') == 17
    assert kafka_config.parse_java_major('java version "1.8.0_392"') == 8
    assert kafka_config.parse_java_major("nonsense") is None


@pytest.mark.unit
def test_cluster_id_looks_like_kafka_uuid() -> None:
    ids = [kafka_config.new_cluster_id() for _ in range(500)]
    assert all(len(cid) == 22 and "=" not in cid and cid[0] != "-" for cid in ids)


@pytest.mark.unit
def test_parse_dsn_uri_and_keywords() -> None:
    uri = pgconfig.parse_dsn("postgresql://order_user:order_pass@127.0.0.1:5433/order_db")
    assert uri == pgconfig.DbTarget("127.0.0.1", 5433, "order_db", "order_user", "order_pass")
    kv = pgconfig.parse_dsn("host=db.example.com dbname=x user=u password=p")
    assert (kv.host, kv.port, kv.dbname) == ("db.example.com", 5432, "x")


@pytest.mark.unit
def test_postgres_config_keeps_durability_and_scram() -> None:
    conf = pgconfig.server_conf(5433, Path("/s"))
    assert "fsync = on" in conf and "synchronous_commit = on" in conf
    assert "port = 5433" in conf and "listen_addresses = '127.0.0.1'" in conf
    hba = pgconfig.hba_conf("postgres")
    assert "127.0.0.1/32  scram-sha-256" in hba and "trust" not in hba


@pytest.mark.unit
def test_long_home_gets_a_short_socket_dir() -> None:
    assert pgconfig.socket_dir_for(Path("/x"), 5433) == Path("/x/run")
    long_dir = pgconfig.socket_dir_for(Path("/" + "a" * 120), 5433)
    assert len(str(long_dir)) < 60


@pytest.mark.unit
def test_port_owner_names_the_listening_process() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        owner = ports.port_owner(port)
        assert owner is not None and f"pid {os.getpid()}" in owner
    msg = ports.port_taken_message("kafka", 9092, "java (pid 7)")
    assert msg == "kafka: port 9092 is already in use by java (pid 7); stop it or change the port."


@pytest.mark.unit
def test_remote_addresses_are_external_and_never_started(tmp_path: Path) -> None:
    pg = Postgres("order", tmp_path, "postgresql://u:p@db.example.com:5432/x")
    kafka = Kafka(tmp_path, "broker.example.com:9092", {})
    assert pg.external and kafka.external
    assert not pg.start() and not kafka.start()
    assert not Postgres("order", tmp_path, "postgresql://u:p@localhost:6000/x").external


@pytest.mark.unit
@pytest.mark.parametrize("name", SAGA.names)
def test_a_service_reads_what_the_launcher_gives_it_and_no_other_dsn(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        monkeypatch.delenv(key)
    stack = StackSettings(kafka_bootstrap_servers="h1:1,h2:2",
                          kafka_client_config={"client.id": "x"},
                          ).with_services(http_ports={SAGA.names[0]: 4101})
    env = service_env(name, stack, saga_choice.DEFAULT)
    assert [k for k in env if k.endswith("_DB_DSN")] == [f"{env_prefix(name)}_DB_DSN"]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = service_settings(SAGA, name)()
    assert settings.db_dsn == stack.dsn(name)
    assert settings.http_port == stack.http_port(name)
    assert settings.kafka_bootstrap_servers == "h1:1,h2:2"
    assert settings.kafka_client_config == {"client.id": "x"}


@pytest.mark.unit
@pytest.mark.parametrize("name", SAGA.names)
def test_a_service_without_its_dsn_says_which_variable_is_missing(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(f"{env_prefix(name)}_DB_DSN", raising=False)
    with pytest.raises(ValidationError, match=f"{env_prefix(name)}_DB_DSN"):
        service_settings(SAGA, name)()


@pytest.mark.unit
def test_status_table_has_a_row_per_component(tmp_path: Path) -> None:
    stack = Stack(StackSettings(stack_dir=tmp_path))
    lines = report.table(stack.status()).splitlines()
    assert len(lines) == 1 + 1 + 2 * len(SAGA.names) + 1  # Kafka, Postgres and service each
    assert lines[1].split()[:2] == ["kafka", "stopped"] or "running" in lines[1]
