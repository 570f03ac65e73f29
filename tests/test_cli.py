"""Every `antrian` subcommand has useful --help, and only the chosen one is imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from antrian.cli import COMMANDS, main


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert f"antrian {command}" in out
    assert len(out.splitlines()) >= 4, "help should say what the command does"


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


def test_choosing_central_does_not_import_pygame_or_escpos() -> None:
    code = (
        "import sys; from antrian.cli import build_parser; build_parser(['central']); "
        "print(sorted(m for m in ('pygame', 'escpos', 'gpiozero', 'matplotlib') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
