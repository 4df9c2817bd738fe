"""A COMMIT held open on purpose, and the client's connection cut while it runs.

`hold_commits` puts a deferred constraint trigger on a table: COMMIT runs it, and it sleeps
(then raises, if asked), so COMMIT takes that long. `Forwarder` is a TCP forwarder between a
client and Postgres; `cut()` closes its sockets, so the client sees its connection lost while
the server's backend goes on with the COMMIT (pg_terminate_backend would abort it instead).
`cut_during_commit` cuts once a backend of `application_name` sleeps in that trigger.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def hold_commits(dsn: str, table: str, seconds: float, then_fail: bool = False) -> None:
    """Every COMMIT of a transaction that inserted into `table` sleeps `seconds` first, and
    then fails (rolls back) if `then_fail`."""
    fail = sql.SQL("RAISE EXCEPTION 'refused at commit';" if then_fail else "")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL(
            "CREATE FUNCTION held_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN PERFORM pg_sleep({seconds}); {fail} RETURN NULL; END $$").format(
                seconds=sql.Literal(seconds), fail=fail))
        conn.execute(sql.SQL(
            "CREATE CONSTRAINT TRIGGER held_commit AFTER INSERT ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION held_commit()").format(
                table=sql.Identifier(table)))


class Forwarder:
    """Listens on a free local port and forwards each connection to the server of `dsn`."""

    def __init__(self, dsn: str) -> None:
        params = conninfo_to_dict(dsn)
        self._target = (str(params.get("host", "127.0.0.1")), int(str(params.get("port", 5432))))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.dsn = make_conninfo(dsn, host="127.0.0.1", port=self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Close every connection open now; new ones are still forwarded."""
        with self._lock:
            cut, self._sockets = self._sockets, []
        for sock in cut:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._listener.close()
        self.cut()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(self._target)
            with self._lock:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)


@contextmanager
def forwarded(dsn: str) -> Iterator[Forwarder]:
    forwarder = Forwarder(dsn)
    try:
        yield forwarder
    finally:
        forwarder.close()


def commit_held(dsn: str, application_name: str) -> bool:
    """Whether a backend of `application_name` sleeps in the trigger of `hold_commits`."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = %s"
            " AND wait_event = 'PgSleep' AND query = 'COMMIT'",
            (application_name,)).fetchone() == (True,)


@contextmanager
def cut_during_commit(forwarder: Forwarder, dsn: str, application_name: str,
                      timeout_s: float = 30.0) -> Iterator[None]:
    """Within the block, cut `forwarder`'s connections as soon as a COMMIT of
    `application_name` is held (watched on `dsn`, directly); fails if none was by the end."""
    done = threading.Event()
    seen: list[bool] = []

    def watch() -> None:
        deadline = time.monotonic() + timeout_s
        while not done.is_set() and time.monotonic() < deadline:
            if commit_held(dsn, application_name):
                forwarder.cut()
                seen.append(True)
                return
            done.wait(0.02)  # polls the server's view; ends early when the block does

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
    assert seen, f"no COMMIT of {application_name} was held within {timeout_s} s"


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    """Poll `condition()` until it is true or `timeout_s` passed."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
