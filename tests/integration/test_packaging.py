"""The package as users install it: a wheel in a fresh virtual environment (not editable),
run from a directory outside the checkout.

- A user's saga in the user's own project: from an empty directory, `sagaline fetch`, `up
  --saga mysaga:SAGA --detach`, `status` and `down` on a saga declared there (a copy of the
  seed's declaration module, on ports of its own so that it runs beside the session's stack);
  an order placed on it is confirmed.
- Each service (`sagaline serve NAME`) and `topic-init` started with exactly the environment
  docker-compose.yml gives its container, against the session's stack: a saga runs through
  them, and the compose health checks pass with the runtime dependencies alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from sagaline.devstack import Stack
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import env_prefix
from tests import compose_env

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
# What a compose user sets (docker-compose.yml refuses to start without it); the services
# then require the key (X-API-Key) on every route but health and metrics.
CLIENT_KEY = "packaging-client-key"
COMPOSE_SHELL = {"API_KEYS": CLIENT_KEY}
# The user's stack: its Kafka, dashboard, first service and first Postgres ports.
USER_KAFKA, USER_DASHBOARD, USER_HTTP, USER_DB = 9292, 4200, 4201, 5633
# A copy of the seed's declaration module (its steps imported from the package), with ports
# of its own taken from its place in the order: it runs beside the session's stack.
MYSAGA = (ROOT / "src" / "sagaline" / "seed_saga" / "saga.py").read_text() + f"""
import dataclasses

SAGA = dataclasses.replace(
    SAGA, name="mysaga", first_port={USER_HTTP}, first_db_port={USER_DB},
    services=tuple(dataclasses.replace(s, http_port=None) for s in SAGA.services))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy: a build in the checkout would leave build/ behind
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, source / part)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(source)])
    (built,) = work.glob("sagaline-*.whl")
    return built


def venv_with(wheel: Path, where: Path, extras: str = "") -> Path:
    """python of a fresh venv holding the wheel (with `extras`) and its dependencies."""
    run([sys.executable, "-m", "venv", str(where)])
    python = where / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", f"{wheel}{extras}"])
    return python


@pytest.fixture(scope="module")
def runtime_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The runtime dependencies alone: what the image holds."""
    return venv_with(wheel, tmp_path_factory.mktemp("runtime") / "venv")


@pytest.fixture(scope="module")
def stack_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """With the `stack` extra: what a user running the local stack installs."""
    return venv_with(wheel, tmp_path_factory.mktemp("stack") / "venv", "[stack]")


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False,
                          **kwargs)
    assert done.returncode == 0, f"{argv}: {done.stdout}\n{done.stderr}"
    return done


# --- a user's saga in the user's own project -------------------------------------------------


def user_env() -> dict[str, str]:
    """A user's shell: nothing of this checkout or of the session's stack (no PYTHONPATH, no
    DSN, no STACK_DIR); Kafka and the dashboard on ports of their own."""
    kept = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "XDG_CACHE_HOME",
                                                          "LANG", "JAVA_HOME", "M2_HOME")}
    return {**kept, "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{USER_KAFKA}",
            "DASHBOARD_PORT": str(USER_DASHBOARD), "COLUMNS": "300"}


def status_rows(out: str) -> dict[str, str]:
    return dict(line.split()[:2] for line in out.splitlines()[1:])


@pytest.mark.timeout(900)
def test_a_users_saga_runs_from_their_own_project(stack_python: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "mysaga.py").write_text(MYSAGA)

    def sagaline(*args: str) -> subprocess.CompletedProcess[str]:
        return run([str(stack_python), "-m", "sagaline", *args], cwd=project, env=user_env())

    fetched = sagaline("fetch").stderr
    assert "sagaline/kafka-" in fetched and str(ROOT) not in fetched, fetched
    components = ["kafka", *(f"postgres-{n}" for n in SAGA.names), *SAGA.names, "dashboard"]
    try:
        sagaline("up", "--saga", "mysaga:SAGA", "--detach")
        status = sagaline("status").stdout  # no --saga: the one `up` recorded
        assert status_rows(status) == dict.fromkeys(components, "running"), status
        assert f"127.0.0.1:{USER_DB + len(SAGA.names) - 1}/" in status
        assert place_and_confirm(str(USER_HTTP + SAGA.names.index(SAGA.owner)))
    finally:
        sagaline("down")
    assert status_rows(sagaline("status").stdout) == dict.fromkeys(components, "stopped")
    assert not (project / "stack").exists()  # the jars went to the user's cache


# --- the compose environments ----------------------------------------------------------------


def compose_environment(name: str) -> dict[str, str]:
    """A compose service's `environment` as `docker compose up` gives it from a shell that
    sets only the keys compose requires (API_KEYS): every other variable at its default."""
    spec = yaml.safe_load(COMPOSE.read_text())["services"][name]
    return compose_env.environment(spec.get("environment", {}), COMPOSE_SHELL)


def on_this_host(env: dict[str, str], stack: Stack) -> dict[str, str]:
    """Compose's network names, mapped to where the local stack serves the same things."""
    s = stack.settings
    hosts = {"kafka:29092": s.kafka_bootstrap_servers, "0.0.0.0": "127.0.0.1"}
    for name in SAGA.names:
        local = s.dsn(name).split("@", 1)[1].split("/", 1)[0]  # host:port of the local server
        hosts[f"postgres-{name}:5432"] = local
    mapped = {}
    for key, value in env.items():
        for compose_name, local in hosts.items():
            value = value.replace(compose_name, local)
        mapped[key] = value
    return mapped


