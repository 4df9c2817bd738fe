"""The local stack and the tools' settings follow the declaration: a small saga declared here
(two services, one with a dash in its name, its own ports) gets a Postgres server, a role, a
database, a port and a process per service, its Kafka users, and its choice passed on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from sagaline import saga_choice
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.saga import Saga, SagaStart, Service, Topic
from sagaline.core.status_machine import StatusMachine
from sagaline.devstack import Stack
from sagaline.devstack.postgres import Postgres
from sagaline.devstack.services import Service as ServiceProcess
from sagaline.devstack.services import service_env
from sagaline.devstack.shape import Shape
from sagaline.seed_saga.saga import SAGA as SEED
from sagaline.settings import (
    ServiceSettings,
    StackSettings,
    SystemSettings,
    env_prefix,
    service_settings,
)

pytestmark = pytest.mark.unit
REF = f"{__name__}:TINY"
SRC = Path(saga_choice.__file__).resolve().parents[1]  # this checkout's src/


class Asked(BaseModel):
    orderId: str


class Answered(BaseModel):
    orderId: str


ASKED = Topic("tiny.asked", Asked)
ANSWERED = Topic("tiny.answered", Answered)


def handle(event: Envelope, uow: Any) -> None:
    """Never run here: the stack only needs the declaration."""


def step(name: str, consumes: Topic[Any], produces: Topic[Any]) -> Service[Any]:
    return Service[Any](name=name, package=__name__, consumer_group=f"{name}-group",
                        consumes={consumes: handle}, produces=(produces,),
                        settings=ServiceSettings, parts=lambda *args, **kwargs: None,
                        start=SagaStart("/asks", "orderId", "order_id", lambda user: {}))


TINY = Saga(
    name="tiny",
    services=(step("front", ANSWERED, ASKED), step("back-office", ASKED, ANSWERED)),
    statuses=StatusMachine(initial="ASKED", final=("ANSWERED",),
                           waits_on={"ASKED": "back-office"},
                           table={("ASKED", ANSWERED): "ANSWERED"}),
    owner="front", first_port=4701, first_db_port=5701)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DSN, port, saga or stack dir of the machine running the tests."""
    for key in list(os.environ):
        if key.endswith(("_DB_DSN", "_HTTP_PORT")) or key in (saga_choice.ENV, "STACK_DIR",
                                                              "ADMIN_API_KEY"):
            monkeypatch.delenv(key)


