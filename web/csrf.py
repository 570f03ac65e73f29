"""CSRF protection for every form: a signed double-submit token (as Datasette's asgi-csrf).

The browser holds a random nonce in an HttpOnly, SameSite=Strict cookie; each form carries
the nonce with its HMAC. A page on another site can make the browser post a form, but it
can neither read the cookie nor sign a nonce, so its post is refused. The Origin header,
when the browser sends one, must also name this site.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

COOKIE = "antrian_csrf"
FIELD = "csrf_token"


@dataclass(frozen=True)
class FormToken:
    value: str  # goes into the form's hidden field
    new_cookie: str | None  # set this cookie on the response (the browser had none)


class Csrf:
    def __init__(self, secret: bytes | None = None) -> None:
        # A fresh secret per start: a form rendered before a restart is refused once and
        # works after a reload, which is all a restart should cost.
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()

    def token(self, cookies: Mapping[str, str]) -> FormToken:
        nonce = cookies.get(COOKIE)
        fresh = None
        if not nonce or len(nonce) > 64:
            nonce = fresh = secrets.token_urlsafe(24)
        return FormToken(f"{nonce}.{self._sign(nonce)}", fresh)

    def problem(
        self, cookies: Mapping[str, str], headers: Mapping[str, str], submitted: str | None
    ) -> str | None:
        """Why this post must be refused (for the log), or None when it is genuine.
        `headers` with lowercase names, as Starlette's."""
        origin = headers.get("origin")
        if origin == "null":
            return "origin null"
        if origin is not None and urlsplit(origin).netloc != headers.get("host", ""):
            return f"origin {origin!r} is not this site"
        nonce = cookies.get(COOKIE)
        if not nonce:
            return "no CSRF cookie"
        if not submitted or submitted.count(".") != 1:
            return "no CSRF token in the form"
        sent_nonce, sig = submitted.split(".")
        if not hmac.compare_digest(sent_nonce, nonce):
            return "CSRF token belongs to another browser"
        if not hmac.compare_digest(sig, self._sign(nonce)):
            return "CSRF token not signed by this server (it restarted, or forged)"
        return None


def cookie_options(secure: bool) -> dict[str, Any]:
    """For Starlette's Response.set_cookie(COOKIE, token.new_cookie, **cookie_options(...))."""
    return {"path": "/", "httponly": True, "samesite": "strict", "secure": secure}
