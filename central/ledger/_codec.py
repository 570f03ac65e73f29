"""Stored bodies deflated with a preset dictionary of typical rows."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

# A ticket's events and replies are about ten JSON rows of ~600 bytes, most of it the same
# keys and names every time: deflated with a preset dictionary of typical rows they take a
# quarter (issue 15: 8 KB a ticket as text). Central writes text, as fast as before, and
# deflates closed days' rows when idle (Ledger.compact). The dictionary is stored in the
# ledger (table codecs), so a backup or an archive reads on its own; a new dictionary gets
# a new id and never replaces one. zdict_1.txt: two rows of each event and reply
# kind of a simulated MPP Palembang day (bench/bigledger.py), the most frequent last.
CODEC_ID = 1
ZDICT = Path(__file__).with_name("zdict_1.txt").read_bytes()
_WBITS = -15  # raw deflate, 32 KiB window: the whole dictionary is in reach


class Codec:
    """Stored bodies: JSON text as central wrote it, or a blob of a codec id byte then raw
    deflate with that codec's dictionary."""

    def __init__(self, db: sqlite3.Connection) -> None:
        has_codecs = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'codecs'"
        ).fetchone()
        rows = db.execute("SELECT id, zdict FROM codecs") if has_codecs else []
        self.zdicts = {int(i): bytes(z) for i, z in rows}
        self._base: zlib._Compress | None = None

    def decode(self, value: str | bytes) -> bytes:
        if isinstance(value, str):
            return value.encode()
        inflate = zlib.decompressobj(_WBITS, self.zdicts[value[0]])
        return inflate.decompress(value[1:]) + inflate.flush()

    def encode(self, body: bytes) -> bytes:
        if self._base is None:
            # Copying a primed compressor is cheaper than loading the dictionary again.
            self._base = zlib.compressobj(
                6, zlib.DEFLATED, _WBITS, 8, zlib.Z_DEFAULT_STRATEGY, self.zdicts[CODEC_ID]
            )
        deflate = self._base.copy()
        return bytes([CODEC_ID]) + deflate.compress(body) + deflate.flush()
