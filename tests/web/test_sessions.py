"""Sessions: random tokens, idle and absolute expiry, logout ends them for good."""

from __future__ import annotations

from tests.web.conftest import Clock
from web.sessions import COOKIE, MAX_PER_SUPERVISOR, MAX_SESSIONS, Sessions, cookie_options


def test_session_lives_while_used_and_ends_when_idle_or_old() -> None:
    clock = Clock(1000.0)
    sessions = Sessions(idle_s=60, max_age_s=300, clock=clock)
    s = sessions.start("siti", "Siti Aminah")
    assert len(s.token) >= 40
    assert sessions.of({COOKIE: s.token}) is s
    for _ in range(4):
        clock.t += 50  # used every 50 s: stays alive until the absolute limit
        assert sessions.get(s.token) is s
    clock.t += 101
    assert sessions.get(s.token) is None  # 301 s old
    s2 = sessions.start("siti", "Siti Aminah")
    clock.t += 40
    assert sessions.peek(s2.token) is s2  # a live stream looks without touching
    clock.t += 21
    assert sessions.get(s2.token) is None  # idle for 61 s


def test_logout_and_unknown_tokens() -> None:
    sessions = Sessions()
    a, b = sessions.start("siti", "S"), sessions.start("siti", "S")
    c = sessions.start("budi", "B")
    assert a.token != b.token
    sessions.end(a.token)
    assert sessions.get(a.token) is None and sessions.get(b.token) is b
    sessions.end_all("siti")
    assert sessions.get(b.token) is None and sessions.get(c.token) is c
    for bad in (None, "", "x", c.token + "x"):
        assert sessions.get(bad) is None
    assert sessions.of({}) is None


def test_session_count_is_bounded() -> None:
    clock = Clock(1000.0)
    sessions = Sessions(clock=clock)
    first = sessions.start("a", "A")
    for i in range(MAX_SESSIONS):
        clock.t += 0.001
        sessions.start(f"s{i}", "S")
    assert len(sessions) == MAX_SESSIONS and sessions.get(first.token) is None


def test_one_account_signing_in_again_and_again_signs_nobody_else_out() -> None:
    # A leaked password, or a script, must not push the other supervisors out of the
    # bounded table: an account's sign-ins beyond its own cap end its own oldest session.
    clock = Clock(1000.0)
    sessions = Sessions(clock=clock)
    siti = sessions.start("siti", "Siti Aminah")
    mine = [sessions.start("budi", "Budi")]
    for _ in range(MAX_SESSIONS + 10):
        clock.t += 0.001
        mine.append(sessions.start("budi", "Budi"))
    assert sessions.get(siti.token) is siti
    assert sessions.get(mine[-1].token) is not None and sessions.get(mine[0].token) is None
    assert len(sessions) == 1 + MAX_PER_SUPERVISOR


def test_cookie_is_http_only_and_same_site_strict() -> None:
    opts = cookie_options(secure=True)
    assert (opts["httponly"], opts["samesite"], opts["secure"], opts["path"]) == (
        True,
        "strict",
        True,
        "/",
    )
