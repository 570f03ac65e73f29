"""Shared fixtures: a real Mosquitto from broker/'s config on a free port."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture
def disk_audio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """SDL's disk audio driver for this test: what pygame plays lands in the file returned."""
    capture = tmp_path / "audio.raw"
    monkeypatch.setenv("SDL_AUDIODRIVER", "disk")
    monkeypatch.setenv("SDL_DISKAUDIOFILE", str(capture))
    return capture


@pytest.fixture
def modes_at_rename(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """The permission bits each file written had when it was renamed into place, under a
    common umask (022): a secret must be private before it is there, not after."""
    seen: dict[str, int] = {}
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        seen[Path(dst).name] = stat.S_IMODE(os.stat(src).st_mode)
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    old = os.umask(0o022)
    try:
        yield seen
    finally:
        os.umask(old)


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
