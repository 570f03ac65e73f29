"""The supervisors' dashboard in a real headless Chromium, against a real broker, central and
web node: sign-in and sign-out, CSRF refusal, lockout, and a supervisor's pause reaching the
counter's snapshot (with JavaScript off: the forms need none). Saves the dashboard at
1366x768 for the docs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from antrian.devbroker import REPO_ROOT
from protocol import decode
from protocol import messages as m
from tests.web.browser import SCREENSHOTS, browser  # noqa: F401  (a fixture)
from tests.web.conftest import Hall, WebServer, wait_for
from web.accounts import Accounts

PW = "kopi-tubruk-42"


@pytest.fixture
def dash(hall: Hall, tmp_path: Path) -> Iterator[WebServer]:
    accounts = tmp_path / "supervisors.yaml"
    Accounts({}).with_account("siti", "Siti Aminah", PW).save(accounts)
    server = hall.web(hall_name="MPP Kota Contoh", dashboard={"supervisors": str(accounts)})
    server.start()
    assert wait_for(lambda: server.node.state.seq is not None and server.node.central_online)
    try:
        yield server
    finally:
        server.stop()


def sign_in(page: Page, url: str, password: str = PW) -> None:
    page.goto(url + "/dashboard")
    expect(page).to_have_url(url + "/dashboard/login?lang=id")
    page.fill("#username", "siti")
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_sign_in_pause_a_counter_and_sign_out_without_javascript(
    hall: Hall,
    dash: WebServer,
    browser: Browser,  # noqa: F811
) -> None:
    got: list[m.CounterSnapshot] = []
    hall.link.subscribe(
        hall.central.topics.counter("loket-2"),
        lambda t, p: got.append(decode(m.CounterSnapshot, p)),
    )
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page, dash.url)
    expect(page.locator("body")).to_contain_text("Masuk sebagai Siti Aminah")
    form = page.locator("#form-pause")
    form.locator("select[name=counter]").select_option("loket-2")
    form.locator("input[name=reason]").fill("rapat")
    form.locator("button").click()
    expect(page.locator(".notice")).to_contain_text("Berhasil: Istirahatkan loket")
    # Central applied it: the retained snapshot every counter board reads says paused.
    assert wait_for(lambda: bool(got) and got[-1].state == "paused")
    page.reload()
    expect(page.locator("#counter-loket-2")).to_have_attribute("data-state", "paused")

    page.click("text=Keluar")
    expect(page.locator("body")).to_contain_text("Anda sudah keluar")
    page.goto(dash.url + "/dashboard")
    expect(page.locator("body")).to_contain_text("Masuk supervisor")


def test_a_tampered_csrf_token_is_refused_and_changes_nothing(
    hall: Hall,
    dash: WebServer,
    browser: Browser,  # noqa: F811
) -> None:
    page = browser.new_page()
    sign_in(page, dash.url)
    expect(page.locator("body")).to_contain_text("Masuk sebagai Siti Aminah")
    page.eval_on_selector(
        "#form-close_queue input[name=csrf_token]", "el => el.value = 'forged.0000'"
    )
    page.locator("#form-close_queue button").click()
    expect(page.locator(".notice")).to_contain_text("Formulir kedaluwarsa atau tidak sah")
    assert hall.central.hall.closed_early == set()


def test_another_sites_form_cannot_act_for_a_signed_in_supervisor(
    hall: Hall,
    dash: WebServer,
    browser: Browser,  # noqa: F811
) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, dash.url)
    expect(page.locator("body")).to_contain_text("Masuk sebagai Siti Aminah")
    # A page elsewhere (another origin) posts a form to the dashboard in the same browser:
    # the SameSite=Strict cookie stays home, so the dashboard sees nobody signed in.
    evil = context.new_page()
    evil.goto("about:blank")
    evil.set_content(
        f'<form method="post" action="{dash.url}/dashboard/action">'
        '<input name="action" value="close_queue"><input name="queue" value="skck">'
        '<input name="request_id" value="evil-0001"><button>go</button></form>'
    )
    evil.click("button")
    expect(evil.locator("body")).to_contain_text("Sesi berakhir")
    assert hall.central.hall.closed_early == set()


def test_five_failed_sign_ins_lock_the_account_even_for_the_right_password(
    dash: WebServer,
    browser: Browser,  # noqa: F811
) -> None:
    page = browser.new_page()
    for _ in range(5):
        sign_in(page, dash.url, password="not-the-password")
        expect(page.locator(".notice")).to_contain_text("salah")
    sign_in(page, dash.url)
    expect(page.locator(".notice")).to_contain_text("Coba lagi dalam 15 menit")
    page.goto(dash.url + "/dashboard")
    expect(page.locator("body")).to_contain_text("Masuk supervisor")


def test_dashboard_follows_the_hall_live_and_is_saved_for_the_docs(
    hall: Hall,
    dash: WebServer,
    browser: Browser,  # noqa: F811
) -> None:
    for q in ("dukcapil", "dukcapil", "dukcapil", "skck", "imigrasi"):
        assert hall.request(m.IssueTicket, queue=q).ok
    assert hall.request(m.CallNext, counter="loket-1").ok
    assert hall.request(m.SupervisorPauseCounter, counter="loket-4", supervisor="siti").ok
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(page, dash.url)
    expect(page.locator("#counter-loket-1")).to_have_attribute("data-state", "calling")
    # Live: a call made now shows without reloading (server-sent events).
    assert hall.request(m.CallNext, counter="loket-3").ok
    expect(page.locator("#counter-loket-3")).to_have_attribute("data-state", "calling")
    form = page.locator("#form-running_text")
    form.locator("input[name=text]").fill("Layanan Samsat hari ini sampai pukul 12.00")
    form.locator("button").click()
    expect(page.locator(".notice")).to_contain_text("Berhasil")
    assert wait_for(lambda: dash.node.state.running_text.startswith("Layanan Samsat"))
    page.reload()
    shots = REPO_ROOT / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    saved = [shots / "dashboard-1366x768.png"]
    page.screenshot(path=str(saved[0]))
    # A supervisor's phone: one column, nothing cut off sideways.
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the dashboard scrolls sideways on a phone ({width} px)"
    saved.append(shots / "dashboard-360x800.png")
    page.screenshot(path=str(saved[1]))
    login = browser.new_page(viewport={"width": 360, "height": 800})
    login.goto(dash.url + "/dashboard/login")
    saved.append(shots / "dashboard-login-360x800.png")
    login.screenshot(path=str(saved[2]))
    for out in saved:
        assert out.stat().st_size > 5_000
        if os.environ.get("ANTRIAN_DOC_SCREENSHOTS"):
            shutil.copyfile(out, SCREENSHOTS / out.name)
