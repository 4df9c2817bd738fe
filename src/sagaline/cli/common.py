"""Helpers the command modules share: choosing the saga, messages on stderr, readable
failures, timings."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import psycopg
import typer

from sagaline import saga_choice
from sagaline.core.saga import Saga
from sagaline.devstack import Stack, StackError
from sagaline.devstack.shape import Shape
from sagaline.settings import stack_settings

R = TypeVar("R")

# Every command that works on a saga takes it so (or from SAGALINE_SAGA); the seed's default.
SagaOption = Annotated[str | None, typer.Option(
    "--saga", envvar="SAGALINE_SAGA", show_envvar=True,
    help="The saga to work on, as module:attribute (default: on a local stack, the one `up` "
         "was given; else the seed's, sagaline.seed_saga.saga:SAGA).")]


def say(text: str) -> None:
    typer.echo(text, err=True)


def choose_saga(ref: str | None) -> Saga:
    """The saga `--saga` names (else SAGALINE_SAGA's, else the seed's), made the chosen one
    for this process and those it starts; a reference that names none exits 2 saying why."""
    try:
        return saga_choice.choose(ref)
    except saga_choice.SagaNotFound as err:
        raise typer.BadParameter(str(err), param_hint="--saga") from None


def choose_stack_saga(ref: str | None) -> Saga:
    """For a command on a running local stack: the saga `--saga` (or SAGALINE_SAGA) names,
    else the one `up` recorded in the stack dir, else the seed's; made the chosen one."""
    recorded = Shape.load(stack_settings().stack_dir.resolve()).saga
    return choose_saga(ref or os.environ.get(saga_choice.ENV) or recorded)


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
