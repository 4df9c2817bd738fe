"""Each service's role on the local stack owns its database and nothing more: no superuser,
no creating roles or databases, and no way into another service's database or the server's
own (`postgres`, `template1`)."""

from __future__ import annotations

import psycopg
import pytest
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
    dsns = _dsns(stack)
    own = conninfo_to_dict(dsns[service])
    others = [make_conninfo(dsn, user=own["user"], password=own["password"])
              for name, dsn in dsns.items() if name != service]  # their servers, its login
    others += [make_conninfo(dsns[service], dbname=db) for db in ("postgres", "template1")]
    for dsn in others:
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(dsn, connect_timeout=3).close()
