"""`antrian simulate`: a short seeded day through a real broker, central and the demo's
kiosks and callers; every citizen's ticket printed, the ledger and the summary agree."""

from __future__ import annotations

import io
import json
from collections import Counter
from contextlib import redirect_stdout
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from antrian.cli import main
from central.config import load_catalogue
from central.ledger import LedgerReader
from central.testing import DEMO_CATALOGUE
from hall.sim_actors import read_ticket
from hall.sim_clock import SimClock
from hall.sim_summary import summary_table
from hall.simulate import Scenario, Simulation, make_day
from hall.simulate_cli import _window
from protocol import messages as m

CAT = load_catalogue(DEMO_CATALOGUE)
DAY = date(2026, 3, 2)
# Seed 19 on this date, 11:00-13:00, about 40 citizens: priority citizens, a no-show,
# transfers and ratings at Loket 1, and the lunch pause and handover inside the window.
SCENARIO = {"seed": 19, "day": DAY, "window": (time(11), time(13)), "citizens": 40}


def test_clock_maps_real_to_simulated_time() -> None:
    opens = datetime(2026, 3, 2, 8, tzinfo=CAT.tz)
    wall0 = datetime(2026, 3, 2, 1, tzinfo=UTC)
    clock = SimClock(opens, speed=120.0, mono0=100.0, wall0=wall0)
    assert clock.to_sim(wall0 + timedelta(seconds=30)) == opens + timedelta(hours=1)
    assert clock.deadline(opens + timedelta(hours=2)) == pytest.approx(160.0)


def test_scenario_day_is_seeded_and_scaled() -> None:
    a = make_day(CAT, Scenario(speed=1, **SCENARIO), DAY)  # type: ignore[arg-type]
    b = make_day(CAT, Scenario(speed=1, **SCENARIO), DAY)  # type: ignore[arg-type]
    assert a == b
    assert 25 <= len(a.citizens) <= 60
    assert all(time(11) <= c.arrives_at.time() < time(13) for c in a.citizens)


def test_window_argument() -> None:
    assert _window("11:00-13:30") == (time(11), time(13, 30))
    with pytest.raises(Exception, match="close after"):
        _window("13:00-11:00")
    with pytest.raises(Exception, match="HH:MM-HH:MM"):
        _window("noon")


def _waits_by_agency(ledger: Path, speed: float) -> dict[str, list[float]]:
    """Independently of reports/: every leg from issue (or transfer) to call, in simulated
    minutes, by the agency of the queue where the ticket ended."""
    db = LedgerReader(ledger)
    tickets = {t.id: (t.issued_at, t.queue) for t in db.all_tickets() if t.status != "void"}
    legs: dict[str, list[float]] = {}
    start: dict[str, datetime | None] = {t: v[0] for t, v in tickets.items()}
    for row in db.all_events():
        kind = row.kind
        ev = json.loads(row.body)
        tid = str((ev.get("ticket") or {}).get("ticket_id"))
        if tid not in tickets:
            continue
        at = datetime.fromisoformat(ev["at"])
        began = start[tid]
        if kind == "ticket_called" and began is not None:
            legs.setdefault(tid, []).append((at - began).total_seconds())
            start[tid] = None
        elif kind == "ticket_transferred":
            start[tid] = at
    db.close()
    agency = {q.id: q.agency for q in CAT.queues}
    out: dict[str, list[float]] = {}
    for tid, waits in legs.items():
        out.setdefault(agency[tickets[tid][1]], []).append(sum(waits) * speed / 60)
    return out


