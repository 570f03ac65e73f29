"""`antrian ledger backup` under load gives a consistent copy that `antrian ledger check`
passes and that central serves from after a restore; `check` names what is wrong."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from antrian.cli import main
from antrian.devbroker import DevBroker
from central.ledger import LedgerReader, check
from central.testing import CentralProcess, make_config
from tests.central.load import Load, connect_nodes, wait_ready
from tests.central.test_ledger_migrations import busy_ledger


def _tickets(path: Path) -> dict[str, tuple[str, int]]:
    with LedgerReader(path) as ledger:
        return {t.id: (t.origin_queue, t.number) for t in ledger.all_tickets()}


@pytest.mark.slow
def test_a_backup_taken_under_load_restores_and_serves(broker: DevBroker, tmp_path: Path) -> None:
    config = make_config(broker.port, tmp_path / "central")
    proc = CentralProcess(config).start()
    nodes = connect_nodes(broker.port, kiosks=6, callers=2)
    wait_ready(nodes[0])
    load = Load(nodes).start()
    backup = tmp_path / "usb" / "ledger-backup.sqlite3"
    try:
        time.sleep(1.5)
        before = load.answered()
        assert main(["ledger", "backup", str(backup), "--ledger", str(config.ledger_path)]) == 0
        time.sleep(1.0)
        assert load.answered() > before, "central stopped serving during the backup"
    finally:
        load.stop()
        proc.stop()

    # The backup is a consistent earlier state of the same ledger.
    assert check(backup) == [] and check(config.ledger_path) == []
    saved, live = _tickets(backup), _tickets(config.ledger_path)
    assert 0 < len(saved) < len(live)
    assert all(live[tid] == value for tid, value in saved.items())

    # Restore (docs/operations.md): central stopped, the backup becomes its ledger.
    restored = make_config(broker.port, tmp_path / "restored")
    restored.state_dir.mkdir(parents=True)
    shutil.copyfile(backup, restored.ledger_path)
    assert main(["ledger", "check", "--ledger", str(restored.ledger_path)]) == 0
    proc = CentralProcess(restored).start()
    try:
        kiosk = nodes[0]
        wait_ready(kiosk)
        reply = kiosk.issue("dukcapil")
        assert reply.ok and reply.ticket is not None
        taken = [n for q, n in saved.values() if q == "dukcapil"]
        assert reply.ticket.number == max(taken, default=0) + 1  # numbering goes on
        assert nodes[-1].next("loket-1").ok
    finally:
        proc.stop()
        for n in nodes:
            n.link.stop()


def test_check_names_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "l.sqlite3"
    busy_ledger(path)
    assert main(["ledger", "check", "--ledger", str(path)]) == 0
    assert "ok; schema" in capsys.readouterr().out
    db = sqlite3.connect(path)
    with db:
        db.execute("DELETE FROM events WHERE seq = 2")
        db.execute("UPDATE counters SET ticket_id = 'nowhere' WHERE id = 'loket-1'")
    db.close()
    assert main(["ledger", "check", "--ledger", str(path)]) == 1
    err = capsys.readouterr().err
    assert "1 missing" in err and "counter loket-1 holds ticket nowhere" in err
    assert main(["ledger", "check", "--ledger", str(tmp_path / "none.sqlite3")]) == 2
    assert "not found" in capsys.readouterr().err
