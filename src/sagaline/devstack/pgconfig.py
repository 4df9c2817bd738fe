"""Pure pieces of the Postgres setup: DSN parsing, config files, socket directory choice."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux


@dataclass(frozen=True)
class DbTarget:
    """What a service DSN points at."""

    host: str
    port: int
    dbname: str
    user: str
    password: str


def parse_dsn(dsn: str) -> DbTarget:
    """Parse a libpq URI or key=value DSN (missing parts default like libpq's)."""
    parts = conninfo_to_dict(dsn)
    user = str(parts.get("user") or "postgres")
    return DbTarget(
        host=str(parts.get("host") or "127.0.0.1"),
        port=int(str(parts.get("port") or 5432)),
        dbname=str(parts.get("dbname") or user),
        user=user,
        password=str(parts.get("password") or ""),
    )


def server_conf(port: int, socket_dir: Path) -> str:
    """Settings appended to postgresql.conf through an include (durability left on)."""
    return "\n".join(
        [
            "listen_addresses = '127.0.0.1'",
            f"port = {port}",
            f"unix_socket_directories = '{socket_dir}'",
            "unix_socket_permissions = 0700",  # the owner's alone, like the dir it is in
            "max_connections = 200",
            "fsync = on",
            "synchronous_commit = on",
            "full_page_writes = on",
            "password_encryption = 'scram-sha-256'",
            "shared_buffers = 128MB",
            "logging_collector = off",
            "log_destination = 'stderr'",
            "log_line_prefix = '%m [%p] '",
            # Bounded waits, beside the per-session ones the services send (core/
            # session_limits.py), for every client: the backend of a client frozen or gone
            # mid-transaction ends, and its locks with it; a silent peer is noticed by TCP
            # keepalives (~25 s) and unacknowledged sends by tcp_user_timeout; a query whose
            # client disconnected stops within 5 s.
            "idle_in_transaction_session_timeout = '60s'",
            "tcp_keepalives_idle = 10",
            "tcp_keepalives_interval = 5",
            "tcp_keepalives_count = 3",
            "tcp_user_timeout = 30000",
            "client_connection_check_interval = 5000",
            "",
        ]
    )


def hba_conf(superuser: str) -> str:
    """The superuser over the local socket only, the services' roles over TCP from 127.0.0.1.
    A password (scram-sha-256) everywhere: no local user is trusted for who they say they are."""
    return (
        f"local   all   {superuser}                 scram-sha-256\n"
        f"host    all   {superuser}    127.0.0.1/32  reject\n"
        "host    all   all         127.0.0.1/32  scram-sha-256\n"
    )


def socket_dir_for(home: Path, port: int) -> Path:
    """`home/run`, or a short per-home dir under the temp dir when that path is too long."""
    preferred = home / "run"
    if len(str(preferred / f".s.PGSQL.{port}")) <= MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"sagaline-pg-{digest}"
