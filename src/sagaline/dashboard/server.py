"""Run the dashboard with uvicorn (what `sagaline dashboard` does)."""

from __future__ import annotations

import socket

import uvicorn

from sagaline.core.http.server import QuietServer
from sagaline.dashboard.api import create_app
from sagaline.settings import DashboardSettings


def server(settings: DashboardSettings) -> uvicorn.Server:
    """A uvicorn server for the dashboard; open browsers are let go of after 2 s at stop."""
    config = uvicorn.Config(create_app(settings), host=settings.dashboard_host,
                            port=settings.dashboard_port, log_level="warning",
                            timeout_graceful_shutdown=2)
    return QuietServer(config)  # an unwatched dashboard idles: a tick a second, not ten


def serve(settings: DashboardSettings, sock: socket.socket | None = None) -> None:
    """Serve until stopped (SIGINT/SIGTERM); on `sock` when given (tests bind port 0)."""
    server(settings).run(sockets=[sock] if sock else None)
