"""The dashboard against a real broker and central: a supervisor's action reaches central,
which applies it once and records the supervisor; the counter's snapshot shows it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from protocol import decode
from protocol import messages as m
from tests.web.conftest import Hall, WebServer, wait_for
from web.accounts import Accounts

PW = "kopi-tubruk-42"


@pytest.fixture
def dash(hall: Hall, tmp_path: Path) -> Iterator[WebServer]:
    accounts = tmp_path / "supervisors.yaml"
    Accounts({}).with_account("siti", "Siti Aminah", PW).save(accounts)
    server = hall.web(dashboard={"supervisors": str(accounts)}).start()
    try:
        yield server
    finally:
        server.stop()


def field(name: str, html: str, form: str | None = None) -> str:
    if form is not None:
        start = html.index(f'id="form-{form}"')
        html = html[start:]
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} in the page"
    return found.group(1)


def test_supervisor_pause_reaches_central_once_and_shows_everywhere(
    hall: Hall, dash: WebServer
) -> None:
    assert wait_for(lambda: dash.node.state.seq is not None and dash.node.central_online)
    with httpx.Client(base_url=dash.url) as web:
        login = web.get("/dashboard/login").text
        r = web.post(
            "/dashboard/login",
            data={"csrf_token": field("csrf_token", login), "username": "siti", "password": PW},
        )
        assert r.status_code == 303
        page = web.get("/dashboard").text
        form = {
            "csrf_token": field("csrf_token", page),
            "action": "pause",
            "request_id": field("request_id", page, "pause"),
            "counter": "loket-2",
            "reason": "rapat",
        }
        done = web.post("/dashboard/action", data=form)
        assert done.status_code == 303 and "done=pause" in done.headers["location"]
        assert "Berhasil: Istirahatkan loket" in web.get(done.headers["location"]).text
        # The same form sent again (a double click) is answered, not applied again.
        assert web.post("/dashboard/action", data=form).status_code == 303
        # Everyone on the dashboard sees who did it (from central's event).
        assert wait_for(lambda: "siti</b> mengistirahatkan Loket 2" in web.get("/dashboard").text)

    counter = hall.central.hall.counter_snapshot("loket-2")
    assert counter.state == "paused"
    events = [
        m.Event.model_validate_json(body)
        for (body,) in hall.central.ledger.db.execute(
            "SELECT body FROM events WHERE kind = 'counter_paused'"
        )
    ]
    assert [(e.counter, e.supervisor) for e in events] == [("loket-2", "siti")]

    def web_sees_paused() -> bool:
        c = dash.node.state.counters.get("loket-2")
        return c is not None and c.state == "paused"

    assert wait_for(web_sees_paused)
    # And the retained snapshot every counter board reads.
    got: list[m.CounterSnapshot] = []
    hall.link.subscribe(
        hall.central.topics.counter("loket-2"),
        lambda t, p: got.append(decode(m.CounterSnapshot, p)),
    )
    assert wait_for(lambda: bool(got) and got[-1].state == "paused")


def test_refusal_from_central_is_shown_in_both_languages(hall: Hall, dash: WebServer) -> None:
    assert wait_for(lambda: dash.node.state.seq is not None and dash.node.central_online)
    with httpx.Client(base_url=dash.url) as web:
        login = web.get("/dashboard/login").text
        web.post(
            "/dashboard/login",
            data={"csrf_token": field("csrf_token", login), "username": "siti", "password": PW},
        )
        page = web.get("/dashboard?lang=en").text
        r = web.post(
            "/dashboard/action?lang=en",
            data={
                "csrf_token": field("csrf_token", page),
                "action": "end_ticket",
                "request_id": field("request_id", page, "end_ticket"),
                "label": "A999",
            },
        )
        assert r.status_code == 409
        assert "Refused by the central server: Unknown ticket." in r.text


def test_a_removed_account_s_live_stream_ends(hall: Hall, dash: WebServer) -> None:
    # Removing a supervisor (or changing the password) ends the sessions; an open live
    # stream, which makes no request of its own, must end with them.
    assert wait_for(lambda: dash.node.state.seq is not None and dash.node.central_online)
    accounts = dash.node.config.dashboard.supervisors
    assert accounts is not None
    with httpx.Client(base_url=dash.url, timeout=10) as web:
        login = web.get("/dashboard/login").text
        data = {"csrf_token": field("csrf_token", login), "username": "siti", "password": PW}
        assert web.post("/dashboard/login", data=data).status_code == 303
        with web.stream("GET", "/dashboard/live") as stream:
            lines = stream.iter_lines()
            next(x for x in lines if x.startswith("data: "))
            Accounts.load(accounts).without("siti").save(accounts)
            assert hall.request(m.IssueTicket, queue="dukcapil").ok  # the hall changes
            more = next((x for x in lines if x.startswith("data: ")), None)
        assert more is None, "the stream went on after the account was removed"
