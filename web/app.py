"""The web node's routes (Starlette): the public hall page, live updates, health.

Pages are rendered on the server and refresh themselves without JavaScript; with it, a
server-sent event stream replaces the page's main part whenever the hall changes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from antrian.catalogue import TIMEZONES
from web import dashboard
from web.forms import read_form
from web.node import CentralUnavailable, WebNode
from web.texts import SURVEY_ELEMENTS, SURVEY_SCALE, Lang, lang_of, t
from web.tickets import RateLimiter, Tickets, UnknownTicket, Watch

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
KEEPALIVE_S = 15.0  # an SSE comment this often keeps proxies from closing an idle stream


@dataclass
class Site:
    """What the routes share: the node, the templates, the config."""

    node: WebNode
    env: Environment

    @property
    def config(self) -> Any:
        return self.node.config

    def render(self, name: str, lang: Lang, **kw: Any) -> str:
        return self.env.get_template(name).render(
            lang=lang, t=lambda key, **a: t(key, lang, **a), cfg=self.config, **kw
        )

    def page(self, name: str, request: Request, status: int = 200, **kw: Any) -> HTMLResponse:
        lang = lang_of(request.query_params.get("lang"))
        kw.setdefault("hall_name", self.config.hall_name or self.node.state.hall_name)
        # The language link repeats the path: "//host" or "/\\host" there is another site.
        path = "/" + request.url.path.lstrip("/\\")
        html = self.render(name, lang, away=self.node.away(), path=path, **kw)
        return HTMLResponse(html, status_code=status)


def hall_view(node: WebNode, lang: Lang) -> dict[str, Any]:
    """The public hall: per agency and service the waiting count and the estimate, the
    latest calls. Nothing personal: no officer, no ticket's history."""
    s = node.state
    tz = ZoneInfo(TIMEZONES[node.config.timezone])
    agencies: dict[str, list[dict[str, Any]]] = {}
    for q in s.queues.values():
        if not q.open:
            wait = t("closed", lang)
        elif q.estimated_wait_min is None:
            wait = t("unknown", lang)
        elif q.estimated_wait_min <= 0:
            wait = t("soon", lang)
        else:
            wait = t("minutes", lang, n=q.estimated_wait_min)
        agencies.setdefault(q.agency, []).append(
            {"name": q.name, "prefix": q.prefix, "waiting": q.waiting, "wait": wait, "open": q.open}
        )
    calls = [
        {
            "label": ev.ticket.label if ev.ticket else "?",
            "counter": ev.counter_name or ev.counter or "",
            "at": ev.at.astimezone(tz).strftime("%H:%M"),
        }
        for ev in s.recent_calls[:6]
    ]
    return {
        "hall_name": node.config.hall_name or s.hall_name,
        "synced": s.seq is not None,
        "agencies": sorted(agencies.items()),
        "calls": calls,
    }


def wait_text(minutes: int | None, lang: Lang) -> str:
    if minutes is None:
        return t("unknown", lang)
    if minutes <= 0:
        return t("soon", lang)
    return t("minutes", lang, n=minutes)


def ticket_view(w: Watch, lang: Lang) -> dict[str, Any]:
    tk = w.info
    counter = tk.counter_name or tk.counter or ""
    status = t(f"st_{tk.status}", lang, counter=counter) if tk.status != "void" else ""
    i = 0 if lang == "id" else 1
    return {
        "tk": tk,
        "token": w.token,
        "status_text": status,
        "counter": counter,
        "wait": wait_text(tk.estimated_wait_min, lang),
        "surveyed": w.surveyed,
        "questions": [q[i] for q in SURVEY_ELEMENTS],
        "scale": [s[i] for s in SURVEY_SCALE],
        "chosen": {},
        "message": None,
    }


