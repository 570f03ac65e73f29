"""A TinyDB storage that survives a power cut: write a temp file, fsync, rename over the old one."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from antrian.session import atomic_write

log = logging.getLogger(__name__)


class AtomicJSONStorage(Storage):
    """TinyDB's JSONStorage rewrites its file in place, so a cut mid-write leaves a broken file
    (design.md §4). This one leaves either the old or the new file. Fit for small documents that
    can be rebuilt (a cached config), not for ledgers."""

    def __init__(self, path: str | Path, **json_kwargs: Any) -> None:
        super().__init__()
        self.path = Path(path)
        self.json_kwargs = json_kwargs

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        if not text.strip():
            return None
        try:
            data: dict[str, dict[str, Any]] = json.loads(text)
        except json.JSONDecodeError:
            # Only a file damaged outside this class gets here; start empty rather than crash,
            # the central republishes what was cached.
            log.warning("%s is not valid JSON; starting with an empty cache", self.path)
            return None
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        atomic_write(self.path, json.dumps(data, **self.json_kwargs).encode("utf-8"))

    def close(self) -> None:
        pass
