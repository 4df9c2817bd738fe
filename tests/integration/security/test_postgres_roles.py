"""Each service's role on the local stack owns its database and nothing more: no superuser,
no creating roles or databases, and no way into another service's database or the server's
own (`postgres`, `template1`)."""

from __future__ import annotations

import ctypes
import functools
import re
import select
import time
from typing import Any, cast

import psycopg
import pytest
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from sagaline.devstack import Stack
from sagaline.seed_saga.saga import SAGA


def _dsns(stack: Stack) -> dict[str, str]:
    return {name: stack.settings.dsn(name) for name in SAGA.names}


@pytest.mark.parametrize("service", list(SAGA.names))
def test_the_role_has_no_rights_beyond_its_own_database(stack: Stack, service: str) -> None:
    with psycopg.connect(_dsns(stack)[service]) as conn:
        rights = conn.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
            "FROM pg_roles WHERE rolname = current_user").fetchone()
        owner = conn.execute("SELECT pg_get_userbyid(datdba) = current_user FROM pg_database "
                             "WHERE datname = current_database()").fetchone()
    assert rights == (False, False, False, False, False)
    assert owner == (True,)


@pytest.mark.parametrize("service", list(SAGA.names))
def test_the_role_cannot_connect_to_any_other_database(stack: Stack, service: str) -> None:
    """Each attempt reaches a server that answers (its own role and database get in) and
    refuses this role with a SQLSTATE: an invalid authorization on the other services'
    servers (its login is unknown there), no CONNECT privilege on its own server's others."""
    dsns = _dsns(stack)
    own = conninfo_to_dict(dsns[service])
    attempts = [(make_conninfo(dsn, user=own["user"], password=own["password"]), dsn, "28")
                for name, dsn in dsns.items() if name != service]  # their servers, its login
    attempts += [(make_conninfo(dsns[service], dbname=db), dsns[service], "42501")
                 for db in ("postgres", "template1")]
    for refused, admitted, sqlstate in attempts:
        where = _server(refused)
        assert _refusal(admitted) is None, f"{where} does not let its own role in"
        error = _refusal(refused)
        assert error is not None, f"{where} let {own['user']} in"
        answer = _SERVER_SQLSTATE.search(error)
        assert answer is not None, f"no answer from the server: {error}"
        assert answer.group(1).startswith(sqlstate), error


def _server(dsn: str) -> str:
    parts = conninfo_to_dict(dsn)
    return f"{parts.get('host')}:{parts.get('port')}/{parts.get('dbname')}"


# libpq puts the server's SQLSTATE into a connection error's text only at verbosity VERBOSE
# ("FATAL:  42501: permission denied ..."); psycopg has no call to set it, nor a SQLSTATE on
# connection errors. A refusal without one came from the client (refused, timed out), not
# from a server.
_PQERRORS_VERBOSE = 2
_SERVER_SQLSTATE = re.compile(r":  ([0-9A-Z]{5}): ")


def _refusal(dsn: str, timeout_s: float = 5.0) -> str | None:
    """None when `dsn` gets a connection; else libpq's error, verbose."""
    conn = pq.PGconn.connect_start(dsn.encode())
    try:
        pointer = cast(Any, conn).pgconn_ptr  # the PGconn* (not in psycopg's protocol)
        _libpq().PQsetErrorVerbosity(pointer, _PQERRORS_VERBOSE)
        deadline, status = time.monotonic() + timeout_s, int(pq.PollingStatus.WRITING)
        while status not in (pq.PollingStatus.OK, pq.PollingStatus.FAILED):
            assert time.monotonic() < deadline, f"no answer from {dsn} in {timeout_s} s"
            reading = status == pq.PollingStatus.READING
            select.select([conn.socket] if reading else [], [] if reading else [conn.socket],
                          [], 0.5)
            status = conn.connect_poll()
        return None if status == pq.PollingStatus.OK else conn.error_message.decode()
    finally:
        conn.finish()


@functools.cache
def _libpq() -> ctypes.CDLL:
    """The libpq psycopg loaded (dlopen of a loaded library's path returns that library)."""
    with open("/proc/self/maps") as maps:
        (path,) = {line.split()[-1] for line in maps if "/libpq" in line}
    lib = ctypes.CDLL(path)
    lib.PQsetErrorVerbosity.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return lib
