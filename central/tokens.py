"""Ticket page tokens: an HMAC of the ticket id under a secret only central holds.

A token names one ticket and cannot be guessed or derived from a ticket's number, so
nobody can walk other citizens' tickets; central finds the ticket from the token by
keeping an index of today's tickets (about 2,000 a day: cheap to build, rebuilt per day).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from antrian.session import atomic_write
from central.hall import Hall

TOKEN_CHARS = 22  # 132 bits of the HMAC, base64url
SECRET_BYTES = 32


def load_secret(path: Path) -> bytes:
    """The site's token secret, created on first start (0600, beside the ledger). Losing
    it only breaks the links on today's printed tickets."""
    try:
        data = path.read_bytes()
        if len(data) >= SECRET_BYTES:
            return data
    except FileNotFoundError:
        pass
    data = secrets.token_bytes(SECRET_BYTES)
    atomic_write(path, data, mode=0o600)
    return data


class TicketTokens:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._index: dict[str, str] = {}  # token -> ticket id, for the indexed day
        self._hall: Hall | None = None  # the hall (and day) the index was built from
        self._day: object = None
        self._indexed = 0  # how many of that day's tickets are in the index

    def token(self, ticket_id: str) -> str:
        mac = hmac.new(self._secret, ticket_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:TOKEN_CHARS]

    def find(self, hall: Hall, token: str) -> str | None:
        """Today's ticket with this token, or None."""
        if hall is not self._hall or hall.day != self._day or len(hall.tickets) < self._indexed:
            # A new day, or a hall rebuilt from the ledger (in another order).
            self._index, self._hall, self._day, self._indexed = {}, hall, hall.day, 0
        if len(hall.tickets) > self._indexed:
            # Tickets are only ever added during a day (dicts keep insertion order).
            for tid in list(hall.tickets)[self._indexed :]:
                self._index[self.token(tid)] = tid
            self._indexed = len(hall.tickets)
        found = self._index.get(token)
        # compare_digest: the answer's timing says nothing about how close a guess was.
        if found is not None and hmac.compare_digest(self.token(found), token):
            return found
        return None
