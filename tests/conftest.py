"""Shared fixtures: a real Mosquitto from broker/'s config on a free port."""

from __future__ import annotations

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