@pytest.fixture
def tiny(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> Saga:
    monkeypatch.setenv(saga_choice.ENV, REF)
    return saga_choice.load()


def local(stack_dir: Path) -> StackSettings:
    return StackSettings(stack_dir=stack_dir, kafka_bootstrap_servers="127.0.0.1:9092")


def test_the_tools_find_each_service_on_the_local_stack_by_its_place(tiny: Saga) -> None:
    s = SystemSettings()
    assert s.dsn("front") == "postgresql://front_user:front_pass@127.0.0.1:5701/front_db"
    assert s.dsn("back-office") == (
        "postgresql://back_office_user:back_office_pass@127.0.0.1:5702/back_office_db")
    assert [s.http_port(n) for n in tiny.names] == [4701, 4702]
    with pytest.raises(KeyError, match="no service 'nobody'"):
        s.dsn("nobody")


def test_the_seeds_credentials_and_ports_are_what_they_were(clean_env: None) -> None:
    s = SystemSettings()
    for place, name in enumerate(SEED.names):
        assert s.dsn(name) == (f"postgresql://{name}_user:{name}_pass@127.0.0.1:"
                               f"{5433 + place}/{name}_db")
        assert s.http_port(name) == 4001 + place


def test_the_environment_and_keywords_name_a_service_by_its_prefix(
        tiny: Saga, monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_prefix("back-office") == "BACK_OFFICE"
    monkeypatch.setenv("BACK_OFFICE_DB_DSN", "postgresql://u:p@db.example:5432/b")
    monkeypatch.setenv("BACK_OFFICE_HTTP_PORT", "4900")
    monkeypatch.setenv("FRONT_HTTP_PORT", "4901")
    s = SystemSettings(front_http_port=4800)  # a keyword wins over the environment
    assert (s.dsn("back-office"), s.http_port("back-office")) == (
        "postgresql://u:p@db.example:5432/b", 4900)
    assert s.http_port("front") == 4800
    monkeypatch.setenv("SOMETHING_ELSE_HTTP_PORT", "tcp://10.0.0.1:80")  # not ours: ignored
    with pytest.raises(ValueError, match="FRONT_HTTP_PORT=x: not a TCP port"):
        SystemSettings(front_http_port="x").http_port("front")


def test_only_the_local_stack_has_an_admin_key_by_default(
        tiny: Saga, monkeypatch: pytest.MonkeyPatch) -> None:
    assert SystemSettings().admin_headers() == {}
    assert StackSettings().admin_headers()
    monkeypatch.setenv("FRONT_DB_DSN", "postgresql://u:p@h/d")
    assert service_settings(tiny, "front")().admin_api_keys == []


def test_the_stack_has_a_server_and_a_process_per_declared_service(
        tiny: Saga, tmp_path: Path) -> None:
    stack = Stack(local(tmp_path))
    assert stack.infra_names == ["kafka", *(f"postgres-{n}" for n in tiny.names)]
    assert [(p.port, p.target.user, p.target.dbname) for p in stack.postgres
            if isinstance(p, Postgres)] == [(5701, "front_user", "front_db"),
                                            (5702, "back_office_user", "back_office_db")]
    assert stack.service_names == list(tiny.names)
    assert [(s.argv, s.port) for s in stack.services] == [
        (["sagaline", "serve", n], tiny.http_port(n)) for n in tiny.names]
    assert len(stack.status()) == 1 + 2 * len(tiny.names) + 1  # Kafka, ..., the dashboard


def test_a_service_is_told_the_saga_and_only_its_own_database(
        tiny: Saga, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = Stack(local(tmp_path))
    env = service_env("back-office", stack.settings, REF)
    assert env[saga_choice.ENV] == REF
    assert [k for k in env if k.endswith("_DB_DSN")] == ["BACK_OFFICE_DB_DSN"]
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = service_settings(tiny, "back-office")()
    assert (settings.db_dsn, settings.http_port) == (
        stack.settings.dsn("back-office"), 4702)


def test_the_dashboard_reads_every_declared_service(tiny: Saga, tmp_path: Path) -> None:
    env = Stack(local(tmp_path)).dashboard.environment()
    assert env[saga_choice.ENV] == REF
    assert {k for k in env if k.endswith("_DB_DSN")} == {"FRONT_DB_DSN", "BACK_OFFICE_DB_DSN"}
    assert env["BACK_OFFICE_HTTP_PORT"] == "4702"


def test_the_stacks_dashboard_holds_the_admin_key_the_services_accept(
        tiny: Saga, tmp_path: Path) -> None:
    stack = Stack(local(tmp_path))  # to act on them (issue 25): its login takes that key
    key = stack.settings.admin_api_key.get_secret_value()
    assert key and stack.dashboard.environment()["ADMIN_API_KEY"] == key


def test_up_records_the_saga_and_later_commands_find_it(
        tiny: Saga, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Stack(local(tmp_path), shape=Shape()).record_shape()  # as `up --saga` does
    monkeypatch.delenv(saga_choice.ENV)
    later = Stack(local(tmp_path))  # `status`, `down`: no --saga
    assert later.saga is tiny and later.service_names == list(tiny.names)
    assert all(isinstance(s, ServiceProcess) and s.saga == REF for s in later.services)
    monkeypatch.setenv(saga_choice.ENV, saga_choice.DEFAULT)  # chosen explicitly: it wins
    assert Stack(local(tmp_path)).saga is SEED


def test_a_secure_stack_has_a_kafka_user_per_declared_service(
        tiny: Saga, tmp_path: Path) -> None:
    stack = Stack(local(tmp_path), shape=Shape(secure=True))
    configs = stack.settings.kafka_service_configs
    assert {name: c["sasl.username"] for name, c in configs.items()} == {
        n: n for n in tiny.names}
    assert stack.settings.kafka_client_config["sasl.username"] == "admin"


def sagaline(*args: str, stack_dir: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, from the checkout's root (where `tests` imports)."""
    env = {k: v for k, v in os.environ.items() if k != saga_choice.ENV}
    env.update(PYTHONPATH=str(SRC), STACK_DIR=str(stack_dir), COLUMNS="300")  # unwrapped
    return subprocess.run([sys.executable, "-m", "sagaline", *args], cwd=SRC.parent, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_status_shows_the_components_of_the_saga_named(tmp_path: Path) -> None:
    out = sagaline("status", "--saga", REF, stack_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    rows = [line.split()[0] for line in out.stdout.splitlines()[1:]]
    assert rows == ["kafka", "postgres-front", "postgres-back-office", "front", "back-office",
                    "dashboard"]
    assert "127.0.0.1:5702/back_office_db" in out.stdout


@pytest.mark.parametrize("command", [["check"], ["dlq", "list", "front"], ["migrate"],
                                     ["topics"], ["down"], ["dashboard"], ["bench"]])
def test_commands_take_the_saga_and_refuse_one_that_is_not(
        command: list[str], tmp_path: Path) -> None:
    out = sagaline(*command, "--saga", "no_such_module:SAGA", stack_dir=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "cannot import no_such_module" in out.stderr
