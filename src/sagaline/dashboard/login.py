"""Logging in and out of the dashboard (see `session`): the admin key at a form, for a
session cookie; GET /api/session tells the page who is logged in and the CSRF token its
forms carry (a page of another origin cannot read it: no CORS, and the cookie is Strict)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from sagaline.dashboard.forms import read_form
from sagaline.dashboard.pages import STATIC
from sagaline.dashboard.session import COOKIE, Sessions, acting, remember, same_origin

NO_STORE = {"Cache-Control": "no-store"}


def _back_to(target: str) -> str:
    """Only a path of this site (never //other.site or a scheme): no open redirect."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else "/"


def login_router(sessions: Sessions) -> APIRouter:
    router = APIRouter()

    @router.get("/login", include_in_schema=False)
    def login_page() -> FileResponse:
        return FileResponse(STATIC / "login.html", headers=NO_STORE)

    @router.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        same_origin(request)
        form = await read_form(request)
        opened = sessions.login(form.one("key"), form.one("operator"))
        if opened is None:
            why = "failed" if sessions.enabled else "disabled"
            return RedirectResponse(f"/login?{why}=1", 303, headers=NO_STORE)
        token, _ = opened
        answer = RedirectResponse(_back_to(form.one("next", "/")), 303, headers=NO_STORE)
        remember(answer, request, token, sessions.ttl_s)
        return answer

    @router.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        acting(request, sessions, (await read_form(request)).one("csrf"))
        sessions.logout(request.cookies.get(COOKIE))
        answer = RedirectResponse("/", 303, headers=NO_STORE)
        answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return answer

    @router.get("/api/session")
    def session(request: Request, response: Response) -> dict[str, Any]:
        """Who is logged in here, and the CSRF token of the session; nobody: nulls."""
        response.headers.update(NO_STORE)
        found = sessions.get(request.cookies.get(COOKIE))
        return {"enabled": sessions.enabled, "operator": found and found.operator,
                "csrf": found and found.csrf}

    return router
