"""Each seed service composed for a test: `compose` of the seed saga with the given settings
(the step's own model, no database to reach unless given) and adapters."""

from __future__ import annotations

from typing import Any

from sagaline.core.runtime.compose import compose
from sagaline.core.runtime.service import Service
from sagaline.seed_saga.saga import SAGA
from tests.service_settings import UNUSED_DSN


def _composer(name: str) -> Any:
    def build(settings: Any = None, **adapters: Any) -> Service:
        model = SAGA.service(name).settings
        return compose(SAGA, name, settings or model(db_dsn=UNUSED_DSN), **adapters)

    build.__name__ = name
    return build


order = _composer("order")
payment = _composer("payment")
inventory = _composer("inventory")
