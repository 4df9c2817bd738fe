"""Files and directories only their owner may use: the local stack's secrets (passwords in a
config file, a socket to log in through) are no other local user's business."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path

from sagaline.devstack.errors import StackError

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, owners: Collection[int] | None = None) -> Path:
    """`path` created if missing and made 0700. A directory owned by someone else (one left
    in a shared temp dir for us to use) or a symlink is refused: its owner could reach
    what we put in it. `owners`: the uids we accept (default: our own)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    found = path.lstat()
    if not stat.S_ISDIR(found.st_mode):
        raise StackError(f"{path} is not a directory (a symlink?): remove it and start again")
    if found.st_uid not in (owners or {os.geteuid()}):
        raise StackError(f"{path} is not owned by us (uid {found.st_uid}): remove it and "
                         "start again")
    path.chmod(DIR_MODE)
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (0600), also over an older, more open
    file: written to a new file, then renamed over it (a reader never sees half)."""
    fresh = path.with_name(f".{path.name}.new")
    fresh.unlink(missing_ok=True)
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(fresh, path)
