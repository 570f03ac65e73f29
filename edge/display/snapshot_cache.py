"""The last hall snapshot the board showed, kept on disk, so a display that restarts while
the broker or central is away shows the hall as it was instead of a blank screen."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from tinydb import TinyDB

from antrian.storage import AtomicJSONStorage
from protocol import messages as m

# An SD card wears out: a board restart shows state at most this old, and central's
# retained snapshot replaces it as soon as the broker answers.
STORE_EVERY_S = 30.0


class SnapshotCache:
    """One document in TinyDB on a temp-file-fsync-rename storage (design.md §4)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = TinyDB(path, storage=AtomicJSONStorage)
        self._table = self.db.table("hall")

    def load(self) -> m.HallSnapshot | None:
        docs = self._table.all()
        if not docs:
            return None
        try:
            return m.HallSnapshot.model_validate(docs[0])
        except ValidationError:
            return None  # written by another version: central's snapshot will do

    def store(self, snap: m.HallSnapshot) -> None:
        doc = snap.model_dump(mode="json")
        existing = self._table.all()
        if existing:
            self._table.update(doc, doc_ids=[existing[0].doc_id])
        else:
            self._table.insert(doc)

    def close(self) -> None:
        self.db.close()
