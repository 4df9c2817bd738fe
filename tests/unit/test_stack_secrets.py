"""The local stack's secrets stay its owner's: no Postgres login without a password, the
socket and Kafka's config files closed to other local users, no password on a command line.
The live stack's side: tests/integration/security/test_local_secrets.py."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from sagaline.devstack import Stack, StackError, kafka_secure, pgconfig
from sagaline.devstack.kafka import Kafka
from sagaline.devstack.shape import Shape
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import StackSettings

pytestmark = pytest.mark.unit


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _secure_stack(stack_dir: Path, brokers: int) -> Stack:
    settings = StackSettings(stack_dir=stack_dir, kafka_bootstrap_servers="127.0.0.1:9092")
    return Stack(settings, shape=Shape(brokers=brokers, secure=True))


def test_no_local_login_is_trusted() -> None:
    hba = pgconfig.hba_conf("postgres")
    assert "trust" not in hba
    assert "local   all   postgres                 scram-sha-256" in hba
    assert "host    all   postgres    127.0.0.1/32  reject" in hba  # the socket's alone


def test_the_socket_is_the_owners_alone(tmp_path: Path) -> None:
    assert "unix_socket_permissions = 0700" in pgconfig.server_conf(5433, tmp_path / "run")


def test_a_private_dir_is_closed_to_others_and_must_be_ours(tmp_path: Path) -> None:
    from sagaline.devstack.private import private_dir
    open_dir = tmp_path / "run"
    open_dir.mkdir(mode=0o777)
    open_dir.chmod(0o777)
    assert private_dir(open_dir) == open_dir and _mode(open_dir) == 0o700
    with pytest.raises(StackError, match="not owned"):  # one someone else left in /tmp
        private_dir(open_dir, owners={os.geteuid() + 1})
    (tmp_path / "link").symlink_to(open_dir)
    with pytest.raises(StackError, match="not a directory"):
        private_dir(tmp_path / "link")


def test_the_superuser_password_is_kept_for_the_owner_once_the_server_holds_it(
        tmp_path: Path) -> None:
    from sagaline.devstack import pgauth
    assert pgauth.password(tmp_path) is None
    pending = pgauth.new_pending(tmp_path)
    assert pgauth.password(tmp_path) is None  # not before initdb or ALTER ROLE took it
    made = pending.read_text().strip()
    assert _mode(pending) == 0o600 and len(made) >= 32
    pgauth.settle(tmp_path)
    assert pgauth.password(tmp_path) == made
    assert _mode(tmp_path / pgauth.FILE) == 0o600 and not pending.exists()


def test_a_private_file_replaces_a_more_open_one(tmp_path: Path) -> None:
    from sagaline.devstack.private import write_private
    old = tmp_path / "server.properties"
    old.write_text("old\n")
    old.chmod(0o644)  # as an older version left it
    write_private(old, "new\n")
    assert old.read_text() == "new\n" and _mode(old) == 0o600


@pytest.mark.parametrize("brokers", [1, 3])
def test_each_nodes_config_is_the_owners_alone(tmp_path: Path, brokers: int) -> None:
    stack = _secure_stack(tmp_path, brokers)
    admin = kafka_secure.users(tmp_path, list(SAGA.names))[kafka_secure.ADMIN]
    assert len(stack.kafka_nodes) == brokers
    for node in stack.kafka_nodes:
        node.home.mkdir(parents=True)
        node.config_file.write_text("older\n")
        node.config_file.chmod(0o644)
        node._write_config()
        assert admin in node.config_file.read_text()  # the file that holds the secret...
        assert _mode(node.config_file) == 0o600  # ...is closed, and so is its dir
        assert _mode(node.home) == 0o700
    assert _mode(tmp_path / kafka_secure.FILE) == 0o600


@pytest.mark.parametrize("brokers", [1, 3])
def test_formatting_puts_no_password_on_the_command_line(
        tmp_path: Path, brokers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = _secure_stack(tmp_path, brokers)
    passwords = kafka_secure.users(tmp_path, list(SAGA.names)).values()
    runs: list[tuple[list[str], str]] = []

    def run(argv: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        argfiles = [Path(a[1:]) for a in argv if a.startswith("@")]
        runs.append((argv, "".join(f.read_text() for f in argfiles)))
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(subprocess, "run", run)
    for node in stack.kafka_nodes:
        node.home.mkdir(parents=True)
        node._write_config()
        node._format(tmp_path / "libs")
    assert len(runs) == brokers
    for argv, argfile in runs:
        assert not [p for p in passwords if p in " ".join(argv)]
        assert "kafka.tools.StorageTool" in argfile
        assert all(f"name={user},password={p}" in argfile
                   for user, p in kafka_secure.users(tmp_path, []).items())
    assert not list(tmp_path.rglob("*.args"))  # the secrets' file is gone once formatted


def test_a_failed_format_leaves_no_argfile_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node: Kafka = _secure_stack(tmp_path, 1).kafka

    def run(argv: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, 1, "", "bad config")

    monkeypatch.setattr(subprocess, "run", run)
    node.home.mkdir(parents=True)
    node._write_config()
    with pytest.raises(StackError, match="formatting Kafka storage failed"):
        node._format(tmp_path / "libs")
    assert not list(tmp_path.rglob("*.args"))


def test_the_argfile_keeps_each_argument_whole() -> None:
    from sagaline.devstack.kafka_config import java_argfile
    assert java_argfile(["-c", "/a b/c\\d", 'q"x']) == '"-c"\n"/a b/c\\\\d"\n"q\\"x"\n'
