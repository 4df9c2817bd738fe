"""`sagaline render`: the command writes what sagaline.deploy renders, the same text in every
process, and the templates' placeholders are filled strictly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sagaline import deploy
from sagaline.cli import app
from sagaline.contracts import asyncapi
from sagaline.deploy.text import fill
from tests.unit.test_rendered_deploy_files import FOUR, REFERENCE

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
# Every rendering of the four-service saga, as JSON: what a fresh process renders.
MODULE, ATTR = REFERENCE.split(":")
RENDER_ALL = (f"import json; from sagaline import deploy; from {MODULE} import {ATTR}; "
              f"print(json.dumps({{k: deploy.render(k, {ATTR}, {REFERENCE!r}) "
              "for k in deploy.RENDERERS}))")


def test_a_block_placeholder_takes_its_lines_indented_and_an_empty_one_goes() -> None:
    template = "a:\n  [[block]]\n  [[nothing]]\n  b: [[value]]\n"
    assert fill(template, block="x: 1\ny: 2", nothing="", value="3") == (
        "a:\n  x: 1\n  y: 2\n  b: 3\n")


def test_a_missing_or_unused_value_is_an_error() -> None:
    with pytest.raises(KeyError, match=r"\[\[name\]\] has no value"):
        fill("[[name]]")
    with pytest.raises(KeyError, match=r"values for no placeholder: \['typo'\]"):
        fill("plain", typo="x")
    with pytest.raises(ValueError, match="several"):
        fill("a: [[value]]", value="1\n2")


def test_the_command_writes_the_rendering_and_names_what_it_left(tmp_path: Path) -> None:
    (tmp_path / "retired.yaml").write_text("kind: StatefulSet\n")
    result = CliRunner().invoke(app, ["render", "k8s", "--saga", REFERENCE,
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name, text in deploy.render("k8s", FOUR, REFERENCE).items():
        assert (tmp_path / name).read_text() == text
    assert f"{tmp_path / 'retired.yaml'} is not part of this rendering" in result.output
    assert (tmp_path / "retired.yaml").exists()


def test_compose_can_go_to_stdout_and_an_unknown_saga_is_an_error() -> None:
    result = CliRunner().invoke(app, ["render", "compose", "--saga", REFERENCE, "--out", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout == deploy.render("compose", FOUR, REFERENCE)["docker-compose.yml"]
    result = CliRunner().invoke(app, ["render", "k8s", "--saga", "no_such_module:SAGA"])
    assert result.exit_code == 2 and "cannot import no_such_module" in result.output


def test_every_process_renders_the_same_text() -> None:
    """No set or hash order leaks into a file: two interpreters with different hash seeds."""
    renderings = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
        done = subprocess.run([sys.executable, "-c", RENDER_ALL], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=True)
        renderings.append(json.loads(done.stdout))
    assert renderings[0] == renderings[1]
    assert renderings[0] == {k: deploy.render(k, FOUR, REFERENCE) for k in deploy.RENDERERS}


def test_asyncapi_writes_the_whole_sagas_document_to_a_file_or_stdout(tmp_path: Path) -> None:
    target = tmp_path / "contract" / "asyncapi.json"
    result = CliRunner().invoke(app, ["render", "asyncapi", "--saga", REFERENCE,
                                      "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text()) == json.loads(json.dumps(asyncapi.document(FOUR)))
    assert f"wrote {target}" in result.output
    printed = CliRunner().invoke(app, ["render", "asyncapi", "--saga", REFERENCE, "-o", "-"])
    assert printed.exit_code == 0, printed.output
    assert printed.stdout == target.read_text()
    assert set(json.loads(printed.stdout)["channels"]) == set(FOUR.topics)


def test_asyncapi_goes_to_asyncapi_json_by_default(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["render", "asyncapi", "--saga", REFERENCE])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "asyncapi.json").read_text())["asyncapi"] == "3.0.0"