@pytest.mark.slow
def test_short_day_through_the_real_hall(tmp_path: Path) -> None:
    lines: list[str] = []
    speed = 400.0
    sim = Simulation(
        Scenario(speed=speed, run_dir=tmp_path / "sim", out=lines.append, **SCENARIO)  # type: ignore[arg-type]
    )
    summary = sim.run()
    day = sim.day
    assert day is not None
    citizens = day.citizens

    # Every generated citizen holds a printed ticket, read back from the printer's bytes.
    jobs = sorted((tmp_path / "sim" / "printed").glob("*/*.bin"))
    printed = [read_ticket(j.read_bytes()) for j in jobs]
    assert len(printed) == len(citizens) and None not in printed
    assert {c.index for c in (t.citizen for t in sim.book.tickets.values())} == {
        c.index for c in citizens
    }
    assert summary["without_ticket"] == 0 and summary["printed"] == len(citizens)
    assert sum(t.priority for t in printed if t) == sum(c.priority for c in citizens)

    # The ledger holds exactly those tickets, and each ended served or a no-show.
    with LedgerReader(sim.ledger_path) as db:
        rows = [
            (t.id, t.origin_queue, t.queue, t.status, t.priority, t.transfers)
            for t in db.all_tickets()
            if t.status != "void"
        ]
    assert {r[0] for r in rows} == {t.ticket_id for t in printed if t}
    status = Counter(r[3] for r in rows)
    hall = summary["hall"]
    assert hall["issued"] == len(rows) == len(citizens)
    assert hall["served"] + hall["no_show"] + hall["expired"] == hall["issued"]
    assert hall["open"] == 0 and status["waiting"] == 0
    assert (hall["served"], hall["no_show"]) == (status["served"], status["no_show"])
    assert hall["no_show"] == sum(not c.shows for c in citizens)
    assert hall["priority"] == sum(r[4] for r in rows) == sum(c.priority for c in citizens)
    assert hall["transfers"] == sum(r[5] for r in rows)
    # Transfers the officers pressed and central recorded are the same ones.
    assert hall["transfers"] == sum(t.leg - 1 for t in sim.book.tickets.values())
    assert hall["transfers"] <= sum(c.transfer_to is not None for c in citizens)

    # Per agency, the summary's counts and waits agree with the ledger.
    agency = {q.id: q.agency for q in CAT.queues}
    waits = _waits_by_agency(sim.ledger_path, speed)
    for a in summary["agencies"]:
        mine = [r for r in rows if agency[r[2]] == a["agency"]]
        assert a["issued"] == sum(agency[r[1]] == a["agency"] for r in rows)
        assert a["served"] == sum(r[3] == "served" for r in mine)
        assert a["no_show"] == sum(r[3] == "no_show" for r in mine)
        w = waits.get(a["agency"], [])
        assert a["wait_mean_min"] == pytest.approx(sum(w) / len(w), abs=0.01)
    all_waits = [w for ws in waits.values() for w in ws]
    assert hall["wait_mean_min"] == pytest.approx(sum(all_waits) / len(all_waits), abs=0.01)
    assert 0 <= hall["within_standard"] <= 1
    assert not summary["anomalies"], summary["anomalies"]
    # The real nodes kept the day's timing within two simulated minutes (0.3 s real).
    fidelity = summary["fidelity"]
    assert 0 <= fidelity["issue_lag_mean_s"] < 120
    assert abs(fidelity["service_error_mean_s"]) < 120

    # The estimates in simulated minutes (issue 17): the day's events replayed through
    # the pure Hall reproduce every issue and call, and the simulated-time ledger's
    # tickets carry minutes of the simulated day, not central's real ones.
    est = summary["estimates"]
    assert est["replay_mismatched"] == 0 and est["tickets"] == hall["issued"]
    assert est["mae_min"] < hall["wait_mean_min"]
    with LedgerReader(sim.simtime_ledger_path) as db:
        issued = [
            m.Event.model_validate_json(e.body)
            for e in db.all_events()
            if e.kind == "ticket_issued"
        ]
    minutes = [e.ticket.estimated_wait_min for e in issued if e.ticket]
    ranges = [
        (e.ticket.estimated_wait_low_min, e.ticket.estimated_wait_high_min)
        for e in issued
        if e.ticket
    ]
    assert len(minutes) == hall["issued"] and max(m_ or 0 for m_ in minutes) > 10
    assert all(lo is not None and hi is not None and lo < hi for lo, hi in ranges)

    # The table was printed; the JSON on disk is the same summary.
    assert "Total" in "\n".join(lines) and summary_table(summary) in lines
    assert "wait estimates, in simulated minutes: MAE" in summary_table(summary)
    on_disk = json.loads((tmp_path / "sim" / "summary.json").read_text())
    assert on_disk == json.loads(json.dumps(summary))

    # `antrian report` reads the simulated-time copy of the ledger.
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(
            ["report", "--ledger", str(sim.simtime_ledger_path), "--catalogue",
             str(DEMO_CATALOGUE), "--date", DAY.isoformat(), "--lang", "en"]
        )  # fmt: skip
    assert code == 0
    row = next(line for line in out.getvalue().splitlines() if line.startswith(CAT.hall_name))
    cells = row.removeprefix(CAT.hall_name).split()
    counts = [hall["issued"], hall["served"], hall["no_show"], hall["transfers"]]
    assert [int(c) for c in cells[:4]] == counts
    assert float(cells[4]) == pytest.approx(hall["wait_mean_min"], abs=0.051)
    assert float(cells[5]) == pytest.approx(hall["wait_p90_min"], abs=0.051)
