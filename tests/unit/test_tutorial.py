"""docs/tutorial.md stays true: every file, module, name, topic, status, setting and command
it cites exists in the example or the package. (The commands themselves run in the example's
end-to-end tier.)"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest
from typer.main import get_command

from sagaline import saga_choice
from sagaline.cli import app
from sagaline.core.saga import Saga
from sagaline.settings import env_prefix

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text()
EXAMPLE = ROOT / "examples" / "shipping"
CITED = sorted(set(re.findall(r"`([^`\n]+)`", TUTORIAL)))
SOURCES = "\n".join(p.read_text() for d in (EXAMPLE, ROOT / "src") for p in d.rglob("*.py"))


@pytest.fixture(autouse=True)
def _from_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)


def saga() -> Saga:
    return saga_choice.load("shipping_saga:SAGA")


def test_every_cited_file_exists() -> None:
    paths = [c for c in CITED if re.fullmatch(r"[\w./-]+\.(py|sql|md)|[\w.-]+(/[\w.-]+)+/?", c)]
    assert paths
    bases = (ROOT, EXAMPLE, EXAMPLE / "shipping")
    assert [p for p in paths if not any((b / p).exists() for b in bases)] == []


def test_every_cited_module_imports_and_name_is_defined() -> None:
    modules = [c for c in CITED if re.fullmatch(r"sagaline(\.\w+)+", c)]
    for module in modules:
        importlib.import_module(module)
    names = [c for c in CITED if re.fullmatch(r"[a-z_][a-z0-9_]*|[A-Z][a-zA-Z]+[a-z]\w*", c)]
    markers = {m.split(":")[0] for m in tomllib.loads(
        (ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]}
    undefined = [n for n in names if n not in markers and not re.search(
        rf"^\s*(def|class) {n}\b|^\s*{n}\b.*=|\b{n}\(|[\"']{n}[\"']", SOURCES, re.M)]
    assert undefined == []


def test_every_cited_topic_status_and_service_is_declared() -> None:
    declared = saga()
    topics = [c for c in CITED if re.fullmatch(r"[a-z]+\.[a-z]+", c)
              and not c.startswith("sagaline.") and not c.endswith(".py")]
    assert set(topics) <= set(declared.event_topics)
    statuses = [c for c in CITED if c in {"PENDING", "PAID", "RESERVED", "COMPENSATING",
                                          "CONFIRMED", "CANCELLED"}]
    assert set(statuses) <= set(declared.statuses.statuses)
    assert "RESERVED" in statuses
    assert declared.http_port("shipping") == 4004 and declared.db_port("shipping") == 5436


def test_every_cited_setting_is_read_by_the_step() -> None:
    shipping = saga().service("shipping")
    prefix = env_prefix(shipping.name)
    variables = [c for c in CITED if re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+", c)]
    fields = {f.upper() for f in shipping.settings.model_fields}
    known = fields | {f"{prefix}_DB_DSN", f"{prefix}_HTTP_PORT", "SAGALINE_SAGA"}
    assert variables and set(variables) - {"NO_CAPACITY"} <= known


def test_every_command_shown_exists_with_its_options() -> None:
    cli = get_command(app)
    for line in re.findall(r"^sagaline (.+?)(?:\s+#.*)?$", TUTORIAL, re.M):
        words = line.split()
        command = cli.commands[words[0]]  # type: ignore[attr-defined]
        options = {o for p in command.params for o in p.opts}
        assert {w for w in words if w.startswith("--")} <= options, line
