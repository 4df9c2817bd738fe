"""The Host names the dashboard answers under. A browser sends the name it was pointed at:
a page of another site whose name is made to resolve to the dashboard's address (DNS
rebinding) sends that site's name, and is refused before anything is read."""

from __future__ import annotations

from sagaline.settings import DashboardSettings

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_BINDS = ("0.0.0.0", "::", "")  # every address: no name of its own


def allowed_hosts(settings: DashboardSettings) -> list[str]:
    """The loopback names, the bind address (unless a wildcard) and DASHBOARD_ALLOWED_HOSTS."""
    bind = settings.dashboard_host
    own = [] if bind in WILDCARD_BINDS else [f"[{bind}]" if ":" in bind else bind]
    return list(dict.fromkeys([*LOOPBACK, *own, *settings.dashboard_allowed_hosts]))

