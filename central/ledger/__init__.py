"""Central's durable ledger: the writer central runs, read-only access for everyone else,
and the maintenance tools (check, backup, archive)."""

from central.ledger._archive import History, archive, archive_dir, archive_file
from central.ledger._check import check
from central.ledger._codec import Codec
from central.ledger._copy import backup, copy_retimed
from central.ledger._reader import EventRow, LedgerReader
from central.ledger._schema import SCHEMA_VERSION, LedgerError, migrate, schema_version
from central.ledger._writer import Ledger

__all__ = [
    "SCHEMA_VERSION",
    "Codec",
    "EventRow",
    "History",
    "Ledger",
    "LedgerError",
    "LedgerReader",
    "archive",
    "archive_dir",
    "archive_file",
    "backup",
    "check",
    "copy_retimed",
    "migrate",
    "schema_version",
]
