"""The local Postgres superuser's password: random, one per server, kept in the server's
home dir readable by its owner only (`postgres-<service>/superuser-password`, 0600).

The launcher logs in with it to administer the server (roles, databases); pg_hba.conf
trusts nobody, so another local user who reaches the socket still needs it. A new password
is written beside the kept one first (`.new`) and settled only once the server holds it
(initdb took it, or ALTER ROLE set it): an interrupted start never leaves a password the
server does not know.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sagaline.devstack.private import write_private

FILE = "superuser-password"
PENDING = f"{FILE}.new"


def password(home: Path) -> str | None:
    """The settled password, or None (a server made before the superuser had one)."""
    try:
        return (home / FILE).read_text().strip() or None
    except FileNotFoundError:
        return None


def new_pending(home: Path) -> Path:
    """A fresh random password in `home`'s pending file (hex: no quoting anywhere)."""
    path = home / PENDING
    write_private(path, secrets.token_hex(32) + "\n")
    return path


def pending(home: Path) -> str:
    return (home / PENDING).read_text().strip()


def settle(home: Path) -> None:
    """The pending password becomes the kept one (the server holds it now)."""
    (home / PENDING).replace(home / FILE)


def set_password_sql(superuser: str, new: str) -> str:
    """What sets the password in single-user mode (given on stdin, never on a command line)."""
    if not all(c in "0123456789abcdef" for c in new):
        raise ValueError("a generated password is hex")
    return f"ALTER ROLE {superuser} PASSWORD '{new}';\n"
