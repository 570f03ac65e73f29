"""CSRF: a form posts only with this browser's cookie and this server's signature."""

from __future__ import annotations

from web.csrf import COOKIE, Csrf, cookie_options

HOST = {"host": "antrian.example"}


def test_a_genuine_form_passes_and_every_forgery_is_refused() -> None:
    csrf = Csrf(b"k" * 32)
    first = csrf.token({})
    assert first.new_cookie is not None
    cookies = {COOKIE: first.new_cookie}
    again = csrf.token(cookies)
    assert again.new_cookie is None and again.value == first.value
    assert csrf.problem(cookies, HOST, first.value) is None
    same_origin = {**HOST, "origin": "https://antrian.example"}
    assert csrf.problem(cookies, same_origin, first.value) is None

    other = Csrf(b"j" * 32).token({})  # another server's (or an old start's) token
    assert other.new_cookie is not None
    forged = {
        "no cookie": ({}, HOST, first.value),
        "no token": (cookies, HOST, None),
        "empty token": (cookies, HOST, ""),
        "garbage": (cookies, HOST, "abc"),
        "another browser": ({COOKIE: other.new_cookie}, HOST, first.value),
        "unsigned": (cookies, HOST, first.new_cookie + ".00"),
        "other server": (
            {COOKIE: other.new_cookie},
            HOST,
            other.value,
        ),
        "cross origin": (cookies, {**HOST, "origin": "https://evil.example"}, first.value),
        "null origin": (cookies, {**HOST, "origin": "null"}, first.value),
    }
    for what, (c, h, token) in forged.items():
        assert csrf.problem(c, h, token) is not None, what


def test_an_oversized_cookie_gets_a_fresh_one() -> None:
    token = Csrf().token({COOKIE: "x" * 500})
    assert token.new_cookie is not None and len(token.new_cookie) < 64


def test_cookie_options() -> None:
    assert cookie_options(False) == {
        "path": "/",
        "httponly": True,
        "samesite": "strict",
        "secure": False,
    }
