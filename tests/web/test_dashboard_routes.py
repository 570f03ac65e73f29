"""The dashboard's routes in-process (httpx's ASGI transport): sign-in, sessions, CSRF,
lockout, the overview and the forms' errors. Central is absent here: actions that reach it
are tested through a real broker in test_dashboard_browser.py."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from central.hall import Hall
from protocol import encode
from protocol import messages as m
from tests.central.test_hall import CAT, DAY, T0, issue
from tests.web.conftest import web_config
from web.accounts import Accounts
from web.app import build_app
from web.node import WebNode

PW = "kopi-tubruk-42"


@pytest.fixture
def node(tmp_path: Path) -> WebNode:
    accounts = tmp_path / "supervisors.yaml"
    Accounts({}).with_account("siti", "Siti Aminah", PW).save(accounts)
    cfg = web_config(1, tmp_path / "web", dashboard={"supervisors": str(accounts)})
    node = WebNode(cfg, clock=lambda: T0)
    hall = Hall(CAT, DAY)
    issue(hall, "dukcapil", T0)
    node.handle(node.topics.hall, encode(hall.hall_snapshot(T0)))
    return node


class AppClient:
    """A synchronous face on httpx.AsyncClient over the app, one event loop per client
    (the web node's state is fed on the test's thread, as the node's loop would)."""

    def __init__(self, node: WebNode, base_url: str = "http://testserver") -> None:
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=build_app(node, start_node=False))
        self.http = httpx.AsyncClient(transport=transport, base_url=base_url)

    @property
    def cookies(self) -> httpx.Cookies:
        return self.http.cookies

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.get(url, **kw))

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.post(url, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def client(node: WebNode) -> Iterator[AppClient]:
    c = AppClient(node)
    yield c
    c.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def sign_in(client: AppClient, password: str = PW, user: str = "siti") -> httpx.Response:
    token = csrf_of(client.get("/dashboard/login").text)
    return client.post(
        "/dashboard/login", data={"csrf_token": token, "username": user, "password": password}
    )


def test_sign_in_sets_a_strict_http_only_session_and_shows_the_hall(client: AppClient) -> None:
    assert client.get("/dashboard").headers["location"].startswith("/dashboard/login")
    login = client.get("/dashboard/login")
    assert login.status_code == 200 and "Masuk supervisor" in login.text
    assert "httponly" in login.headers["set-cookie"].lower()
    r = sign_in(client)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "antrian_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Masuk sebagai Siti Aminah" in page.text
    assert "Loket 1" in page.text and "KTP-el, KK, Akta" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert 'http-equiv="refresh"' in page.text  # follows the hall without JavaScript too
    assert "Signed in as Siti Aminah" in client.get("/dashboard?lang=en").text


def test_sign_out_ends_the_session_for_good(client: AppClient) -> None:
    sign_in(client)
    session = client.cookies.get("antrian_session")
    page = client.get("/dashboard").text
    r = client.post("/dashboard/logout", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 303 and "signed_out" in r.headers["location"]
    assert "Anda sudah keluar" in client.get(r.headers["location"]).text
    # The old cookie, replayed, no longer opens the dashboard.
    client.cookies.set("antrian_session", session or "")
    assert client.get("/dashboard").status_code == 303


def test_forms_without_the_csrf_token_are_refused(client: AppClient) -> None:
    client.get("/dashboard/login")
    no_token = client.post("/dashboard/login", data={"username": "siti", "password": PW})
    assert no_token.status_code == 403 and "Formulir kedaluwarsa" in no_token.text
    forged = client.post(
        "/dashboard/login", data={"csrf_token": "abc.def", "username": "siti", "password": PW}
    )
    assert forged.status_code == 403
    token = csrf_of(client.get("/dashboard/login").text)
    cross = client.post(
        "/dashboard/login",
        data={"csrf_token": token, "username": "siti", "password": PW},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403 and "antrian_session" not in client.cookies
    sign_in(client)
    act = client.post(
        "/dashboard/action",
        data={"action": "pause", "counter": "loket-1", "request_id": "web:abcdefgh"},
    )
    assert act.status_code == 403


def test_lockout_after_five_failures_even_for_the_right_password(client: AppClient) -> None:
    for _ in range(5):
        r = sign_in(client, password="wrong-password")
        assert r.status_code == 401 and "salah" in r.text
    locked = sign_in(client)
    assert locked.status_code == 429
    assert "Coba lagi dalam 15 menit" in locked.text
    assert "antrian_session" not in client.cookies


def test_bad_forms_and_an_absent_central_get_clear_pages(client: AppClient) -> None:
    sign_in(client)
    page = client.get("/dashboard").text
    token = csrf_of(page)
    rid = re.search(r'name="request_id" value="([^"]+)"', page)
    assert rid
    bad = client.post(
        "/dashboard/action",
        data={
            "csrf_token": token,
            "action": "set_quota",
            "queue": "skck",
            "quota": "-1",
            "request_id": rid.group(1),
        },
    )
    assert bad.status_code == 400 and "Kuota harus angka 0 sampai 9999" in bad.text
    not_form = client.post(
        "/dashboard/action", content=b"{}", headers={"content-type": "application/json"}
    )
    assert not_form.status_code == 400 and "Formulir tidak dapat dibaca" in not_form.text
    # No broker in this test: the page says so and offers the same form (same id) again.
    away = client.post(
        "/dashboard/action",
        data={
            "csrf_token": token,
            "action": "pause",
            "counter": "loket-1",
            "request_id": rid.group(1),
        },
    )
    assert away.status_code == 503 and "Server pusat tidak menjawab" in away.text
    assert f'value="{rid.group(1)}"' in away.text


def test_session_cookie_is_secure_behind_https(tmp_path: Path, node: WebNode) -> None:
    node.config = node.config.model_copy(update={"public_url": "https://antrian.example"})
    c = AppClient(node, base_url="https://testserver")
    r = sign_in(c)
    assert "secure" in r.headers["set-cookie"].lower()
    c.close()


def test_events_after_the_snapshot_show_on_the_next_page(client: AppClient, node: WebNode) -> None:
    sign_in(client)
    paused = m.Event(
        seq=node.state.seq + 1,  # type: ignore[operator]
        at=T0,
        kind="counter_paused",
        business_day=DAY,
        counter="loket-2",
        counter_name="Loket 2",
        supervisor="siti",
    )
    node.handle(node.topics.events, encode(paused))
    page = client.get("/dashboard").text
    row = re.search(r'<tr id="counter-loket-2" data-state="(\w+)"', page)
    assert row and row.group(1) == "paused"


def test_the_live_stream_is_for_signed_in_supervisors_only(client: AppClient) -> None:
    assert client.get("/dashboard/live").status_code == 401
