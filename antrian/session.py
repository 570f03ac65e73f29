"""The per-node session counter kept on disk, so that a late will from an old session is ignored."""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write via a temp file, fsync, rename: a power cut leaves the old or the new file.
    `mode` is set before the data goes in: a secret chmod-ed after the rename was readable
    under the umask's mode for a moment (and for good after a crash right then)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        if mode is not None:
            os.fchmod(fh.fileno(), mode)  # also when a stale .tmp was left with another
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def next_session(state_dir: Path) -> int:
    """Increment and return this node's session number (1 on first start)."""
    path = Path(state_dir) / "session"
    try:
        current = int(path.read_text().strip() or 0)
    except FileNotFoundError:
        current = 0
    except ValueError:
        # A corrupt counter must not stop a kiosk; time-based restart keeps it increasing.
        current = 0
    session = current + 1
    atomic_write(path, str(session).encode())
    return session
