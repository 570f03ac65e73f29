"""The citizen's ticket page: found by its token, live, the survey once; bad tokens 404."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import httpx
import pytest

from protocol import messages as m
from tests.web.conftest import Hall, WebServer, wait_for, web_config
from web.app import build_app
from web.node import WebNode

ALL_FOUR = {f"u{i}": "4" for i in range(1, 10)}


def issue(hall: Hall, queue: str = "dukcapil") -> tuple[str, m.TicketInfo]:
    reply = hall.request(m.IssueTicket, queue=queue)
    assert reply.ok and reply.ticket is not None and reply.page_token is not None
    return reply.page_token, reply.ticket


def test_waiting_ticket_page(hall: Hall, web: WebServer) -> None:
    assert wait_for(lambda: web.node.central_online)
    issue(hall)
    token, ticket = issue(hall)
    page = httpx.get(f"{web.url}/t/{token}")
    assert page.status_code == 200, page.text
    assert ticket.label in page.text and "Menunggu" in page.text
    assert "Orang di depan Anda" in page.text
    assert '<td class="n" id="ahead">1</td>' in page.text
    assert 'http-equiv="refresh"' in page.text  # without JavaScript it reloads itself
    assert len(page.content) < 50_000
    # The sequential id is nowhere in the page or its links.
    assert ticket.ticket_id not in page.text
    english = httpx.get(f"{web.url}/t/{token}?lang=en")
    assert "Waiting" in english.text and "People ahead of you" in english.text


def test_page_turns_to_called_live_within_2s(hall: Hall, web: WebServer) -> None:
    assert wait_for(lambda: web.node.central_online)
    token, _ticket = issue(hall)
    with (
        httpx.Client(timeout=5) as client,
        client.stream("GET", f"{web.url}/live/t/{token}") as stream,
    ):
        lines = stream.iter_lines()
        first = json.loads(next(x for x in lines if x.startswith("data: "))[6:])
        assert "Menunggu" in first["html"] and not first["alert"]
        t0 = time.monotonic()
        assert hall.request(m.CallNext, counter="loket-1").ok
        for line in lines:
            if line.startswith("data: "):
                data = json.loads(line[6:])
                if "Dipanggil ke Loket 1" in data["html"]:
                    break
        assert time.monotonic() - t0 < 2.0
        assert data["alert"] is True  # the phone vibrates and beeps
    page = httpx.get(f"{web.url}/t/{token}")
    assert "Dipanggil ke Loket 1" in page.text and "Silakan menuju Loket 1" in page.text


def test_live_ticket_pages_count_against_the_live_client_cap(hall: Hall) -> None:
    # Each open stream holds a task and a listener: with one token in hand, opening
    # streams in a loop must stop at the cap like the hall page's streams do.
    server = hall.web(max_live_clients=2).start()
    try:
        assert wait_for(lambda: server.node.central_online)
        token, _ticket = issue(hall)
        url = f"{server.url}/live/t/{token}"
        with (
            httpx.Client(timeout=5) as client,
            client.stream("GET", url) as first,
            client.stream("GET", url) as second,
        ):
            # Keep each stream's line iterator: a dropped one closes its connection.
            lines = [stream.iter_lines() for stream in (first, second)]
            for stream, it in zip((first, second), lines, strict=True):
                assert stream.status_code == 200
                next(x for x in it if x.startswith("data: "))
            for over in (url, f"{server.url}/live/hall"):
                with client.stream("GET", over) as refused:
                    assert refused.status_code == 503, over
        assert wait_for(lambda: len(server.node.changed) == 0)
        with httpx.Client(timeout=5) as client, client.stream("GET", url) as again:
            assert again.status_code == 200
    finally:
        server.stop()


def test_survey_once_after_service(hall: Hall, web: WebServer) -> None:
    assert wait_for(lambda: web.node.central_online)
    token, _ticket = issue(hall)
    assert "U1." not in httpx.get(f"{web.url}/t/{token}").text  # no survey while waiting
    assert hall.request(m.CallNext, counter="loket-1").ok
    assert hall.request(m.FinishService, counter="loket-1").ok
    assert wait_for(lambda: "Selesai" in httpx.get(f"{web.url}/t/{token}").text)
    page = httpx.get(f"{web.url}/t/{token}")
    assert "Survei Kepuasan Masyarakat" in page.text and "U9." in page.text
    incomplete = httpx.post(f"{web.url}/t/{token}/survey", data={"u1": "4", "u2": "9"})
    assert incomplete.status_code == 400
    assert "Jawab kesembilan pertanyaan" in incomplete.text
    sent = httpx.post(f"{web.url}/t/{token}/survey", data=ALL_FOUR, follow_redirects=True)
    assert sent.status_code == 200 and "Terima kasih" in sent.text
    assert "<form" not in sent.text
    again = httpx.post(f"{web.url}/t/{token}/survey", data=ALL_FOUR)
    assert again.status_code == 409 and "sudah diisi" in again.text


def test_unknown_and_malformed_tokens_get_a_plain_404(hall: Hall, web: WebServer) -> None:
    assert wait_for(lambda: web.node.central_online)
    for token in ("A" * 22, "short", "x" * 200, "..%2F..%2Fetc"):
        r = httpx.get(f"{web.url}/t/{token}")
        assert r.status_code == 404, token
        assert "Tiket tidak ditemukan atau sudah kedaluwarsa" in r.text
        assert len(r.content) < 50_000


def test_lookups_are_rate_limited_per_address(hall: Hall) -> None:
    server = hall.web(lookups_per_minute=3).start()
    try:
        assert wait_for(lambda: server.node.central_online)
        codes = [httpx.get(f"{server.url}/t/{'B' * 21}{c}").status_code for c in "abcde"]
        assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]
        assert "Terlalu banyak permintaan" in httpx.get(f"{server.url}/t/{'C' * 22}").text
    finally:
        server.stop()


@pytest.mark.parametrize("trusted_proxy", [False, True])
def test_the_lookup_limit_counts_the_address_the_proxy_vouches_for(
    hall: Hall, trusted_proxy: bool
) -> None:
    # Without a proxy a client must not pick the address it is counted under; behind the
    # site's proxy every citizen arrives from it, and each is counted on their own.
    server = hall.web(lookups_per_minute=3, trusted_proxy=trusted_proxy).start()
    try:
        assert wait_for(lambda: server.node.central_online)

        def code(address: str, c: str) -> int:
            headers = {"X-Forwarded-For": address}
            return httpx.get(f"{server.url}/t/{'D' * 21}{c}", headers=headers).status_code

        assert [code("203.0.113.7", c) for c in "abcd"] == [404, 404, 404, 429]
        assert code("203.0.113.8", "e") == (404 if trusted_proxy else 429)
    finally:
        server.stop()


def test_ticket_page_keeps_serving_while_central_is_away(hall: Hall, web: WebServer) -> None:
    assert wait_for(lambda: web.node.central_online)
    token, ticket = issue(hall)
    other, _ = issue(hall)
    assert httpx.get(f"{web.url}/t/{token}").status_code == 200
    hall.central.stop()
    assert wait_for(lambda: not web.node.central_online)
    page = httpx.get(f"{web.url}/t/{token}")
    assert page.status_code == 200 and ticket.label in page.text
    assert "Server pusat antrian sedang tidak tersedia" in page.text
    unseen = httpx.get(f"{web.url}/t/{other}")
    assert unseen.status_code == 503 and "dimuat ulang otomatis" in unseen.text


def test_a_survey_post_is_read_only_up_to_its_bound(hall: Hall, web: WebServer) -> None:
    # Anyone with a ticket from the kiosk has a token: a body announced as 100 MB must be
    # refused after the first few kilobytes (400, as a malformed form), not held in memory.
    assert wait_for(lambda: web.node.central_online)
    token, _ticket = issue(hall)
    host, port = web.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            f"POST /t/{token}/survey HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 100000000\r\n\r\n".encode()
            + b"u1=4&" * 4000
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:80]


def test_behind_a_proxy_on_another_host_each_citizen_has_their_own_lookups(
    tmp_path: Path,
) -> None:
    # uvicorn believes X-Forwarded-For only from its own host: behind a proxy elsewhere,
    # every citizen arrived from the proxy's address and all shared one budget. In-process
    # (no uvicorn), the app sees what such a proxy's requests look like.
    node = WebNode(web_config(1, tmp_path / "web", lookups_per_minute=2, trusted_proxy=True))
    app = build_app(node, start_node=False)

    async def codes() -> list[int]:
        transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:

            async def code(address: str, last: str) -> int:
                headers = {"X-Forwarded-For": address}
                return (await c.get(f"/t/{'E' * 21}{last}", headers=headers)).status_code

            return [await code("203.0.113.7", x) for x in "abc"] + [await code("203.0.113.8", "d")]

    # 503: no central in this test; 429: over the limit.
    assert asyncio.run(codes()) == [503, 503, 429, 503]
