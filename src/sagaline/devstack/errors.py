"""The one exception the launcher raises for anything a user can act on."""

from __future__ import annotations


class StackError(RuntimeError):
    """A readable failure: the CLI prints `str(err)` and `detail` (a log tail), no traceback."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail
