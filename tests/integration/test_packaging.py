"""The package as users deploy it: a wheel in a fresh virtual environment (not editable), each
service and `topic-init` started with exactly the environment docker-compose.yml gives its
container, from a directory without `stack/local.env`, against the local stack. A saga runs
through them, and the compose health checks pass with the runtime dependencies alone."""

from __future__ import annotations

import os
import re
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

from sagaline import saga_choice
from sagaline.devstack import Stack
from sagaline.seed_saga import SERVICES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
_DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def compose_environment(name: str) -> dict[str, str]:
    """A compose service's `environment`, with `${VAR:-default}` taken as its default."""
    spec = yaml.safe_load(COMPOSE.read_text())["services"][name]
    return {key: _DEFAULT.sub(lambda m: m.group(2), str(value))
            for key, value in spec.get("environment", {}).items()}


def on_this_host(env: dict[str, str], stack: Stack) -> dict[str, str]:
    """Compose's network names, mapped to where the local stack serves the same things."""
    s = stack.settings
    hosts = {"kafka:29092": s.kafka_bootstrap_servers, "0.0.0.0": "127.0.0.1"}
    for spec in SERVICES:
        local = spec.dsn(s).split("@", 1)[1].split("/", 1)[0]  # host:port of the local server
        hosts[f"postgres-{spec.name}:5432"] = local
    mapped = {}
    for key, value in env.items():
        for compose_name, local in hosts.items():
            value = value.replace(compose_name, local)
        mapped[key] = value
    return mapped


@pytest.fixture(scope="module")
def wheel_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """python of a fresh venv holding the wheel built from this checkout and its runtime
    dependencies (no extras, no editable install)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy: a build in the checkout would leave build/ behind
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, source / part)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(source)])
    (wheel,) = work.glob("sagaline-*.whl")
    run([sys.executable, "-m", "venv", str(work / "venv")])
    python = work / "venv" / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", str(wheel)])
    return python


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False,
                          **kwargs)
    assert done.returncode == 0, f"{argv}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture
def bare_dir(tmp_path: Path) -> Path:
    """A working directory with nothing in it: no stack/local.env, no .env."""
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
        wheel_python: Path, bare_dir: Path, stack_without_its_services: Stack) -> None:
    stack = stack_without_its_services
    assert not (bare_dir / "stack" / "local.env").exists()
    run([str(wheel_python), "-m", "sagaline", "topics"], cwd=bare_dir,
        env=container_env("topic-init", stack))
    names = saga_choice.load().names
    processes = [start_service(wheel_python, name, bare_dir, stack) for name in names]
    try:
        for name, process in zip(names, processes, strict=True):
            wait_healthy(wheel_python, name, bare_dir, stack, process)
        assert place_and_confirm(container_env("order", stack)["ORDER_HTTP_PORT"])
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
    base = f"http://127.0.0.1:{port}"
    answer = httpx.post(f"{base}/orders", json={"userId": "wheel-user", "totalAmount": 5,
                                                "items": [{"sku": "SKU-1", "quantity": 1}]})
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["orderId"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if httpx.get(f"{base}/orders/{order_id}").json()["status"] == "CONFIRMED":
            return True
        time.sleep(0.2)
    return False
