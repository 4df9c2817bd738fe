"""Which saga the tools and services run: `--saga module:attr` or SAGALINE_SAGA, else the
seed's. The working directory is searched first, so a saga declared in the user's own
project is found from there (as `uvicorn app:app` finds an app)."""

from __future__ import annotations

import importlib
import os
import sys

from sagaline.core.saga import Saga

DEFAULT = "sagaline.seed_saga.saga:SAGA"
ENV = "SAGALINE_SAGA"


class SagaNotFound(ValueError):
    """The reference names no saga; the message says why."""


def reference() -> str:
    return os.environ.get(ENV) or DEFAULT


def load(ref: str | None = None) -> Saga:
    """The saga `ref` ("module:attr") names; the chosen one (SAGALINE_SAGA or the seed's)
    when None."""
    ref = ref or reference()
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise SagaNotFound(f"{ref!r}: a saga is named as module:attribute, e.g. {DEFAULT}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SagaNotFound(f"{ref!r}: cannot import {module_name}: {exc}") from None
    saga = getattr(module, attr, None)
    if not isinstance(saga, Saga):
        raise SagaNotFound(f"{ref!r}: {module_name}.{attr} is "
                           f"{type(saga).__name__ if saga is not None else 'missing'}, "
                           "not a sagaline.core.saga.Saga")
    return saga


def choose(ref: str | None) -> Saga:
    """Load `ref` and make it the chosen saga for this process and those it starts."""
    saga = load(ref)
    if ref:
        os.environ[ENV] = ref
    return saga
