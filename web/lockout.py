"""Login lockout: after repeated failures an account, or a client address, waits.

Counting per account stops guessing one supervisor's password from many addresses;
counting per address stops one client trying many accounts. A locked login is refused
even with the right password, and says how long to wait.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
WINDOW_S = 15 * 60  # failures older than this are forgotten
LOCK_S = 15 * 60
MAX_KEYS = 10_000  # bounded memory under a flood of made-up names


@dataclass
class _Record:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class Lockout:
    def __init__(
        self,
        account_failures: int = ACCOUNT_FAILURES,
        address_failures: int = ADDRESS_FAILURES,
        window_s: float = WINDOW_S,
        lock_s: float = LOCK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"account": account_failures, "address": address_failures}
        self.window_s = window_s
        self.lock_s = lock_s
        self.clock = clock
        self._records: OrderedDict[tuple[str, str], _Record] = OrderedDict()

    def wait_s(self, account: str, address: str) -> float:
        """Seconds until this login may be tried again; 0 when it may now."""
        now = self.clock()
        waits = [
            r.locked_until - now
            for key in (("account", account), ("address", address))
            if (r := self._records.get(key)) is not None
        ]
        return max([0.0, *waits])

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        for key in (("account", account), ("address", address)):
            r = self._records.pop(key, None) or _Record()
            self._records[key] = r  # most recent last, for eviction
            r.failures = [t for t in r.failures if now - t < self.window_s] + [now]
            if len(r.failures) >= self.limits[key[0]]:
                r.locked_until = now + self.lock_s
                r.failures = []
        if len(self._records) > MAX_KEYS:
            self._evict(now)

    def _evict(self, now: float) -> None:
        """Drop the least recently failed records that hold no lock: dropping a lock would let
        a flood of made-up names (from many addresses) buy an attacker fresh guesses."""
        excess = len(self._records) - MAX_KEYS
        unlocked = (k for k, r in self._records.items() if r.locked_until <= now)
        for key in list(islice(unlocked, excess)):
            del self._records[key]
        while len(self._records) > MAX_KEYS:  # all locked: memory stays bounded all the same
            self._records.popitem(last=False)

    def succeeded(self, account: str, address: str) -> None:
        self._records.pop(("account", account), None)
        self._records.pop(("address", address), None)
