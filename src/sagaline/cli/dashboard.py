"""`dashboard`: the read-only saga dashboard (see sagaline.dashboard)."""

from __future__ import annotations

import logging

import typer
from pydantic import ValidationError

from sagaline.cli.common import SagaOption, choose_stack_saga, say
from sagaline.settings import DashboardSettings

app = typer.Typer()


@app.command()
def dashboard(saga: SagaOption = None) -> None:
    """Serve the saga dashboard on DASHBOARD_HOST:DASHBOARD_PORT until stopped."""
    choose_stack_saga(saga)
    try:
        settings = DashboardSettings()
    except ValidationError as err:
        say(f"error: {err}")
        raise typer.Exit(2) from None
    if warning := settings.open_warning():  # allowed by ALLOW_OPEN_DASHBOARD, never quietly
        logging.getLogger("sagaline.dashboard").warning(warning)
    from sagaline.dashboard.server import serve

    say(f"dashboard on http://{settings.dashboard_host}:{settings.dashboard_port}")
    serve(settings)
