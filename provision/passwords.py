"""Mosquitto's password file: PBKDF2-SHA512 entries in the format mosquitto_passwd 2.0 writes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from antrian.session import atomic_write

# mosquitto_passwd 2.0 writes `user:$7$101$<b64 salt>$<b64 hash>`: PBKDF2-HMAC-SHA512 over a
# 12-byte salt, 101 iterations (see mosquitto's src/password_mosq.c). Mosquitto reads the
# iteration count from the entry, so a higher one is accepted; we keep the default.
ITERATIONS = 101
SALT_BYTES = 12


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """The `$7$...` hash of one password, as it appears after `user:` in the file."""
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, hashed: str) -> bool:
    try:
        _empty, kind, iterations, salt_b64, digest_b64 = hashed.split("$")
        if kind != "7":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        got = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def new_password() -> str:
    """A random password for one device: 32 URL-safe characters, never typed by a person."""
    return secrets.token_urlsafe(24)


class PasswordFile:
    """The broker's password file: one `user:hash` per line, kept sorted, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def entries(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        out: dict[str, str] = {}
        for line in self.path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                user, _, hashed = line.partition(":")
                out[user] = hashed
        return out

    def users(self) -> list[str]:
        return sorted(self.entries())

    def set(self, user: str, password: str) -> None:
        if ":" in user or not user:
            raise ValueError(f"invalid MQTT user name {user!r}")
        entries = self.entries()
        entries[user] = hash_password(password)
        self._write(entries)

    def remove(self, user: str) -> bool:
        entries = self.entries()
        if entries.pop(user, None) is None:
            return False
        self._write(entries)
        return True

    def check(self, user: str, password: str) -> bool:
        hashed = self.entries().get(user)
        return hashed is not None and verify_password(password, hashed)

    def _write(self, entries: dict[str, str]) -> None:
        text = "".join(f"{u}:{h}\n" for u, h in sorted(entries.items()))
        # Only the broker needs to read it; the hashes are still worth keeping private.
        atomic_write(self.path, text.encode(), mode=0o640)
