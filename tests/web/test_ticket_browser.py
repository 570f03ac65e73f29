"""The citizen's pages in a real headless Chromium against a real broker, central and web
node: the ticket page turns to "Dipanggil ke Loket N" within 2 s of a NEXT; the survey is
accepted once and refused the second time; a random token gets 404; the pages work with
JavaScript off and fit a 360 px phone. Saves each page at 360x800 and 1366x768 (to
docs/img with ANTRIAN_DOC_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import shutil
import time

from playwright.sync_api import Browser, Page, expect

from antrian.devbroker import REPO_ROOT
from protocol import messages as m
from tests.web.browser import SCREENSHOTS, browser  # noqa: F401  (a fixture)
from tests.web.conftest import Hall, WebServer, wait_for

SIZES = ((360, 800), (1366, 768))


def shoot(page: Page, name: str) -> None:
    for w, h in SIZES:
        page.set_viewport_size({"width": w, "height": h})
        # Nothing wider than the phone: no sideways scrolling at 360 px.
        assert page.evaluate("document.documentElement.scrollWidth") <= w, name
        out = REPO_ROOT / "var" / "screenshots" / f"web-{name}-{w}x{h}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        assert out.stat().st_size > 5_000
        if os.environ.get("ANTRIAN_DOC_SCREENSHOTS"):
            shutil.copyfile(out, SCREENSHOTS / out.name)


def issue(hall: Hall, queue: str = "dukcapil") -> str:
    reply = hall.request(m.IssueTicket, queue=queue)
    assert reply.ok and reply.page_token is not None
    return reply.page_token


def test_ticket_page_turns_to_called_within_2s(
    hall: Hall,
    web: WebServer,
    browser: Browser,  # noqa: F811
) -> None:
    assert wait_for(lambda: web.node.central_online)
    issue(hall, "skck")
    token = issue(hall)
    issue(hall)
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.goto(f"{web.url}/t/{token}")
    expect(page.locator("#status")).to_have_text("Menunggu")
    expect(page.locator("#ahead")).to_have_text("0")
    shoot(page, "ticket-waiting")
    page.wait_for_function("window.EventSource && document.readyState === 'complete'")
    time.sleep(0.3)  # the live stream is open
    t0 = time.monotonic()
    assert hall.request(m.CallNext, counter="loket-1").ok
    expect(page.locator("#status")).to_have_text("Dipanggil ke Loket 1", timeout=2000)
    assert time.monotonic() - t0 < 2.0
    expect(page.locator("#main")).to_contain_text("Silakan menuju Loket 1")
    shoot(page, "ticket-called")


def test_survey_accepted_once_without_javascript(
    hall: Hall,
    web: WebServer,
    browser: Browser,  # noqa: F811
) -> None:
    assert wait_for(lambda: web.node.central_online)
    token = issue(hall)
    assert hall.request(m.CallNext, counter="loket-1").ok
    assert hall.request(m.FinishService, counter="loket-1").ok
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    first, second = context.new_page(), context.new_page()
    for page in (first, second):  # two tabs with the form open
        page.goto(f"{web.url}/t/{token}")
        expect(page.locator("#status")).to_have_text("Selesai")
    shoot(first, "survey")
    for i in range(1, 10):
        first.check(f"input[name=u{i}][value='{4 if i % 2 else 3}']")
    first.click("button[type=submit]")
    expect(first.locator("#survey-done")).to_contain_text("Terima kasih")
    for i in range(1, 10):
        second.check(f"input[name=u{i}][value='1']")
    second.click("button[type=submit]")
    expect(second.locator("#survey")).to_contain_text("Survei untuk tiket ini sudah diisi")
    # Only the first answers reached central.
    assert len(hall.central.hall.surveyed) == 1


def test_random_token_gets_404_and_pages_work_without_javascript(
    hall: Hall,
    web: WebServer,
    browser: Browser,  # noqa: F811
) -> None:
    assert wait_for(lambda: web.node.central_online)
    token = issue(hall)
    issue(hall, "skck")
    assert hall.request(m.CallNext, counter="loket-2").ok
    page = browser.new_context(java_script_enabled=False).new_page()
    response = page.goto(f"{web.url}/t/Zq8Yl2mK0pQwErTyUiOp1a")
    assert response is not None and response.status == 404
    expect(page.locator("main")).to_contain_text("Tiket tidak ditemukan")
    shoot(page, "not-found")
    page.goto(f"{web.url}/t/{token}?lang=en")
    expect(page.locator("#status")).to_have_text("Called to Loket 2")  # Loket 2 serves Dukcapil
    page.goto(f"{web.url}/")
    expect(page.locator("main")).to_contain_text("Panggilan terakhir")
    expect(page.locator("main")).to_contain_text("Loket 2")
    # It reloads itself: the noscript refresh is in the page.
    assert 'http-equiv="refresh"' in page.content()
    shoot(page, "hall")
