"""Who holds a port: for readable 'port already taken' errors."""

from __future__ import annotations

import psutil


def port_owner(port: int) -> str | None:
    """'name (pid N)' of the process listening on `port`, or None when it is free."""
    try:
        conns = psutil.net_connections(kind="inet")
    except psutil.Error:
        conns = []
    for conn in conns:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            return describe_pid(conn.pid)
    return None


def describe_pid(pid: int | None) -> str:
    if pid is None:
        return "another process"
    try:
        return f"{psutil.Process(pid).name()} (pid {pid})"
    except psutil.Error:
        return f"pid {pid}"


def port_taken_message(component: str, port: int, owner: str) -> str:
    return f"{component}: port {port} is already in use by {owner}; stop it or change the port."
