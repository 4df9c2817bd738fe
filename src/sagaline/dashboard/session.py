"""Who may act from the dashboard. Reading needs nothing; acting needs a session, got by
presenting the admin key (the key the services accept as ADMIN_API_KEYS, which the
dashboard itself holds as ADMIN_API_KEY to act on them) at the login form.

A session lives on the server: the cookie carries only a random token (`secrets`), so a
logout or an expiry ends it for good (a signed cookie, e.g. starlette's SessionMiddleware,
stays valid until it expires). The cookie is HttpOnly and SameSite=Strict (a page of another
site posting here does not send it), Secure when the page was served over https.

Every action also carries the session's CSRF token (a synchronizer token, a form field or
the X-CSRF-Token header) and, when the browser names it, its own origin: a post from another
site is refused even where the cookie would be sent. The Host check (`hosts`) comes first.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response

COOKIE = "sagaline_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_TTL_S = 8 * 3600.0  # a working day; then log in again
DEFAULT_OPERATOR = "dashboard-admin"
OPERATOR_CHARS = 64


@dataclass(frozen=True)
class Session:
    operator: str
    csrf: str
    expires: float  # on the store's clock


class Sessions:
    """The open sessions, by token. No admin key configured: nobody can log in."""

    def __init__(self, admin_key: str, ttl_s: float = SESSION_TTL_S,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._key = admin_key.encode()
        self.ttl_s = ttl_s
        self._now = now
        self._open: dict[str, Session] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._key)

    def login(self, key: str, operator: str = "") -> tuple[str, Session] | None:
        """A new session for the right key (compared in constant time), else None."""
        if not self._key or not hmac.compare_digest(key.encode(), self._key):
            return None
        name = " ".join(operator.split())[:OPERATOR_CHARS] or DEFAULT_OPERATOR
        token = secrets.token_urlsafe(32)
        session = Session(name, secrets.token_urlsafe(32), self._now() + self.ttl_s)
        with self._lock:
            self._drop_expired()
            self._open[token] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session of `token`; None when unknown, ended or expired."""
        if not token:
            return None
        with self._lock:
            session = self._open.get(token)
            if session is not None and session.expires <= self._now():
                del self._open[token]
                return None
            return session

    def logout(self, token: str | None) -> None:
        with self._lock:
            self._open.pop(token or "", None)

    def _drop_expired(self) -> None:
        now = self._now()
        for token in [t for t, s in self._open.items() if s.expires <= now]:
            del self._open[token]


def same_origin(request: Request) -> None:
    """403 for a post a page of another origin sent (Origin, or Sec-Fetch-Site, says so)."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin.lower() != own.lower():
        raise HTTPException(403, f"refused: a request from another origin ({origin})")
    site = request.headers.get("sec-fetch-site")
    if site not in (None, "same-origin", "none"):
        raise HTTPException(403, f"refused: a request from another site ({site})")


def acting(request: Request, sessions: Sessions, csrf: str | None) -> Session:
    """The session an action is taken under: same origin, logged in (else 401), the
    session's CSRF token given (else 403)."""
    same_origin(request)
    session = sessions.get(request.cookies.get(COOKIE))
    if session is None:
        raise HTTPException(401, "refused: log in with the admin key to act")
    given = csrf or request.headers.get(CSRF_HEADER) or ""
    if not hmac.compare_digest(given.encode(), session.csrf.encode()):
        raise HTTPException(403, "refused: missing or wrong CSRF token")
    return session


def remember(response: Response, request: Request, token: str, ttl_s: float) -> None:
    """The session's cookie: HttpOnly, SameSite=Strict, Secure under https."""
    response.set_cookie(COOKIE, token, max_age=int(ttl_s), path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
