"""`serve NAME`: run one service of the chosen saga in this process (what the stack, compose
and k8s start)."""

from __future__ import annotations

import typer

from sagaline import saga_choice
from sagaline.cli.common import SagaOption
from sagaline.core.runtime.entry import run

app = typer.Typer()


@app.command()
def serve(name: str = typer.Argument(..., help="The service, as the saga declares it."),
          saga: SagaOption = None) -> None:
    """Serve one service of the saga: its HTTP API, outbox relay and consumer, until
    SIGINT/SIGTERM. Reads its settings from the environment (<NAME>_DB_DSN, ...)."""
    chosen = saga_choice.choose(saga)
    if name not in chosen.names:
        raise typer.BadParameter(f"no service {name!r} in saga {chosen.name}; "
                                 f"one of {', '.join(chosen.names)}", param_hint="NAME")
    run(chosen, name)
