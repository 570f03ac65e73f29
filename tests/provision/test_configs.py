"""Every shipped config loads; every kind of invalid config gives the documented error."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from antrian.devbroker import REPO_ROOT
from provision import ConfigInvalid, Problem, SiteConfigs
from provision.cli import register
from provision.configs import role_model
from provision.testing import SITE, copy_site

FIRMWARE = REPO_ROOT / "firmware_configs"
SITES = sorted(p.name for p in FIRMWARE.iterdir() if p.is_dir())


@pytest.mark.parametrize("site", SITES)
def test_every_shipped_config_is_valid(site: str) -> None:
    configs = SiteConfigs(FIRMWARE / site)
    devices, problems = configs.check()
    assert problems == []
    assert devices, f"{site} has no device"
    for d in devices:
        cfg, _merged = configs.validate(d)
        assert isinstance(cfg, role_model(d.role))


def test_standalone_files_are_what_the_node_loads() -> None:
    """A standalone device file is validated as it is: the node's own loader agrees."""
    from edge.kiosk.config import load_config

    configs = SiteConfigs(FIRMWARE / "demo")
    cfg, _ = configs.validate(configs.device("kiosk-1"))
    loaded = load_config(FIRMWARE / "demo" / "kiosk-1.yaml")
    assert cfg.model_dump(exclude={"state_dir", "printer"}) == loaded.model_dump(
        exclude={"state_dir", "printer"}
    )


def test_layers_merge_site_then_role_then_device() -> None:
    configs = SiteConfigs(FIRMWARE / SITE)
    merged = configs.merged(configs.device("display-loket-9"))
    assert merged.raw["state_dir"] == "/var/lib/antrian/display-loket-9"  # site, substituted
    assert merged.raw["voice"]["clips"] == "/var/lib/antrian/voice"  # role
    assert merged.raw["voice"]["enabled"] is False  # device, merged key by key
    assert merged.raw["screen"] == {
        "width": 1280,
        "height": 720,
        "fullscreen": True,
        "ticker_fps": 30,
    }
    assert merged.origin_of(("voice", "enabled")).name == "display-loket-9.yaml"
    assert merged.origin_of(("voice", "clips")).name == "display.yaml"
    assert merged.origin_of(("language",)).name == "site.yaml"
    upstairs = configs.merged(configs.device("kiosk-lantai-2"))
    assert upstairs.raw["buttons"][0]["queue"] == "imigrasi"  # lists replace


# (file to write, text, problem file, field, words in the message, words in the fix)
CASES = [
    (
        "devices/kiosk/kiosk-lobby.yaml",
        "buttons: [\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "",
        "not valid YAML (line",
        "fix the YAML syntax",
    ),
    (
        "devices/kiosk/kiosk-lobby.yaml",
        "- just\n- a list\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "",
        "expected a mapping",
        "key: value",
    ),
    (
        "roles/kiosk.yaml",
        "buttns: []\n",
        "roles/kiosk.yaml",
        "buttns",
        "Extra inputs",
        "remove `buttns`",
    ),
    (
        "devices/kiosk/kiosk-lobby.yaml",
        "leds: null\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "leds",
        "valid dictionary",
        "give a valid value",
    ),
    (
        "devices/kiosk/kiosk-lobby.yaml",
        "request_timeout_s: cepat\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "request_timeout_s",
        "valid number",
        "now 'cepat'",
    ),
    (
        "devices/kiosk/kiosk-lobby.yaml",
        "language: jv\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "language",
        "'id' or 'en'",
        "give a valid value",
    ),
    (
        "devices/kiosk/kiosk-lobby.yaml",
        "buzzer: 17\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "(top level)",
        "pin(s) used twice: 17",
        "change the values",
    ),
    (
        "devices/kiosk/kiosk-lobby.yaml",
        "buttons: [{queue: bioskop, pin: 5, key: a}]\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "buttons.0.queue",
        "'bioskop' is not in catalogue.yaml",
        "use one of: dukcapil-ktp",
    ),
    (
        "devices/kiosk/kiosk-lobby.yaml",
        "node_id: kiosk-1\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "node_id",
        "differs from the file name",
        "set node_id: kiosk-lobby",
    ),
    (
        "devices/kiosk/kiosk-lobby.yaml",
        "site: demo\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "site",
        "folder of site 'mpp-jambi'",
        "set site: mpp-jambi",
    ),
    (
        "devices/caller/caller-loket-9.yaml",
        "counters: [{id: loket-99, buttons: {next: 17}}]\n",
        "devices/caller/caller-loket-9.yaml",
        "counters.0.id",
        "counter 'loket-99'",
        "use one of: loket-1",
    ),
    (
        "devices/caller/caller-loket-9.yaml",
        "{}\n",
        "devices/caller/caller-loket-9.yaml",
        "counters",
        "Field required",
        "add `counters:` to the device file or to roles/caller.yaml",
    ),
    (
        "devices/display/display-loket-9.yaml",
        "mode: counter\n",
        "devices/display/display-loket-9.yaml",
        "(top level)",
        "needs `counter:`",
        "change the values",
    ),
    (
        "devices/printer/printer-1.yaml",
        "{}\n",
        "devices/printer/printer-1.yaml",
        "",
        "unknown role folder 'printer'",
        "devices/<role>/",
    ),
    ("papan-1.yaml", "{}\n", "papan-1.yaml", "", "cannot tell which role", "<role>-<name>.yaml"),
    (
        "kiosk-lobby.yaml",
        "node_id: kiosk-lobby\n",
        "devices/kiosk/kiosk-lobby.yaml",
        "node_id",
        "also defined in",
        "one file per device",
    ),
    (
        "site.yaml",
        "site: mpp-jambi\nprovison: {}\n",
        "site.yaml",
        "provison",
        "Extra inputs",
        "remove `provison`",
    ),
]


