"""Bounds on every wait of a database session, so that a host that vanished cannot hold its
locks for long, and a server that vanished cannot hang a client.

Server side (sent as `options`, per session): a lock wait, a statement, a whole transaction
and a transaction left idle are each ended after their bound; the last two end the backend of
a client frozen or gone mid-transaction, which frees its locks. (A transaction in pipeline
mode, as `db.PipelinedTransaction` runs them, has sent no Sync while its client works between
statements: its backend counts as active, not idle, so only `transaction_timeout` ends it.)
Client side (libpq parameters): TCP keepalives notice a silent peer, and `tcp_user_timeout`
bounds unacknowledged sends. A bound of 0 turns that limit off (and is not sent at all for
transaction_timeout, which servers before PostgreSQL 17 do not know).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg.conninfo import conninfo_to_dict


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


@dataclass(frozen=True)
class SessionLimits:
    lock_timeout_s: float = 10.0
    statement_timeout_s: float = 30.0
    # Above the longest a transaction idles on purpose: the relay waits up to 15 s for acks.
    idle_in_transaction_timeout_s: float = 60.0
    transaction_timeout_s: float = 60.0
    keepalives_idle_s: int = 10
    keepalives_interval_s: int = 5
    keepalives_count: int = 3
    tcp_user_timeout_s: float = 30.0

    def server_options(self) -> str:
        """The `-c` settings, in milliseconds."""
        options = [
            f"-c lock_timeout={_ms(self.lock_timeout_s)}",
            f"-c statement_timeout={_ms(self.statement_timeout_s)}",
            f"-c idle_in_transaction_session_timeout={_ms(self.idle_in_transaction_timeout_s)}",
        ]
        if self.transaction_timeout_s:
            options.append(f"-c transaction_timeout={_ms(self.transaction_timeout_s)}")
        return " ".join(options)

    def connection_parameters(self, dsn: str) -> dict[str, Any]:
        """libpq parameters for a connection to `dsn`. Its own `options` (e.g. a search_path)
        are kept, after ours, so that a setting the DSN names wins."""
        own = str(conninfo_to_dict(dsn).get("options") or "")
        return {
            "options": f"{self.server_options()} {own}".strip(),
            "keepalives": 1,
            "keepalives_idle": self.keepalives_idle_s,
            "keepalives_interval": self.keepalives_interval_s,
            "keepalives_count": self.keepalives_count,
            "tcp_user_timeout": _ms(self.tcp_user_timeout_s),
        }
