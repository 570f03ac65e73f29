"""Shared fixtures: a real Mosquitto from broker/'s config on a free port."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from antrian.devbroker import DevBroker

# Hardware libraries run against their own fakes in every test.
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


@pytest.fixture(scope="session")
def session_broker() -> Iterator[DevBroker]:
    with DevBroker() as broker:
        yield broker


@pytest.fixture
def broker() -> Iterator[DevBroker]:
    """A fresh broker per test: for tests that kill it or need empty retained state."""
    with DevBroker() as b:
        yield b


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """`antrian.cli.main()` calls logging.basicConfig(force=True), which binds a handler to
    the sys.stderr of that moment: pytest's capture, closed after the test. Every later
    log line from a node's thread then printed a "Logging error" traceback into CI's log."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in root.handlers:
        if h not in handlers:
            root.removeHandler(h)
    for h in handlers:
        if h not in root.handlers:
            root.addHandler(h)
    root.setLevel(level)
