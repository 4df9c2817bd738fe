"""The operator log in memory: for unit tests of operator actions."""

from __future__ import annotations

from sagaline.core.operator_log import Entry


class MemoryOperatorLog:
    """The log in memory: for unit tests of the actions."""

    def __init__(self, service: str = "test") -> None:
        self.service = service
        self.written: list[Entry] = []

    def append(self, entry: Entry) -> None:
        self.written.append(entry)

    def entries(self, saga: str | None = None, limit: int = 100) -> list[Entry]:
        chosen = [e for e in reversed(self.written) if saga is None or saga in e.sagas]
        return chosen[:limit]
