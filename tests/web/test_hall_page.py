"""The public hall page and its live stream, against a real broker and central."""

from __future__ import annotations

import json

import httpx

from protocol import messages as m
from tests.web.conftest import Hall, WebServer, wait_for


def test_hall_page_shows_queues_and_latest_call(hall: Hall, web: WebServer) -> None:
    assert wait_for(lambda: web.node.state.seq is not None and web.node.central_online)
    issued = hall.request(m.IssueTicket, queue="dukcapil")
    assert issued.ok and issued.ticket is not None
    called = hall.request(m.CallNext, counter="loket-1")
    assert called.ok and called.counter is not None and called.counter.ticket is not None
    label = called.counter.ticket.label
    assert wait_for(lambda: any(e.ticket and e.ticket.label == label
                                for e in web.node.state.recent_calls))  # fmt: skip
    page = httpx.get(web.url + "/")
    assert page.status_code == 200
    assert "Panggilan terakhir" in page.text
    assert label in page.text and "Loket 1" in page.text
    assert "Dukcapil" in page.text
    assert 'http-equiv="refresh"' in page.text  # works without JavaScript
    assert len(page.content) < 50_000
    assert "Latest calls" in httpx.get(web.url + "/?lang=en").text


def test_hall_page_says_when_central_is_away(hall: Hall, web: WebServer) -> None:
    assert wait_for(lambda: web.node.central_online)
    hall.central.stop()
    assert wait_for(lambda: not web.node.central_online)
    page = httpx.get(web.url + "/")
    assert page.status_code == 200
    assert "Server pusat antrian sedang tidak tersedia" in page.text


def test_live_stream_sends_a_call(hall: Hall, web: WebServer) -> None:
    assert wait_for(lambda: web.node.state.seq is not None)
    hall.request(m.IssueTicket, queue="dukcapil")
    with httpx.Client(timeout=5) as client, client.stream("GET", web.url + "/live/hall") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = r.iter_lines()
        first = next(line for line in lines if line.startswith("data: "))
        assert "Panggilan terakhir" in json.loads(first[6:])["html"]
        called = hall.request(m.CallNext, counter="loket-1")
        assert called.counter is not None and called.counter.ticket is not None
        label = called.counter.ticket.label
        for line in lines:
            if line.startswith("data: ") and label in json.loads(line[6:])["html"]:
                break


def test_unknown_path_is_a_plain_404_in_bahasa(web: WebServer) -> None:
    r = httpx.get(web.url + "/t/no-such-token")
    assert r.status_code == 404
    assert "tidak ditemukan" in r.text


def test_language_link_stays_on_this_site(web: WebServer) -> None:
    # "//host/..." is a path to this server, but as a link a browser takes it for another
    # site: a crafted address turned the language switch into a link off the site.
    for crafted in ("//phish.example/t/x", "///phish.example/t/x"):
        r = httpx.get(web.url + crafted)
        assert r.status_code == 404
        assert 'href="/phish.example/t/x?lang=en"' in r.text, crafted
