"""Where each declared handler is defined, for the timeline's "handled" rows: read once from
the declaration (`Service.consumes`, topic -> handler) with `inspect`, as `path:line` from
the handler's top package's parent (`sagaline/<step>/handlers.py:22`), and as a
link when DASHBOARD_SOURCE_URL names where that tree is browsable."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sagaline.core.saga import Saga
from sagaline.dashboard.step import HandlerLink


def handler_links(saga: Saga, source_url: str | None = None
                  ) -> dict[tuple[str, str], HandlerLink]:
    """(service, topic) -> where its handler is; a handler without findable source (a
    builtin, code made at run time) has none."""
    links = {}
    for service in saga.services:
        for topic, handler in service.consumes.items():
            text = where(handler)
            if text is not None:
                links[(service.name, topic)] = HandlerLink(text, _url(source_url, text))
    return links


def where(handler: Callable[..., Any]) -> str | None:
    """`path:line` of the handler's `def` (through decorators and partials)."""
    function: Any = inspect.unwrap(handler)
    while isinstance(function, functools.partial):
        function = inspect.unwrap(function.func)
    try:
        file = inspect.getsourcefile(function)
        _, line = inspect.getsourcelines(function)
    except (OSError, TypeError):
        return None
    if file is None:
        return None
    return f"{_relative(Path(file), getattr(function, '__module__', '') or '')}:{line}"


def _relative(file: Path, module: str) -> str:
    """The file's path from the folder that holds its top package (or top module)."""
    top = getattr(sys.modules.get(module.split(".")[0]), "__file__", None)
    if top is not None:
        base = Path(top).parent
        if Path(top).name == "__init__.py":
            base = base.parent
        try:
            return file.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:  # defined outside its package's tree
            pass
    return file.name


def _url(source_url: str | None, text: str) -> str | None:
    if not source_url:
        return None
    path, line = text.rsplit(":", 1)
    return f"{source_url.rstrip('/')}/{path}#L{line}"
