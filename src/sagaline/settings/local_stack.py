"""What the local stack (`sagaline up`) gives a service it starts, derived from the saga's
declaration: no credentials file is needed, in a checkout or in a user's own project.

These are development values for one machine. A deployed service never sees them: it reads
`service_settings`, whose DSN has no default, and its admin keys default to none.
"""

from __future__ import annotations

from sagaline.core.saga import Saga

# The admin key (X-API-Key) the local stack gives every service as ADMIN_API_KEYS, and which
# the tools present to it when they restock. Only `StackSettings` defaults to it.
ADMIN_API_KEY = "local-dev-admin-key"


def dsn(saga: Saga, name: str) -> str:
    """The service's database on the local stack: its own Postgres server (the port follows
    the declaration's order), role and database named after it, as the seed had them
    (order_user / order_pass @ 5433 / order_db)."""
    saga.service(name)  # a KeyError naming the saga's services for an unknown one
    base = name.lower().replace("-", "_")
    return (f"postgresql://{base}_user:{base}_pass@127.0.0.1:{saga.db_port(name)}"
            f"/{base}_db")
