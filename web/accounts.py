"""Supervisors' accounts of one site: a YAML file of ids, names and scrypt password hashes.

The file lives with the site's secrets (secrets/<site>/supervisors.yaml, never committed:
a hash in a public repository invites offline guessing) and is installed next to the web
node's config. `antrian provision supervisor` writes it; the web node only reads it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from antrian.session import atomic_write

# scrypt with n=2**14, r=8, p=1 costs about 16 MiB and 50 ms per check: cheap for a login,
# costly for someone guessing offline (RFC 7914; OWASP's minimum for scrypt).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD = 10
MAX_PASSWORD = 256  # scrypt takes any length; a megabyte of "password" is an attack
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class AccountError(ValueError):
    """A bad account file or a bad new account, with a message saying what to fix."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$<n>$<r>$<p>$<b64 salt>$<b64 key>`; the parameters travel with the hash so that
    they can be raised later without breaking existing accounts."""
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: str, hashed: str) -> bool:
    try:
        kind, n, r, p, salt_b64, key_b64 = hashed.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(key_b64, validate=True)
        got = _scrypt(password, base64.b64decode(salt_b64, validate=True), int(n), int(r), int(p))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    if len(password) > MAX_PASSWORD:
        raise ValueError("password too long")
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=KEY_BYTES
    )


# Verifying against this when the account does not exist makes an unknown id cost as much
# as a wrong password: the answer's timing does not tell which ids exist.
_DUMMY_HASH = hash_password("not-a-password", salt=b"\0" * SALT_BYTES)


class Account(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=48, pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=80, description="Shown on the dashboard.")
    password: str = Field(pattern=r"^scrypt\$", description="hash_password()'s output.")
    disabled: bool = False


class _AccountsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supervisors: list[Account] = Field(default_factory=list)


@dataclass(frozen=True)
class Accounts:
    by_id: dict[str, Account]

    @classmethod
    def load(cls, path: Path) -> Accounts:
        """The accounts in `path`; a missing file means none (nobody can sign in)."""
        if not path.exists():
            return cls({})
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            parsed = _AccountsFile.model_validate(raw)
        except (yaml.YAMLError, ValidationError) as exc:
            raise AccountError(
                f"{path}: not a valid supervisors file ({exc}); fix it or write it again "
                "with `antrian provision supervisor`"
            ) from exc
        ids = [a.id for a in parsed.supervisors]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise AccountError(f"{path}: duplicate supervisor ids: {', '.join(twice)}")
        return cls({a.id: a for a in parsed.supervisors})

    def check(self, account_id: str, password: str) -> Account | None:
        """The account when the password is right and the account enabled, else None."""
        account = self.by_id.get(account_id)
        ok = verify_password(password, account.password if account else _DUMMY_HASH)
        if account is None or not ok or account.disabled:
            return None
        return account

    def with_account(self, account_id: str, name: str, password: str) -> Accounts:
        """A copy with this account added or its name and password replaced."""
        if not re.fullmatch(ID_PATTERN, account_id) or len(account_id) > 48:
            raise AccountError(
                f"supervisor id {account_id!r}: use lowercase letters, digits, '-' or '_' "
                "(at most 48), e.g. siti or budi-s"
            )
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise AccountError(
                f"the password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters "
                f"(it has {len(password)})"
            )
        if not name.strip():
            raise AccountError("give the supervisor's name, e.g. --name 'Siti Aminah'")
        account = Account(id=account_id, name=name.strip(), password=hash_password(password))
        return Accounts({**self.by_id, account_id: account})

    def without(self, account_id: str) -> Accounts:
        if account_id not in self.by_id:
            raise AccountError(f"no supervisor {account_id!r} in this site")
        return Accounts({k: v for k, v in self.by_id.items() if k != account_id})

    def save(self, path: Path) -> None:
        """Write the file atomically, readable by its owner only."""
        body = {"supervisors": [a.model_dump(exclude_defaults=True) for a in self.by_id.values()]}
        header = (
            "# Supervisors of this site (antrian provision supervisor). Passwords are scrypt\n"
            "# hashes; keep this file out of version control.\n"
        )
        data = header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
        atomic_write(path, data.encode(), mode=0o600)
