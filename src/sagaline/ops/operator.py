"""Who acts, for the operator log."""

from __future__ import annotations

import getpass
import os

OPERATOR_ENV = "SAGALINE_OPERATOR"


def operator_name(given: str | None = None) -> str:
    """Who acts: as given, else $SAGALINE_OPERATOR, else the login name."""
    return given or os.environ.get(OPERATOR_ENV) or getpass.getuser()