@pytest.fixture
def bare_dir(tmp_path: Path) -> Path:
    """A working directory with nothing in it: no .env, no saga."""
    return tmp_path


@pytest.fixture
def stack_without_its_services(stack: Stack) -> Iterator[Stack]:
    """The infrastructure alone (the compose-started services take the ports); the services
    that ran before are started again afterwards."""
    running = [name for name in stack.service_names if stack.component(name).running()]
    for name in reversed(running):
        stack.stop(name)
    yield stack
    for name in running:
        stack.start(name)


def container_env(name: str, stack: Stack) -> dict[str, str]:
    # The image's own ENV (Dockerfile), then what compose gives the container.
    image = {"PATH": os.environ["PATH"], "PYTHONUNBUFFERED": "1", "HTTP_HOST": "127.0.0.1"}
    return {**image, **on_this_host(compose_environment(name), stack)}


def test_compose_environments_run_a_saga_from_the_wheel(
        runtime_python: Path, bare_dir: Path, stack_without_its_services: Stack) -> None:
    stack = stack_without_its_services
    run([str(runtime_python), "-m", "sagaline", "topics"], cwd=bare_dir,
        env=container_env("topic-init", stack))
    processes = [start_service(runtime_python, name, bare_dir, stack) for name in SAGA.names]
    try:
        for name, process in zip(SAGA.names, processes, strict=True):
            wait_healthy(runtime_python, name, bare_dir, stack, process)
        owner = container_env(SAGA.owner, stack)
        assert place_and_confirm(owner[f"{env_prefix(SAGA.owner)}_HTTP_PORT"])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


def start_service(python: Path, name: str, cwd: Path, stack: Stack) -> subprocess.Popen[bytes]:
    """The service as its compose container starts it (its `command`), on the wheel's python."""
    command = yaml.safe_load(COMPOSE.read_text())["services"][name]["command"]
    assert command[0] == "python", command
    log = (cwd / f"{name}.log").open("wb")
    return subprocess.Popen([str(python), *command[1:]], cwd=cwd,
                            env=container_env(name, stack), stdout=log,
                            stderr=subprocess.STDOUT)


def healthcheck_argv(name: str) -> list[str]:
    """The compose health check's command, as the container would run it."""
    spec = yaml.safe_load(COMPOSE.read_text())["services"][name]
    anchor = yaml.safe_load(COMPOSE.read_text())["x-service"]
    test = (spec.get("healthcheck") or anchor["healthcheck"])["test"]
    assert test[0] == "CMD", test
    return list(test[1:])


def wait_healthy(python: Path, name: str, cwd: Path, stack: Stack,
                 process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    argv = healthcheck_argv(name)
    argv[0] = str(python) if argv[0] == "python" else argv[0]
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, (cwd / f"{name}.log").read_text()[-3000:]
        check = subprocess.run(argv, cwd=cwd, env=container_env(name, stack),
                               capture_output=True, check=False)
        if check.returncode == 0:
            return
        assert time.monotonic() < deadline, f"{name} not healthy: {check.stderr!r}"
        time.sleep(0.5)


def place_and_confirm(port: str, timeout_s: float = 30) -> bool:
    """An order placed at the seed's order API ends CONFIRMED. The compose environments'
    key goes with every request (the local stack, which requires none, ignores it)."""
    base = f"http://127.0.0.1:{port}"
    key = {"X-API-Key": CLIENT_KEY}
    answer = httpx.post(f"{base}/orders", headers=key, json={
        "userId": "wheel-user", "totalAmount": 5, "items": [{"sku": "SKU-1", "quantity": 1}]})
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["orderId"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if httpx.get(f"{base}/orders/{order_id}", headers=key).json()["status"] == "CONFIRMED":
            return True
        time.sleep(0.2)
    return False
