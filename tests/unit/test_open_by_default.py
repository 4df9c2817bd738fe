"""Nothing is open by default (issue 23, defect 5): a service serving on an address other
machines reach (HTTP_HOST not loopback) refuses to start unless it requires API keys, or is
told that it is open on purpose (ALLOW_OPEN_API, then logged at WARNING). The dashboard, which
has no keys and reads every order, likewise (ALLOW_OPEN_DASHBOARD)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from sagaline import saga_choice
from sagaline.cli import app as cli
from sagaline.core.runtime import entry
from sagaline.seed_saga.order.settings import OrderSettings
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import DashboardSettings, env_prefix, local_stack
from tests.service_settings import settings_for

pytestmark = pytest.mark.unit
SRC = Path(saga_choice.__file__).resolve().parents[1]  # this checkout's src/
BEYOND_LOOPBACK = ("0.0.0.0", "::", "", "10.0.0.7", "order.internal", "::ffff:127.0.0.1")
LOOPBACK = ("127.0.0.1", "127.3.2.1", "::1", "localhost", "LocalHost")
KEY = "client-key-1"
NOWHERE = "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=1"


@pytest.mark.parametrize("host", BEYOND_LOOPBACK)
def test_a_service_beyond_loopback_without_keys_refuses_to_load(host: str) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_for(OrderSettings, http_host=host)
    message = str(refused.value)
    for named in ("HTTP_HOST", "REQUIRE_API_KEY=true", "API_KEYS", "ALLOW_OPEN_API=true"):
        assert named in message, message


@pytest.mark.parametrize("host", BEYOND_LOOPBACK)
def test_a_service_beyond_loopback_loads_with_keys_or_when_open_on_purpose(host: str) -> None:
    keyed = settings_for(OrderSettings, http_host=host, require_api_key=True, api_keys=KEY)
    assert keyed.require_api_key and not keyed.served_open()
    admin_only = settings_for(OrderSettings, http_host=host, require_api_key=True,
                              admin_api_keys=KEY)
    assert admin_only.require_api_key
    assert settings_for(OrderSettings, http_host=host, allow_open_api=True).served_open()


def test_keys_without_requiring_them_still_leave_it_open() -> None:
    with pytest.raises(ValidationError, match="ALLOW_OPEN_API"):
        settings_for(OrderSettings, http_host="0.0.0.0", api_keys=KEY)


@pytest.mark.parametrize("host", LOOPBACK)
def test_a_service_on_loopback_needs_no_keys(host: str) -> None:
    assert not settings_for(OrderSettings, http_host=host).served_open()


@pytest.mark.parametrize("name", SAGA.names)
def test_every_service_started_on_0_0_0_0_without_keys_exits_naming_what_to_set(
        name: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith(
        ("_DB_DSN", "API_KEYS", "REQUIRE_API_KEY", "ALLOW_OPEN_API", "HTTP_HOST"))}
    # A database and a port nobody serves: before the fix the service went on to start.
    env |= {"PYTHONPATH": str(SRC), "HTTP_HOST": "0.0.0.0", f"{env_prefix(name)}_DB_DSN":
            NOWHERE, f"{env_prefix(name)}_HTTP_PORT": "0"}
    env.pop(saga_choice.ENV, None)
    out = subprocess.run([sys.executable, "-m", "sagaline", "serve", name], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode != 0
    assert f"{name}: bad configuration" in out.stderr, out.stderr
    assert "REQUIRE_API_KEY=true" in out.stderr and "ALLOW_OPEN_API=true" in out.stderr


class Composed(Exception):
    """Raised where the service would be composed: the test has seen what came before."""


@pytest.fixture
def root_logging() -> Iterator[None]:
    """entry.run configures the root logger: put it back as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_service_open_on_purpose_says_so_at_warning(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        root_logging: None) -> None:
    for variable in ("REQUIRE_API_KEY", "API_KEYS", "ADMIN_API_KEYS", "OTEL_TRACES_EXPORTER"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ORDER_DB_DSN", NOWHERE)
    monkeypatch.setenv("HTTP_HOST", "0.0.0.0")
    monkeypatch.setenv("ALLOW_OPEN_API", "true")
    monkeypatch.setattr(sys, "setswitchinterval", lambda interval: None)

    def compose(*args: object, **kwargs: object) -> None:
        raise Composed

    monkeypatch.setattr(entry, "compose", compose)
    with pytest.raises(Composed):
        entry.run(SAGA, "order")
    [warning] = [line for line in capsys.readouterr().err.splitlines() if "WARNING" in line]
    assert "ALLOW_OPEN_API" in warning and "0.0.0.0" in warning, warning


# --- the dashboard -----------------------------------------------------------------------------


def dashboard(**given: object) -> DashboardSettings:
    dsns = {f"{env_prefix(n).lower()}_db_dsn": local_stack.dsn(SAGA, n) for n in SAGA.names}
    return DashboardSettings.model_validate({**dsns, **given})


@pytest.mark.parametrize("host", BEYOND_LOOPBACK)
def test_the_dashboard_beyond_loopback_refuses_unless_open_on_purpose(host: str) -> None:
    with pytest.raises(ValidationError) as refused:
        dashboard(dashboard_host=host)
    for named in ("DASHBOARD_HOST", "every order", "ALLOW_OPEN_DASHBOARD=true"):
        assert named in str(refused.value), str(refused.value)
    assert dashboard(dashboard_host=host, allow_open_dashboard=True).served_open()


@pytest.mark.parametrize("host", LOOPBACK)
def test_the_dashboard_on_loopback_is_not_open(host: str) -> None:
    assert not dashboard(dashboard_host=host).served_open()


def test_the_dashboard_refuses_at_start_and_warns_when_open_on_purpose(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import sagaline.dashboard.server as server

    monkeypatch.setattr(server, "serve", lambda settings: None)
    monkeypatch.setenv("DASHBOARD_HOST", "0.0.0.0")
    monkeypatch.delenv("ALLOW_OPEN_DASHBOARD", raising=False)
    refused = CliRunner().invoke(cli, ["dashboard"])
    assert refused.exit_code == 2 and "ALLOW_OPEN_DASHBOARD=true" in refused.output

    monkeypatch.setenv("ALLOW_OPEN_DASHBOARD", "true")
    with caplog.at_level(logging.WARNING):
        assert CliRunner().invoke(cli, ["dashboard"]).exit_code == 0
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "ALLOW_OPEN_DASHBOARD" in warning.getMessage()
