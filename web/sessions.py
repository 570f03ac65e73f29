"""Supervisors' sessions: a random token in an HttpOnly, SameSite=Strict cookie, the session
itself in memory. Logging out ends it for good; restarting the web node signs everyone out
(the dashboard keeps nothing else, so that costs one login)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

COOKIE = "antrian_session"
IDLE_S = 30 * 60  # a dashboard left open on a shared desk
MAX_AGE_S = 12 * 3600  # one working day, night shift included
MAX_SESSIONS = 1000  # a hall has a handful of supervisors; a flood must not grow memory
MAX_PER_SUPERVISOR = 20  # desks and phones; more ends the account's own oldest session


@dataclass
class Session:
    token: str
    supervisor: str
    name: str
    created: float
    seen: float


class Sessions:
    def __init__(
        self,
        idle_s: float = IDLE_S,
        max_age_s: float = MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_s = idle_s
        self.max_age_s = max_age_s
        self.clock = clock
        self._by_token: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._by_token)

    def start(self, supervisor: str, name: str) -> Session:
        now = self.clock()
        self._expire(now)
        # One account, however often it signs in, pushes out only its own sessions: else a
        # leaked password or a script signed every other supervisor out of the bounded table.
        mine = [s for s in self._by_token.values() if s.supervisor == supervisor]
        if len(mine) >= MAX_PER_SUPERVISOR:
            del self._by_token[min(mine, key=lambda s: s.seen).token]
        if len(self._by_token) >= MAX_SESSIONS:
            oldest = min(self._by_token.values(), key=lambda s: s.seen)
            del self._by_token[oldest.token]
        s = Session(secrets.token_urlsafe(32), supervisor, name, now, now)
        self._by_token[s.token] = s
        return s

    def get(self, token: str | None) -> Session | None:
        """The live session of this token, its idle timer restarted; None when unknown,
        idle too long or older than a working day."""
        s = self.peek(token)
        if s is not None:
            s.seen = self.clock()
        return s

    def peek(self, token: str | None) -> Session | None:
        """As get(), without restarting the idle timer: a live stream left open on an
        unattended desk must not keep its session alive."""
        if not token:
            return None
        s = self._by_token.get(token)
        if s is None:
            return None
        now = self.clock()
        if now - s.seen > self.idle_s or now - s.created > self.max_age_s:
            del self._by_token[token]
            return None
        return s

    def end(self, token: str | None) -> None:
        if token:
            self._by_token.pop(token, None)

    def end_all(self, supervisor: str) -> None:
        """After a password change or a removed account."""
        for token in [t for t, s in self._by_token.items() if s.supervisor == supervisor]:
            del self._by_token[token]

    def of(self, cookies: Mapping[str, str]) -> Session | None:
        return self.get(cookies.get(COOKIE))

    def _expire(self, now: float) -> None:
        stale = [
            t
            for t, s in self._by_token.items()
            if now - s.seen > self.idle_s or now - s.created > self.max_age_s
        ]
        for t in stale:
            del self._by_token[t]


def cookie_options(secure: bool) -> dict[str, Any]:
    """For Starlette's Response.set_cookie(COOKIE, session.token, **cookie_options(...)).
    HttpOnly: page scripts cannot read it; SameSite=Strict: another site's page cannot make
    the browser send it; Secure behind HTTPS (docs/deploy.md)."""
    return {
        "max_age": MAX_AGE_S,
        "path": "/",
        "httponly": True,
        "samesite": "strict",
        "secure": secure,
    }
