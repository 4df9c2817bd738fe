"""Helpers the command modules share: messages on stderr, readable failures, timings."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import psycopg
import typer

from sagaline.devstack import Stack, StackError

# Every command that works on a saga takes it so (or from SAGALINE_SAGA); the seed's default.
SagaOption = Annotated[str | None, typer.Option(
    "--saga", envvar="SAGALINE_SAGA", show_envvar=True,
    help="The saga to work on, as module:attribute (default: the seed's, "
         "sagaline.seed_saga.saga:SAGA).")]


def say(text: str) -> None:
    typer.echo(text, err=True)


@contextmanager
def readable_errors(stack: Stack | None = None, cleanup: bool = False) -> Iterator[None]:
    """Turn StackError, an unreachable database or Ctrl-C into a message and exit 1;
    optionally stop what was started."""
    try:
        yield
    except (StackError, psycopg.OperationalError, KeyboardInterrupt) as err:
        say("interrupted" if isinstance(err, KeyboardInterrupt) else f"error: {err}")
        if isinstance(err, StackError) and err.detail:
            say(err.detail)
        if cleanup and stack is not None and stack.started:
            say("stopping what was started ...")
            stack.stop_started()
        raise typer.Exit(1) from None


def timed(label: str, step: Callable[[], None]) -> None:
    begin = time.monotonic()
    step()
    say(f"{label} ready in {time.monotonic() - begin:.1f} s")
