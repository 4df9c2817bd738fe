"""An action's form: application/x-www-form-urlencoded (what an HTML form and the page's
fetch send), bounded; read without python-multipart."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import HTTPException, Request

MAX_FORM_BYTES = 256 * 1024  # a selection of a few thousand refs


class Form:
    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    def one(self, name: str, default: str = "") -> str:
        return (self._fields.get(name) or [default])[0]

    def all(self, name: str) -> list[str]:
        return [v for v in self._fields.get(name, []) if v]


async def read_form(request: Request) -> Form:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "send the form as application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, f"a form of at most {MAX_FORM_BYTES} bytes")
    return Form(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
