"""Where the incremental audit (`audit.follow`) left off: a small JSON file, by default
under the stack dir (`<stack dir>/audit/<saga>.checkpoint.json`; `check --checkpoint`).

A file, not a table: the auditor only ever reads the services' databases (read-only
transactions, no write grant needed, nothing added to a service's schema), and where it
left off is its own state, not the saga's. Its times are the owner's database clock (`now()`
in the pass's snapshot), so a host clock that differs cannot make a pass skip a saga.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import orjson


@dataclass(frozen=True)
class Checkpoint:
    """`as_of`: when the last pass's owner snapshot was taken; `full_at`: the last full pass
    (every saga, the books and the orphans); `passes`: how many passes so far."""

    as_of: datetime
    full_at: datetime
    passes: int = 1


def default_path(stack_dir: Path, saga_name: str) -> Path:
    return stack_dir / "audit" / f"{saga_name}.checkpoint.json"


def load(path: Path) -> Checkpoint | None:
    """The checkpoint in `path`; None when there is none yet."""
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    return Checkpoint(datetime.fromisoformat(data["as_of"]),
                      datetime.fromisoformat(data["full_at"]), int(data["passes"]))


def save(path: Path, checkpoint: Checkpoint) -> None:
    """Written whole or not at all (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    data = {k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in asdict(checkpoint).items()}
    temporary.write_bytes(orjson.dumps(data))
    os.replace(temporary, path)
