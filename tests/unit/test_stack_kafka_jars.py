"""Kafka's jars: fetched from the pom shipped in the package into the user's cache, once per
pom, from any directory; never into a checkout."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from sagaline.devstack import StackError, kafka_jars
from sagaline.devstack.kafka import Kafka
from sagaline.settings import StackSettings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


class FakeMaven:
    """subprocess.run for `mvn ... dependency:copy-dependencies`: puts a jar beside the pom."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.runs.append(argv)
        pom = Path(argv[argv.index("-f") + 1])
        (pom.parent / "libs").mkdir()
        (pom.parent / "libs" / "kafka_2.13.jar").write_text("jar")
        return subprocess.CompletedProcess(argv, 0, "", "")


@pytest.fixture
def maven(monkeypatch: pytest.MonkeyPatch) -> FakeMaven:
    fake = FakeMaven()
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(subprocess, "run", fake)
    return fake


def test_the_pom_is_package_data() -> None:
    assert kafka_jars.POM.is_file()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["package-data"]["sagaline.devstack"]
    assert kafka_jars.POM.name in data
    assert not (ROOT / "stack").exists()  # nothing of the stack lives in the checkout


def test_the_jars_go_to_the_users_cache_per_kafka_version(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    version = kafka_jars.kafka_version()
    assert version == kafka_jars.kafka_version(kafka_jars.POM.read_text())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert kafka_jars.default_home() == tmp_path / "sagaline" / f"kafka-{version}"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not absolute: not counted
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert kafka_jars.default_home() == tmp_path / "home" / ".cache" / "sagaline" / (
        f"kafka-{version}")
    with pytest.raises(StackError, match=r"no <kafka\.version>"):
        kafka_jars.kafka_version("<project/>")


def test_sagaline_kafka_home_moves_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAGALINE_KAFKA_HOME", str(tmp_path / "jars"))
    jars = StackSettings().sagaline_kafka_home
    assert jars == tmp_path / "jars"
    assert Kafka(tmp_path, "127.0.0.1:9092", {}, jars=jars).jars == tmp_path / "jars"
    assert Kafka(tmp_path, "127.0.0.1:9092", {}).jars == kafka_jars.default_home()


def test_maven_runs_once_per_pom(maven: FakeMaven, tmp_path: Path) -> None:
    home = tmp_path / "kafka-x"
    libs = kafka_jars.ensure_jars(home)
    assert libs == home / "libs" and (libs / "kafka_2.13.jar").exists()
    assert (home / "pom.xml").read_bytes() == kafka_jars.POM.read_bytes()
    assert maven.runs[0][-1] == "dependency:copy-dependencies"
    kafka_jars.ensure_jars(home)
    assert len(maven.runs) == 1
    (libs / ".fetched").write_text("the hash of another pom\n")
    kafka_jars.ensure_jars(home)  # a changed pom: an emptied libs/, fetched again
    assert len(maven.runs) == 2
    digest = hashlib.sha256(kafka_jars.POM.read_bytes()).hexdigest()
    assert (libs / ".fetched").read_text().strip() == digest


def test_without_maven_the_error_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(StackError, match="mvn not found"):
        kafka_jars.ensure_jars(tmp_path)
