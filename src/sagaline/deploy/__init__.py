"""Deployment files rendered from a saga's declaration (`sagaline render`): docker-compose.yml
(`compose`), deploy/k8s (`k8s`) and deploy/observability's Prometheus files (`prometheus`).

A renderer returns {path relative to its directory: text}, the same text for the same saga
(the declaration's order, no clock, no set order). The templates are YAML text in Python
modules rather than data dumped with PyYAML: the files are read and reviewed by people, so
they keep their comments (why a StatefulSet, why a probe) and compose's anchors; PyYAML is
not a runtime dependency; and .py modules ship in the wheel with no package-data rule. What
goes into them is a checked name (facts.py) or a quoted string (text.py), and the unit tests
parse every rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sagaline.core.saga import Saga
from sagaline.deploy import compose, k8s, observability

Render = Callable[[Saga, str | None], dict[str, str]]


@dataclass(frozen=True)
class Renderer:
    render: Render
    directory: Path  # where its files go by default, relative to the project
    owns: str = ""  # a glob of the files in `directory` that only this renderer writes


RENDERERS: dict[str, Renderer] = {
    "compose": Renderer(compose.render, Path(".")),
    "k8s": Renderer(k8s.render, Path("deploy/k8s"), owns="*.yaml"),
    "prometheus": Renderer(observability.render, Path("deploy/observability")),
}


def render(kind: str, saga: Saga, reference: str | None = None) -> dict[str, str]:
    """The files of `kind` for `saga`; `reference` (module:attr) is how its processes find
    it (SAGALINE_SAGA), None or the default's for the seed saga."""
    return RENDERERS[kind].render(saga, reference)


def write(kind: str, files: dict[str, str], directory: Path) -> list[Path]:
    """Write the rendered files under `directory`; return the files there that this kind
    owns but did not render (a service no longer declared), which are left in place."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    owns = RENDERERS[kind].owns
    return sorted(p for p in directory.glob(owns) if p.name not in files) if owns else []