class HallFragments:
    """The hall page's main part, rendered once per change and language and shared by
    every live client (1,000 phones must not mean 1,000 renders per call)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._cache: dict[Lang, tuple[int, bytes]] = {}

    def event(self, lang: Lang) -> bytes:
        node = self.site.node
        hit = self._cache.get(lang)
        if hit is not None and hit[0] == node.version:
            return hit[1]
        html = self.site.render("_hall_main.html", lang, away=node.away(), **hall_view(node, lang))
        data = f"event: update\ndata: {json.dumps({'html': html, 'v': node.version})}\n\n"
        body = data.encode()
        self._cache[lang] = (node.version, body)
        return body


async def sse(first: bytes | None, wake: asyncio.Event, render: Any) -> AsyncIterator[bytes]:
    """Send `first`, then render() each time `wake` is set; when it has nothing new (the
    app's keep-alive tick wakes every stream every KEEPALIVE_S), a comment keeps proxies
    from closing the idle stream. No timer per stream: with 1,000 live clients a
    wait_for() each (a task and a timer per wake-up) cost more than the rest of the send."""
    yield b"retry: 2000\n\n"
    if first:
        yield first
    while True:
        await wake.wait()
        wake.clear()
        yield render() or b": ping\n\n"


def build_app(node: WebNode, start_node: bool = True) -> Starlette:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    site = Site(node, env)
    fragments = HallFragments(site)
    tickets = Tickets(node)
    limiter = RateLimiter(node.config.lookups_per_minute)

    def client_of(request: Request) -> str:
        # The dashboard's rule: behind a proxy on another host uvicorn does not rewrite the
        # client from X-Forwarded-For, and every citizen shared the proxy's one budget.
        return dashboard.client_address(request, node.config.trusted_proxy)

    async def find(request: Request, token: str) -> Watch | Response:
        """The watched ticket, or the page to answer instead (404, 429, 503)."""
        known = tickets.by_token.get(token)
        if known is None and not limiter.allow(client_of(request)):
            return site.page("message.html", request, status=429, **message("too_many", request))
        try:
            return await tickets.get(token)
        except UnknownTicket:
            return site.page("not_found.html", request, status=404)
        except CentralUnavailable:
            return site.page(
                "message.html", request, status=503, refresh=node.config.refresh_s,
                **message("unavailable", request),
            )  # fmt: skip

    def message(key: str, request: Request) -> dict[str, str]:
        lang = lang_of(request.query_params.get("lang"))
        return {"title": t(f"{key}_title", lang), "text": t(key, lang)}

    async def ticket(request: Request) -> Response:
        found = await find(request, request.path_params["token"])
        if isinstance(found, Response):
            return found
        lang = lang_of(request.query_params.get("lang"))
        view = ticket_view(found, lang)
        if request.query_params.get("survey") == "thanks" and found.surveyed:
            view["message"] = None
        return site.page("ticket.html", request, **view)

    async def ticket_live(request: Request) -> Response:
        # Capped like the hall's streams: one token in hand must not open streams unbounded.
        if len(node.changed) >= node.config.max_live_clients:
            return Response("too many live clients", status_code=503)
        found = await find(request, request.path_params["token"])
        if isinstance(found, Response):
            return found
        w = found
        lang = lang_of(request.query_params.get("lang"))
        last_alert = w.alert
        last_key: tuple[int, str] = (-1, "")

        def render() -> bytes | None:
            nonlocal last_alert, last_key
            key = (w.version, str(node.away()))
            if key == last_key:
                return None
            last_key = key
            alert = w.alert > last_alert
            last_alert = w.alert
            html = site.render("_ticket_main.html", lang, away=node.away(), **ticket_view(w, lang))
            data = json.dumps({"html": html, "alert": alert, "v": w.version})
            return f"event: update\ndata: {data}\n\n".encode()

        async def stream() -> AsyncIterator[bytes]:
            # Woken by the ticket and by the hall's away banner.
            with w.changed.listen() as wake, node.changed.listen() as hall_wake:

                async def relay() -> None:
                    while True:
                        await hall_wake.wait()
                        hall_wake.clear()
                        wake.set()

                relay_task = asyncio.get_running_loop().create_task(relay())
                try:
                    async for chunk in sse(render(), wake, render):
                        yield chunk
                finally:
                    relay_task.cancel()

        return StreamingResponse(stream(), media_type="text/event-stream", headers=NO_BUFFER)

    async def ticket_survey(request: Request) -> Response:
        token = request.path_params["token"]
        found = await find(request, token)
        if isinstance(found, Response):
            return found
        w = found
        lang = lang_of(request.query_params.get("lang"))
        form = await read_form(request) or {}
        chosen: dict[int, int] = {}
        for i in range(1, len(SURVEY_ELEMENTS) + 1):
            value = form.get(f"u{i}", "")
            if value in ("1", "2", "3", "4"):
                chosen[i] = int(value)
        view = ticket_view(w, lang)
        if len(chosen) != len(SURVEY_ELEMENTS):
            tickets.bad_forms += 1
            view.update(chosen=chosen, message=t("survey_incomplete", lang))
            return site.page("ticket.html", request, status=400, **view)
        answers = [chosen[i] for i in range(1, len(SURVEY_ELEMENTS) + 1)]
        try:
            reply = await tickets.submit_survey(w, answers, node.new_request_id())
        except CentralUnavailable:
            view.update(chosen=chosen, message=t("survey_central_away", lang))
            return site.page("ticket.html", request, status=503, **view)
        if reply.ok:
            return RedirectResponse(f"/t/{token}?lang={lang}&survey=thanks", status_code=303)
        refusal = reply.refusal
        text = (refusal.text_id if lang == "id" else refusal.text_en) if refusal else ""
        view = ticket_view(w, lang)
        view.update(message=text)
        return site.page("ticket.html", request, status=409, **view)

    async def hall(request: Request) -> Response:
        lang = lang_of(request.query_params.get("lang"))
        return site.page("hall.html", request, **hall_view(node, lang))

    async def hall_live(request: Request) -> Response:
        if len(node.changed) >= node.config.max_live_clients:
            return Response("too many live clients", status_code=503)
        lang = lang_of(request.query_params.get("lang"))

        sent = -1

        def render() -> bytes | None:
            nonlocal sent
            if node.version == sent:
                return None
            sent = node.version
            return fragments.event(lang)

        async def stream() -> AsyncIterator[bytes]:
            with node.changed.listen() as wake:
                async for chunk in sse(render(), wake, render):
                    yield chunk

        return StreamingResponse(stream(), media_type="text/event-stream", headers=NO_BUFFER)

    async def health(request: Request) -> Response:
        away = node.away()
        return JSONResponse(
            {
                "ok": away is None,
                "broker": node.broker_online,
                "central": node.central_online,
                "seq": node.state.seq,
                "live_clients": len(node.changed),
                "tickets_watched": len(tickets.by_token),
            },
            status_code=200,
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        return site.page("not_found.html", request, status=404)

    async def keepalive() -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_S)
            node.changed.fire()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if start_node:
            node.start()
        ticker = asyncio.get_running_loop().create_task(keepalive())
        try:
            yield
        finally:
            ticker.cancel()
            if start_node:
                await node.stop()

    routes: list[BaseRoute] = [
        Route("/", hall),
        Route("/live/hall", hall_live),
        Route("/healthz", health),
        Route("/t/{token}", ticket),
        Route("/t/{token}/survey", ticket_survey, methods=["POST"]),
        Route("/live/t/{token}", ticket_live),
        *dashboard.routes(site),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found})
    app.state.site = site
    app.state.tickets = tickets
    return app


# Proxies (nginx) buffer responses by default; a live stream must pass at once.
NO_BUFFER = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
