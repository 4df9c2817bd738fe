"""A service's settings for tests whose fakes stand in for the database."""

from __future__ import annotations

from typing import Any, TypeVar

from sagaline.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)
UNUSED_DSN = "postgresql://unused@127.0.0.1:1/unused"


def settings_for(model: type[S], **overrides: Any) -> S:
    """`model` as its service would read it, with no database to reach."""
    return model(db_dsn=UNUSED_DSN, **overrides)
