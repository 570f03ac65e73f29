"""Supervisors' accounts: scrypt hashes, the file round trip, clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from web.accounts import AccountError, Accounts, hash_password, verify_password

PW = "kopi-tubruk-42"


def test_hash_verifies_only_the_same_password_and_is_salted() -> None:
    h = hash_password(PW)
    assert h.startswith("scrypt$16384$8$1$")
    assert verify_password(PW, h)
    assert not verify_password(PW + "x", h)
    assert not verify_password(PW.upper(), h)
    assert hash_password(PW) != h  # a fresh salt each time
    for broken in ("", "scrypt$", "pbkdf2$1$2$3$4$5", h.replace("$8$", "$x$"), h[:-4]):
        assert not verify_password(PW, broken)
    assert not verify_password("x" * 10_000, h)  # refused before hashing a huge input


def test_accounts_round_trip_through_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "supervisors.yaml"
    assert Accounts.load(path).by_id == {}  # no file: nobody signs in
    accounts = Accounts.load(path).with_account("siti", "Siti Aminah", PW)
    accounts.with_account("budi", "Budi Santoso", "another-long-one").save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PW not in path.read_text()
    loaded = Accounts.load(path)
    assert sorted(loaded.by_id) == ["budi", "siti"]
    siti = loaded.check("siti", PW)
    assert siti is not None and siti.name == "Siti Aminah"
    assert loaded.check("siti", "wrong-password") is None
    assert loaded.check("nobody", PW) is None
    # Replacing the password: the old one stops working.
    loaded.with_account("siti", "Siti Aminah", "a-new-password").save(path)
    again = Accounts.load(path)
    assert again.check("siti", PW) is None and again.check("siti", "a-new-password")
    again.without("budi").save(path)
    assert sorted(Accounts.load(path).by_id) == ["siti"]


def test_the_file_is_private_before_it_is_in_place(
    tmp_path: Path, modes_at_rename: dict[str, int]
) -> None:
    path = tmp_path / "supervisors.yaml"
    Accounts({}).with_account("siti", "Siti Aminah", PW).save(path)
    assert modes_at_rename == {"supervisors.yaml": 0o600}


def test_disabled_account_cannot_sign_in(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        f"supervisors:\n- id: siti\n  name: Siti\n  password: '{hash_password(PW)}'\n"
        "  disabled: true\n"
    )
    assert Accounts.load(path).check("siti", PW) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("supervisors: [{id: Siti, name: S, password: 'scrypt$1'}]", "not a valid"),
        ("supervisors: [{id: siti, name: S, password: plain}]", "not a valid"),
        ("supervisors: [{id: siti, name: S, password: 'scrypt$1', role: boss}]", "not a valid"),
        (
            "supervisors: [{id: a, name: A, password: 'scrypt$1'}, "
            "{id: a, name: B, password: 'scrypt$2'}]",
            "duplicate supervisor ids: a",
        ),
        ("supervisors: [", "not a valid"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(AccountError, match=says):
        Accounts.load(path)


def test_bad_new_accounts_are_refused_with_what_to_do() -> None:
    empty = Accounts({})
    with pytest.raises(AccountError, match="lowercase"):
        empty.with_account("Siti A", "Siti", PW)
    with pytest.raises(AccountError, match="10 to 256 characters"):
        empty.with_account("siti", "Siti", "short")
    with pytest.raises(AccountError, match="--name"):
        empty.with_account("siti", "  ", PW)
    with pytest.raises(AccountError, match="no supervisor 'x'"):
        empty.without("x")


def test_provision_supervisor_adds_changes_and_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from antrian.cli import main

    configs, secrets = tmp_path / "configs", tmp_path / "secrets"
    (configs / "mpp-x").mkdir(parents=True)
    base = ["provision", "--configs", str(configs), "--secrets", str(secrets), "supervisor"]

    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main([*base, *args])

    assert run("mpp-x", "siti", "--name", "Siti Aminah", "--password-stdin", stdin=PW + "\n") == 0
    path = secrets / "mpp-x" / "supervisors.yaml"
    assert Accounts.load(path).check("siti", PW) is not None
    # A new password keeps the name.
    assert run("mpp-x", "siti", "--password-stdin", stdin="another-password\n") == 0
    siti = Accounts.load(path).check("siti", "another-password")
    assert siti is not None and siti.name == "Siti Aminah"
    capsys.readouterr()
    assert run("mpp-x", "budi", "--password-stdin", stdin=PW + "\n") == 1
    assert "--name" in capsys.readouterr().err
    assert run("mpp-x", "budi", "--name", "B", "--password-stdin", stdin="short\n") == 1
    assert run("nope", "siti", "--name", "S", "--password-stdin", stdin=PW + "\n") == 1
    assert "no site 'nope'" in capsys.readouterr().err
    assert run("mpp-x", "siti", "--remove") == 0
    assert Accounts.load(path).by_id == {}
