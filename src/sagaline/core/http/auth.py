"""Who may call a route: API keys in the `X-API-Key` header, compared in constant time.

Two kinds of key. Admin keys (operators and their tools) may restock and read readiness
details; client keys may call the ordinary routes when the service requires a key for them.
An admin key is accepted wherever a client key is. No key configured: nobody passes.

Why API keys and not JWTs: the callers are operators' tools and other systems, not end
users; a key needs no issuer or clock, and rotating one is adding the new key before removing
the old (every setting takes several). End users' tokens (OIDC, JWT) belong to the gateway in
front (docs: running behind a gateway), which then calls the service with its own key.

The scheme is FastAPI's `APIKeyHeader`, so the OpenAPI documents name it on every route it
guards. Routes read the keys from `app.state.access`, set by `core.web.create_app`.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Request, Security
from fastapi.security import APIKeyHeader
from pydantic import SecretStr
from starlette.exceptions import HTTPException

HEADER = "X-API-Key"
SCHEME = APIKeyHeader(
    name=HEADER, scheme_name="ApiKey", auto_error=False,
    description="An admin key (ADMIN_API_KEYS) for admin routes; a client key (API_KEYS) or an "
                "admin key elsewhere, when the service requires one (REQUIRE_API_KEY).")
Presented = Annotated[str | None, Security(SCHEME)]
_CHALLENGE = {"WWW-Authenticate": "APIKey"}


class Keys:
    """A set of secret keys; `matches` compares against every one, in constant time each, so
    neither the time taken nor an early exit tells which (or how much of one) matched."""

    def __init__(self, keys: Iterable[SecretStr | str] = ()) -> None:
        values = (k.get_secret_value() if isinstance(k, SecretStr) else k for k in keys)
        self._keys = tuple(v.encode() for v in values if v)

    def matches(self, presented: str | None) -> bool:
        given = (presented or "").encode()
        found = False
        for key in self._keys:
            found |= hmac.compare_digest(key, given)
        return found and bool(given)

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __repr__(self) -> str:  # never the values
        return f"Keys({len(self._keys)})"


@dataclass(frozen=True)
class Access:
    """The keys a service accepts; `required`: every route but health needs a client key."""

    admin: Keys = field(default_factory=Keys)
    clients: Keys = field(default_factory=Keys)
    required: bool = False

    def is_admin(self, presented: str | None) -> bool:
        return self.admin.matches(presented)

    def demand(self, presented: str | None, *, admin: bool) -> None:
        """Return if `presented` may pass; else 401 (no or unknown key) or 403 (a client key
        on an admin route)."""
        if self.admin.matches(presented):
            return
        known_client = self.clients.matches(presented)
        if known_client and not admin:
            return
        if known_client:
            raise HTTPException(403, "this API key may not call admin routes")
        missing = f"an API key is required in the {HEADER} header"
        raise HTTPException(401, "unknown API key" if presented else missing, _CHALLENGE)


def access_of(request: Request) -> Access:
    access = getattr(request.app.state, "access", None)
    return access if isinstance(access, Access) else Access()


def require_admin(request: Request, key: Presented = None) -> None:
    access_of(request).demand(key, admin=True)


def require_client(request: Request, key: Presented = None) -> None:
    access_of(request).demand(key, admin=False)


ADMIN: Any = Security(require_admin)  # `dependencies=[auth.ADMIN]` on an admin route
CLIENT: Any = Security(require_client)
