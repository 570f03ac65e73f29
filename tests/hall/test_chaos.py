"""The chaos suite: its invariants catch what they claim to, its schedule follows the seed,
and a few seeded runs over a real hall break none of them (docs/chaos.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from antrian.devbroker import REPO_ROOT, DevBroker
from antrian.mqtt import BrokerSettings, RequestTimeout, now
from central.testing import CentralProcess, make_config
from hall.chaos import FAULTS, ChaosRun, plan
from hall.invariants import KioskRecord, KioskTicket, LedgerTicket, check, read_ledger
from protocol import messages as m
from tests.central.conftest import connect_node

DAY = "2026-03-02"
Ev = tuple[int, str, str]


def lt(tid: str, queue: str, number: int, node: str = "kiosk-1", **kw: object) -> LedgerTicket:
    fields: dict[str, object] = {"status": "waiting", "request_id": f"r-{tid}", **kw}
    return LedgerTicket(tid, DAY, queue, number, node_id=node, **fields)  # type: ignore[arg-type]


def kt(tid: str, queue: str, number: int, **kw: object) -> KioskTicket:
    fields: dict[str, object] = {
        "origin": "online",
        "origin_request_id": None,
        "printed": True,
        "replayed": True,
        "replay_refusal": None,
        **kw,
    }
    return KioskTicket(tid, queue=queue, number=number, day=DAY, **fields)  # type: ignore[arg-type]


def ev(seq: int, kind: str, tid: str | None = None, counter: str | None = None) -> Ev:
    import json

    body = {"ticket": {"ticket_id": tid} if tid else None, "counter": counter}
    return (seq, kind, json.dumps(body))


def rules(findings: object) -> list[str]:
    return sorted(v.rule for v in findings.violations)  # type: ignore[attr-defined]


def clean() -> tuple[list[LedgerTicket], list[Ev], list[KioskRecord]]:
    ledger = [lt("t1", "dukcapil", 1), lt("k-a0181", "dukcapil", 181)]
    events = [ev(1, "ticket_issued", "t1"), ev(2, "ticket_replayed", "k-a0181"),
              ev(3, "ticket_called", "t1", "loket-1")]  # fmt: skip
    kiosk = KioskRecord(
        "kiosk-1",
        [kt("t1", "dukcapil", 1), kt("k-a0181", "dukcapil", 181, origin="offline")],
        intents=0,
        spooled=["t1", "k-a0181", "t1"],  # a reprint after a crash is the same ticket
    )
    return ledger, events, [kiosk]


def test_clean_records_pass() -> None:
    f = check(*clean())
    assert f.violations == []
    assert (f.tickets, f.offline, f.printed, f.calls) == (2, 1, 2, 1)


def test_a_ticket_the_kiosk_holds_but_central_lacks_is_lost() -> None:
    ledger, events, kiosks = clean()
    assert rules(check(ledger[:1], events, kiosks)) == ["ticket_lost"]


def test_same_number_at_two_kiosks_is_caught() -> None:
    ledger, events, kiosks = clean()
    other = KioskRecord("kiosk-3", [kt("k3-a0181", "dukcapil", 181)], 0, ["k3-a0181"])
    ledger.append(lt("k3-a0181", "dukcapil", 182, node="kiosk-3"))  # central has it elsewhere
    assert rules(check(ledger, events, [*kiosks, other])) == ["number_twice", "ticket_differs"]


def test_a_ticket_called_at_two_counters_is_caught_unless_transferred() -> None:
    ledger, events, kiosks = clean()
    twice = [*events, ev(4, "ticket_called", "t1", "loket-2")]
    assert rules(check(ledger, twice, kiosks)) == ["called_twice"]
    moved = [*events, ev(4, "ticket_transferred", "t1"), ev(5, "ticket_called", "t1", "loket-6")]
    assert check(ledger, moved, kiosks).violations == []


def test_an_event_gap_is_caught() -> None:
    ledger, events, kiosks = clean()
    assert rules(check(ledger, [events[0], events[2]], kiosks)) == ["event_gap"]


def test_issued_tickets_must_be_printed_or_recorded() -> None:
    ledger, events, kiosks = clean()
    ledger.append(lt("t2", "skck", 1))
    assert rules(check(ledger, events, kiosks)) == ["issued_not_printed"]
    kiosks[0].tickets.append(kt("t2", "skck", 1, printed=False))  # recorded as unprinted
    assert check(ledger, events, kiosks).violations == []
    kiosks[0].spooled.append("t9")
    assert rules(check(ledger, events, kiosks)) == ["job_not_recorded"]


def test_marked_printed_without_a_job_is_caught() -> None:
    ledger, events, kiosks = clean()
    kiosks[0].spooled = ["t1"]
    assert rules(check(ledger, events, kiosks)) == ["printed_without_job"]


def test_superseded_online_ticket_allowed_only_if_issued_before_the_replay() -> None:
    ledger, _events, kiosks = clean()
    kiosks[0].tickets[1] = kt("k-a0181", "dukcapil", 181, origin="offline", origin_request_id="rq")
    ledger.append(lt("t2", "dukcapil", 2, request_id="rq", status="called"))
    before = [ev(1, "ticket_issued", "t1"), ev(2, "ticket_issued", "t2"),
              ev(3, "ticket_replayed", "k-a0181"),
              ev(4, "ticket_called", "t1", "loket-1")]  # fmt: skip
    f = check(ledger, before, kiosks)
    assert f.violations == [] and f.superseded == 1
    after = [ev(1, "ticket_issued", "t1"), ev(2, "ticket_replayed", "k-a0181"),
             ev(3, "ticket_called", "t1", "loket-1"), ev(4, "ticket_issued", "t2")]  # fmt: skip
    assert rules(check(ledger, after, kiosks)) == ["issued_after_replay"]


def test_unresolved_press_and_refused_replay_are_caught() -> None:
    ledger, events, kiosks = clean()
    kiosks[0].intents = 1
    kiosks[0].tickets[1] = kt("k-a0181", "dukcapil", 181, replay_refusal="lease_invalid")
    assert rules(check(ledger, events, kiosks)) == ["replay_refused", "unresolved_intent"]


def test_the_plan_follows_the_seed() -> None:
    keys = {"kiosk-1": list("abcde"), "kiosk-3": list("zx")}
    assert plan(7, 200, keys) == plan(7, 200, keys)
    assert plan(7, 200, keys) != plan(8, 200, keys)
    kinds = {s.action for s in plan(7, 400, keys)}
    assert set(FAULTS) <= kinds and {"press", "next", "no_show", "recall"} <= kinds


@pytest.mark.slow
def test_seeded_runs_over_a_real_hall_break_no_invariant(tmp_path: Path) -> None:
    # Seeds 2 and 9 between them kill central, the broker, a kiosk and a caller, freeze
    # central, a kiosk and a caller, and duplicate and delay requests (see plan()).
    faults: set[str] = set()
    recoveries: list[float] = []
    tickets = 0
    for seed in (2, 9):
        result = ChaosRun(seed, steps=30, run_dir=tmp_path).run()
        assert result.violations == [], f"seed {seed}: {result.violations}"
        tickets += result.findings.tickets
        faults |= set(result.faults)
        recoveries += result.recoveries
    assert {"kill_central", "kill_broker", "kill_kiosk", "freeze_central"} <= faults
    assert recoveries, "the display's recovery was never timed"
    assert tickets >= 5


@pytest.mark.slow
def test_cli_names_the_seed_and_counts(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "antrian.cli", "chaos", "--seeds", "1", "--first", "3",
         "--steps", "12", "--no-display", "--run-dir", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "runs: 1" in out.stdout and "violations: 0" in out.stdout
    assert "faults:" in out.stdout and "seed 3: ok" in out.stdout


@pytest.mark.slow
def test_delayed_issue_after_its_offline_replay_issues_no_second_ticket(
    broker: DevBroker, tmp_path: Path
) -> None:
    proc = CentralProcess(make_config(broker.port, tmp_path / "central")).start()
    lease: m.LeaseInfo | None = None
    try:
        kiosk = connect_node(BrokerSettings(port=broker.port), "kiosk-1")
        ask = m.LeaseBlock(queue="dukcapil", size=5, **kiosk.base())
        for _ in range(40):  # until central is up: the same request again, as a kiosk does
            try:
                lease = kiosk.call(ask, 0.5).lease
                break
            except RequestTimeout:
                continue
        assert lease is not None
        # The press: the request never reached central in time (central was away), so the
        # kiosk printed a ticket from its lease and replays it, naming the lost request.
        press = m.IssueTicket(queue="dukcapil", **kiosk.base())
        offline = m.OfflineTicket(
            ticket_id="kiosk-1-offline-a0001",
            queue="dukcapil",
            number=lease.last,
            business_day=lease.business_day,
            lease_id=lease.lease_id,
            issued_at=now(),
            origin_request_id=press.request_id,
        )
        replay = m.ReplayTicket(ticket=offline, **kiosk.base())
        assert kiosk.call(replay).ok
        # Then the network delivers the press late (well within max_request_age_s).
        late = kiosk.call(press)
    finally:
        proc.stop()
    tickets, _events = read_ledger(tmp_path / "central" / "ledger.sqlite3")
    live = [t for t in tickets if t.status != "void"]
    # One press, one ticket: the offline one the citizen holds.
    assert [t.ticket_id for t in live] == [offline.ticket_id], (late, live)
