"""Lockout after repeated failures, per account and per client address."""

from __future__ import annotations

from tests.web.conftest import Clock
from web.lockout import MAX_KEYS, Lockout


def test_account_locks_after_five_failures_for_fifteen_minutes() -> None:
    clock = Clock()
    lock = Lockout(clock=clock)
    for i in range(4):
        lock.failed("siti", f"10.0.0.{i}")  # from four addresses
        assert lock.wait_s("siti", "10.0.0.9") == 0
    lock.failed("siti", "10.0.0.5")
    assert lock.wait_s("siti", "10.0.0.9") == 900  # from any address
    assert lock.wait_s("budi", "10.0.0.9") == 0  # other accounts are not locked
    clock.t += 899
    assert lock.wait_s("siti", "10.0.0.9") == 1
    clock.t += 1
    assert lock.wait_s("siti", "10.0.0.9") == 0


def test_old_failures_are_forgotten_and_a_success_clears_them() -> None:
    clock = Clock()
    lock = Lockout(clock=clock)
    for _ in range(4):
        lock.failed("siti", "a")
    clock.t += 15 * 60
    lock.failed("siti", "a")
    assert lock.wait_s("siti", "a") == 0  # the first four are outside the window
    for _ in range(3):
        lock.failed("siti", "a")
    lock.succeeded("siti", "a")
    lock.failed("siti", "a")
    assert lock.wait_s("siti", "a") == 0


def test_one_address_trying_many_accounts_is_locked() -> None:
    lock = Lockout(clock=Clock())
    for i in range(20):
        lock.failed(f"user{i}", "10.9.9.9")
    assert lock.wait_s("siti", "10.9.9.9") == 900
    assert lock.wait_s("siti", "10.1.1.1") == 0


def test_memory_is_bounded_under_a_flood_of_names() -> None:
    lock = Lockout(clock=Clock())
    for i in range(MAX_KEYS + 50):
        lock.failed(f"u{i}", "x")
    assert len(lock._records) <= MAX_KEYS


def test_a_flood_of_made_up_names_does_not_unlock_an_account() -> None:
    # Made-up names from many addresses (an IPv6 prefix has plenty) fill the table: what
    # it drops to stay bounded must not be the lock on the account under attack.
    clock = Clock()
    lock = Lockout(clock=clock)
    for _ in range(5):
        lock.failed("siti", "10.0.0.1")
    for i in range(MAX_KEYS):
        clock.t += 0.01
        lock.failed(f"u{i}", f"2001:db8::{i // 20:x}")
    assert len(lock._records) <= MAX_KEYS
    assert lock.wait_s("siti", "10.0.0.2") > 0
    assert lock.wait_s("nobody", "2001:db8::0") > 0  # nor a locked address
