"""`render compose|k8s|prometheus|asyncapi`: the chosen saga's deployment files, rendered
from its declaration (sagaline.deploy), or its AsyncAPI document (sagaline.contracts)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sagaline import deploy, saga_choice
from sagaline.cli.common import SagaOption, say
from sagaline.contracts import asyncapi

app = typer.Typer()


class Kind(StrEnum):
    compose = "compose"  # docker-compose.yml
    k8s = "k8s"  # deploy/k8s/*.yaml
    prometheus = "prometheus"  # deploy/observability: prometheus.yml, alerts.yml
    asyncapi = "asyncapi"  # asyncapi.json: the whole saga's event contract


OutOption = Annotated[Path | None, typer.Option(
    "--out", "-o", help="The directory to write to (default: docker-compose.yml's, deploy/k8s "
                        "or deploy/observability, under the current directory); for asyncapi "
                        "the file (default: asyncapi.json); - prints compose's or asyncapi's "
                        "file instead.")]
ASYNCAPI_FILE = Path("asyncapi.json")


@app.command()
def render(kind: Kind, saga: SagaOption = None, out: OutOption = None) -> None:
    """Render the saga's deployment files: compose, k8s manifests or Prometheus' scrape
    targets and alerts; or its AsyncAPI document. The same saga always renders the same
    text."""
    try:
        chosen = saga_choice.load(saga)
        if kind is Kind.asyncapi:
            files = {ASYNCAPI_FILE.name: json.dumps(asyncapi.document(chosen), indent=2) + "\n"}
        else:
            files = deploy.render(kind.value, chosen, saga)
    except (saga_choice.SagaNotFound, ValueError) as err:
        say(f"error: {err}")
        raise typer.Exit(2) from None
    if out == Path("-"):
        if len(files) != 1:
            raise typer.BadParameter(f"{kind.value} renders {len(files)} files; give a "
                                     "directory", param_hint="--out")
        typer.echo(next(iter(files.values())), nl=False)
        return
    if kind is Kind.asyncapi:
        _write_file(out or ASYNCAPI_FILE, files[ASYNCAPI_FILE.name])
        say(f"{chosen.name}: wrote {out or ASYNCAPI_FILE}")
        return
    directory = out if out is not None else deploy.RENDERERS[kind.value].directory
    stale = deploy.write(kind.value, files, directory)
    say(f"{chosen.name}: wrote {', '.join(str(directory / n) for n in files)}")
    for path in stale:
        say(f"warning: {path} is not part of this rendering (left as it is)")


def _write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
