"""`python -m sagaline check`: the auditor on the command line.

Exit status: 0 when everything holds, 1 with violations or stuck sagas, 2 when a database or
Kafka cannot be reached (one readable line on stderr).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import orjson
import typer

from sagaline import audit
from sagaline.audit.evaluate import AuditOptions
from sagaline.cli import check_follow
from sagaline.cli.common import SagaOption, choose_stack_saga
from sagaline.settings import SystemSettings


def parse_since(value: str | None) -> datetime | None:
    """ISO-8601; a time without a zone is taken as UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not an ISO-8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def progress() -> Callable[[int], None]:
    """Prints the count of sagas judged so far and the rate, on stderr."""
    started = time.monotonic()

    def say(judged: int) -> None:
        rate = judged / max(1e-9, time.monotonic() - started)
        typer.echo(f"audit: {judged:,} sagas judged ({rate:,.0f}/s)", err=True)
    return say


def check(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    since: str | None = typer.Option(
        None, "--since", help="Only sagas created at or after this ISO-8601 time (no zone:"
        " UTC), and the steps' records of them; the books stay global."),
    grace: float = typer.Option(audit.DEFAULT_GRACE_S, "--grace", min=0,
                                help="Seconds a saga may be in flight before it is stuck."),
    outbox_age: float = typer.Option(audit.DEFAULT_OUTBOX_AGE_S, "--outbox-age", min=0,
                                     help="Seconds an outbox row may wait to be published."),
    wait: float = typer.Option(
        0.0, "--wait", min=0,
        help="Re-check for up to this many seconds until all holds and nothing is in flight."),
    strict_dead_letters: bool = typer.Option(
        False, "--strict-dead-letters", help="Any poison message in a dead letter is a"
        " violation too (a dead-lettered valid event always is)."),
    lenient_dead_letters: bool = typer.Option(
        False, "--lenient-dead-letters", help="Every dead letter is only a warning, even a"
        " valid event's."),
    whole: bool = typer.Option(
        False, "--whole", help="Read each database whole into memory, as before the auditor"
        " streamed (for comparison; memory grows with the history)."),
    show_progress: bool | None = typer.Option(
        None, "--progress/--no-progress", help="The count of sagas judged, on stderr, every"
        " 100,000 (default: when stderr is a terminal)."),
    incremental: bool = typer.Option(
        False, "--incremental", help="One pass over the sagas that changed since the last"
        " pass (its checkpoint; the first pass is full), then save where it left off."),
    follow: bool = typer.Option(False, "--follow", help="Incremental passes, one every"
                                " --interval seconds, until interrupted (or --passes)."),
    interval: float = typer.Option(10.0, "--interval", min=0, help="Seconds between passes."),
    passes: int = typer.Option(0, "--passes", min=0, help="With --follow: stop after this"
                               " many passes (0: never)."),
    full_every: float = typer.Option(
        3600.0, "--full-every", min=0, help="Seconds after which a pass is full again (every"
        " saga, the books, the orphans); 0: only the first."),
    checkpoint: str | None = typer.Option(
        None, "--checkpoint", help="The checkpoint file (default: <stack dir>/audit/"
        "<saga>.checkpoint.json)."),
    saga: SagaOption = None,
) -> None:
    """Verify the saga's invariants across its services' databases and Kafka."""
    if strict_dead_letters and lenient_dead_letters:
        raise typer.BadParameter("--strict-dead-letters or --lenient-dead-letters, not both")
    if (incremental or follow) and (since or whole or wait):
        raise typer.BadParameter("--incremental and --follow take no --since, --whole or"
                                 " --wait: the checkpoint says where to start")
    chosen = choose_stack_saga(saga)
    options = AuditOptions(
        since=parse_since(since), grace_s=grace, outbox_age_s=outbox_age,
        dead_letters_fail=not lenient_dead_letters,
        # poison may come from anyone: judged only when asked to be
        expected_poison=() if strict_dead_letters else None, streaming=not whole,
        progress=progress() if (sys.stderr.isatty() if show_progress is None
                                else show_progress) else None)
    try:
        if incremental or follow:
            raise typer.Exit(check_follow.run_passes(
                chosen, options, check_follow.checkpoint_path(checkpoint, chosen), full_every,
                interval, passes if follow else 1, as_json))
        report = audit.run(SystemSettings(), since=options.since, grace_s=grace, wait_s=wait,
                           outbox_age_s=outbox_age, saga=chosen,
                           dead_letters_fail=options.dead_letters_fail,
                           expected_poison=options.expected_poison, streaming=not whole,
                           progress=options.progress)
    except ValueError as err:  # a saga whose audits cannot say what changed
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    except audit.SourceUnavailable as err:
        typer.echo(f"error: cannot audit: {err}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        typer.echo(report.text())
    raise typer.Exit(0 if report.ok else 1)
