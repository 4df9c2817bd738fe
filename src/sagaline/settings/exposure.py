"""Who can reach a process: one listening beyond loopback serves whoever reaches its address.

A service (HTTP_HOST) or the dashboard (DASHBOARD_HOST) on such an address refuses to start
unless it checks keys (a service: REQUIRE_API_KEY=true) or is told that it is open on purpose
(ALLOW_OPEN_API, ALLOW_OPEN_DASHBOARD), which it then logs at WARNING when it starts. On
loopback (127.0.0.0/8, ::1, localhost: the local stack's default) only this machine reaches it.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Only this machine reaches `host`. Anything else counts as reachable from others: the
    wildcards (0.0.0.0, ::, ""), other addresses and names (a name may resolve to anything)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def open_warning(host_variable: str, host: str, allowed_by: str, what: str) -> str:
    """What a process open on purpose logs at WARNING when it starts."""
    return (f"{host_variable}={host!r} is not a loopback address and {allowed_by}=true: "
            f"anyone who reaches it can {what}")