@pytest.mark.parametrize(
    ("write", "text", "file", "field", "message", "fix"),
    CASES,
    ids=[f"{c[0]}:{c[3] or c[4][:12]}" for c in CASES],
)
def test_invalid_config_names_file_field_and_fix(
    tmp_path: Path, write: str, text: str, file: str, field: str, message: str, fix: str
) -> None:
    folder = copy_site(tmp_path) / SITE
    target = folder / write
    target.parent.mkdir(parents=True, exist_ok=True)
    if write.startswith("devices/kiosk/") and not text.startswith(("buttons: [\n", "- ")):
        text = target.read_text().replace("{}", "") + text  # keep the device, add one setting
    target.write_text(text)
    _devices, problems = SiteConfigs(folder).check()
    match = [p for p in problems if p.file == folder / file and p.field == field]
    assert match, "\n".join(map(str, problems))
    assert message in match[0].message and fix in match[0].fix, str(match[0])


def test_check_command_reports_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_site(tmp_path)
    assert (
        main(["provision", "--configs", str(root), "--secrets", str(tmp_path / "s"), "check"]) == 0
    )
    assert "every config is valid" in capsys.readouterr().out
    (root / SITE / "roles" / "kiosk.yaml").write_text("hardware: gpoi\n")
    assert (
        main(["provision", "--configs", str(root), "--secrets", str(tmp_path / "s"), "check", SITE])
        == 1
    )
    err = capsys.readouterr().err
    assert f"{root / SITE / 'roles' / 'kiosk.yaml'}: hardware: Input should be 'gpio'" in err
    assert "fix: give a valid value (now 'gpoi')" in err


def main(argv: list[str]) -> int:
    """`antrian provision ...` through the subcommand's own parser."""
    parser = argparse.ArgumentParser(prog="antrian")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def test_check_notes_queues_no_kiosk_offers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Valid files can still leave a queue without a button (the shipped Jambi site had five):
    check says so, without failing (a queue may be reached only by transfer)."""
    root = copy_site(tmp_path)
    args = ["provision", "--configs", str(root), "--secrets", str(tmp_path / "s"), "check", SITE]
    assert main(args) == 0
    assert "no kiosk has a button" not in capsys.readouterr().out
    kiosk = root / SITE / "devices" / "kiosk" / "kiosk-lantai-2.yaml"
    lines = kiosk.read_text().splitlines()
    kiosk.write_text("\n".join(ln for ln in lines if "queue: taspen" not in ln) + "\n")
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"note: {SITE}: no kiosk has a button for queue(s) taspen:" in out


def test_problem_reads_as_documented() -> None:
    p = Problem(
        Path("firmware_configs/x/devices/kiosk/k.yaml"),
        "leds.ready",
        "Field required",
        "add `ready:`",
    )
    assert str(p) == (
        "firmware_configs/x/devices/kiosk/k.yaml: leds.ready: Field required\n    fix: add `ready:`"
    )
    with pytest.raises(ConfigInvalid, match=r"leds\.ready"):
        raise ConfigInvalid([p])
