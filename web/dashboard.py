"""The supervisors' dashboard: sign-in, the live overview and the action forms.

Every action goes to central as a supervisor's request from the web node, which central
authorizes for the web role and records with the supervisor's account. The dashboard keeps
only sessions, in memory. Forms work without JavaScript; with it, the overview part
follows the hall live (server-sent events).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from antrian.catalogue import TIMEZONES
from protocol import messages as m
from web import csrf as csrf_mod
from web import sessions as sessions_mod
from web import texts
from web.accounts import AccountError, Accounts
from web.actions import ACTIONS, FormError, request_from_form
from web.csrf import Csrf
from web.dashboard_texts import dt
from web.forms import read_form
from web.lockout import Lockout
from web.node import CentralUnavailable
from web.overview import ActionLog, DashboardSettings, overview
from web.sessions import Session, Sessions
from web.texts import Lang

if TYPE_CHECKING:
    from web.app import Site

log = logging.getLogger(__name__)

BASE = "/dashboard"


@dataclass
class Supervision:
    """The dashboard's state: accounts (reloaded when the file changes), sessions, CSRF
    and lockout. Nothing here is queue state."""

    site: Site
    settings: DashboardSettings
    sessions: Sessions = field(default_factory=Sessions)
    csrf: Csrf = field(default_factory=Csrf)
    lockout: Lockout = field(default_factory=Lockout)
    _accounts: Accounts = field(default_factory=lambda: Accounts({}))
    _stamp: tuple[int, int] | None = None
    accounts_problem: str | None = None

    @property
    def secure(self) -> bool:
        if self.settings.secure_cookies is not None:
            return self.settings.secure_cookies
        return str(self.site.config.public_url or "").startswith("https://")

    def accounts(self) -> Accounts:
        """The supervisors file as it is now: re-read when it changed; a broken file keeps
        the last good accounts and the problem is logged."""
        path: Path | None = self.settings.supervisors
        if path is None:
            return self._accounts
        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                fresh = Accounts.load(path)
            except AccountError as exc:
                self.accounts_problem = str(exc)
                log.error("%s; keeping the accounts loaded before", exc)
                return self._accounts
            self.accounts_problem = None
            # A removed account or a new password ends that supervisor's sessions.
            for sid, old in self._accounts.by_id.items():
                new = fresh.by_id.get(sid)
                if new is None or new.password != old.password or new.disabled:
                    self.sessions.end_all(sid)
            self._accounts = fresh
        return self._accounts

    def session(self, request: Request) -> Session | None:
        s = self.sessions.of(request.cookies)
        if s is not None and s.supervisor not in self.accounts().by_id:
            self.sessions.end(s.token)
            return None
        return s


def client_address(request: Request, trusted_proxy: bool) -> str:
    if trusted_proxy:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            # The proxy appends the address it saw last: that one it vouches for.
            return forwarded.split(",")[-1].strip()[:64]
    return request.client.host if request.client else "unknown"


def lang_of(request: Request) -> Lang:
    return texts.lang_of(request.query_params.get("lang"))


def routes(site: Site) -> list[BaseRoute]:
    settings: DashboardSettings = site.config.dashboard
    sup = Supervision(site, settings)
    node = site.node
    actions = ActionLog()

    def follow(topic: str, msg: object) -> None:
        if isinstance(msg, m.Event):
            actions.note(msg)

    node.listeners.append(follow)

    def hhmm(at: datetime | None) -> str:
        # The zone read each time: a delivered config changes it live.
        tz = ZoneInfo(TIMEZONES[site.config.timezone])
        return at.astimezone(tz).strftime("%H:%M") if at else ""

    def page(
        request: Request,
        name: str,
        status: int = 200,
        token: csrf_mod.FormToken | None = None,
        **kw: Any,
    ) -> HTMLResponse:
        lang = lang_of(request)
        token = token or sup.csrf.token(request.cookies)
        response = site.page(
            name,
            request,
            status=status,
            d=lambda key, **a: dt(key, lang, **a),
            csrf_field=csrf_mod.FIELD,
            csrf_token=token.value,
            base=BASE,
            hhmm=hhmm,
            **kw,
        )
        if token.new_cookie is not None:
            response.set_cookie(
                csrf_mod.COOKIE, token.new_cookie, **csrf_mod.cookie_options(sup.secure)
            )
        response.headers["Cache-Control"] = "no-store"
        # The dashboard is not to be framed by another site (clickjacking its forms).
        response.headers["X-Frame-Options"] = "DENY"
        return response

    def to(path: str, request: Request, **query: str) -> RedirectResponse:
        q = {"lang": lang_of(request), **query}
        qs = "&".join(f"{k}={v}" for k, v in q.items())
        return RedirectResponse(f"{path}?{qs}", status_code=303)

    def view(request: Request, session: Session) -> dict[str, Any]:
        ov = overview(node.state, node.fleet, node.clock(), settings)
        return {
            "ov": ov,
            "who": session,
            "forms": _forms(node.new_request_id),
            "actions": actions.recent(),
        }

    def message(request: Request, key: str, **kw: Any) -> dict[str, Any]:
        return {"notice": dt(key, lang_of(request), **kw)}

    async def login_page(request: Request) -> Response:
        if sup.session(request) is not None:
            return to(BASE, request)
        notice = request.query_params.get("notice")
        kw = message(request, notice) if notice in ("signed_out", "session_over") else {}
        return page(request, "dashboard_login.html", no_accounts=not sup.accounts().by_id, **kw)

    async def login(request: Request) -> Response:
        form = await read_form(request)
        if form is None:
            return page(request, "dashboard_login.html", 400, **message(request, "bad_form"))
        problem = sup.csrf.problem(request.cookies, request.headers, form.get(csrf_mod.FIELD))
        if problem is not None:
            log.warning("sign-in refused: %s", problem)
            return page(request, "dashboard_login.html", 403, **message(request, "csrf"))
        user = form.get("username", "").strip().lower()[:48]
        address = client_address(request, site.config.trusted_proxy)
        wait = sup.lockout.wait_s(user, address)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            locked = message(request, "locked", n=minutes)
            return page(request, "dashboard_login.html", 429, **locked)
        account = sup.accounts().check(user, form.get("password", ""))
        if account is None:
            sup.lockout.failed(user, address)
            log.warning("failed sign-in for %r from %s", user, address)
            return page(request, "dashboard_login.html", 401, **message(request, "bad_login"))
        sup.lockout.succeeded(user, address)
        session = sup.sessions.start(account.id, account.name)
        log.info("supervisor %s signed in from %s", account.id, address)
        response = to(BASE, request)
        response.set_cookie(
            sessions_mod.COOKIE, session.token, **sessions_mod.cookie_options(sup.secure)
        )
        return response

    async def logout(request: Request) -> Response:
        form = await read_form(request) or {}
        problem = sup.csrf.problem(request.cookies, request.headers, form.get(csrf_mod.FIELD))
        if problem is not None:
            log.warning("sign-out refused: %s", problem)
            return page(request, "dashboard_login.html", 403, **message(request, "csrf"))
        sup.sessions.end(request.cookies.get(sessions_mod.COOKIE))
        response = to(f"{BASE}/login", request, notice="signed_out")
        response.delete_cookie(sessions_mod.COOKIE, path="/")
        return response

    async def dashboard(request: Request) -> Response:
        session = sup.session(request)
        if session is None:
            return to(f"{BASE}/login", request)
        kw = view(request, session)
        done = request.query_params.get("done")
        if done in ACTIONS:
            kw.update(message(request, "done", action=dt(f"action_{done}", lang_of(request))))
            kw["ok"] = True
        return page(request, "dashboard.html", **kw)

    async def action(request: Request) -> Response:
        session = sup.session(request)
        if session is None:
            return to(f"{BASE}/login", request, notice="session_over")
        form = await read_form(request)
        if form is None:
            return page(request, "dashboard.html", 400, **view(request, session),
                        **message(request, "bad_form"))  # fmt: skip
        problem = sup.csrf.problem(request.cookies, request.headers, form.get(csrf_mod.FIELD))
        if problem is not None:
            log.warning("action by %s refused: %s", session.supervisor, problem)
            return page(request, "dashboard.html", 403, **view(request, session),
                        **message(request, "csrf"))  # fmt: skip
        lang = lang_of(request)
        try:
            req = request_from_form(form, session.supervisor, site.config.node_id, node.clock())
        except FormError as exc:
            kw = view(request, session)
            kw["notice"] = exc.text_id if lang == "id" else exc.text_en
            return page(request, "dashboard.html", 400, **kw)
        try:
            reply = await node.request(req)
        except CentralUnavailable as exc:
            log.warning("action %s by %s: %s", form["action"], session.supervisor, exc)
            # The same form again, with the same request id: a resend is applied once.
            kw = view(request, session)
            kw["resend"] = form
            kw.update(message(request, "unavailable"))
            return page(request, "dashboard.html", 503, **kw)
        outcome = "ok" if reply.ok else reply.refusal.code if reply.refusal else "refused"
        log.info("supervisor %s: %s -> %s", session.supervisor, form["action"], outcome)
        if not reply.ok:
            refusal = reply.refusal
            text = ""
            if refusal is not None:
                text = refusal.text_id if lang == "id" else refusal.text_en
            kw = view(request, session)
            kw.update(message(request, "refused", text=text))
            return page(request, "dashboard.html", 409, **kw)
        return to(BASE, request, done=form["action"])

    async def live(request: Request) -> Response:
        session = sup.session(request)
        if session is None:
            return Response("sign in first", status_code=401)
        if len(node.changed) >= node.config.max_live_clients:
            return Response("too many live clients", status_code=503)
        # web.app mounts these routes: importing it at the top would be a cycle.
        from web.app import sse

        lang = lang_of(request)

        def render() -> bytes:
            ov = overview(node.state, node.fleet, node.clock(), settings)
            html = site.render(
                "_dashboard_live.html",
                lang,
                d=lambda key, **a: dt(key, lang, **a),
                ov=ov,
                hhmm=hhmm,
                away=node.away(),
                actions=actions.recent(),
            )
            return f"event: update\ndata: {json.dumps({'html': html})}\n\n".encode()

        async def stream() -> AsyncIterator[bytes]:
            with node.changed.listen() as wake:
                async for chunk in sse(render(), wake, render):
                    # A session that ended (sign-out, expiry, its account removed or its
                    # password changed: accounts() re-reads the file) stops its stream.
                    sup.accounts()
                    if sup.sessions.peek(session.token) is None:
                        return
                    yield chunk

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return [
        Route(BASE, dashboard),
        Route(f"{BASE}/login", login_page, methods=["GET"]),
        Route(f"{BASE}/login", login, methods=["POST"]),
        Route(f"{BASE}/logout", logout, methods=["POST"]),
        Route(f"{BASE}/action", action, methods=["POST"]),
        Route(f"{BASE}/live", live),
    ]


def _forms(new_id: Any) -> dict[str, str]:
    """A fresh request id for each action form: one id per intended action."""
    return {name: new_id() for name in ACTIONS}
