"""SQL-side helpers for the local Postgres servers: connections, readiness, provisioning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

from sagaline.devstack.pgconfig import DbTarget

SUPERUSER = "postgres"
Conn = psycopg.Connection[tuple[object, ...]]


def superuser(socket_dir: Path, port: int, password: str | None) -> Conn:
    """The superuser over the server's unix socket (the only way it may log in), with its
    password (devstack/pgauth.py)."""
    return psycopg.connect(
        host=str(socket_dir), port=port, user=SUPERUSER, dbname="postgres",
        password=password, connect_timeout=3, autocommit=True,
    )  # fmt: skip


def as_role(t: DbTarget) -> Conn:
    """The service's own role over TCP, with its password."""
    return psycopg.connect(
        host=t.host, port=t.port, dbname=t.dbname, user=t.user, password=t.password,
        connect_timeout=3,
    )  # fmt: skip


def answers(connect: Callable[[], Conn]) -> bool:
    """True when a connection opens and answers `SELECT 1`."""
    try:
        with connect() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


# A service's role may log in and own its database, nothing more (said, not left to defaults).
ROLE_LIMITS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def provision(conn: Conn, t: DbTarget) -> None:
    """Create (or update) the LOGIN role and the database it owns; idempotent. Only the owner
    (and the superuser) may connect to it, and nobody else to the server's other databases."""
    role, db = sql.Identifier(t.user), sql.Identifier(t.dbname)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (t.user,)).fetchone()
    verb = sql.SQL("ALTER" if exists else "CREATE")
    conn.execute(sql.SQL("{} ROLE {} " + ROLE_LIMITS + " PASSWORD {}").format(
        verb, role, t.password))
    has_db = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (t.dbname,)).fetchone()
    if has_db is None:
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(db, role))
    else:
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, role))
    for name in {t.dbname, "postgres", "template1"}:  # PUBLIC may connect by default
        conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(
            sql.Identifier(name)))
