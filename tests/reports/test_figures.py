"""Known truth: a scripted day gives exactly the expected report numbers."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from central.hall import Hall
from central.ledger import Ledger
from reports import LedgerError, LedgerStream, build_report, ikm, read_period
from reports.figures import Group, p90
from sim.day import generate_day
from sim.driver import play

from .scripted_day import CAT, CAT_ROSTER, DAY, write_scripted_day


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"
    write_scripted_day(path)
    return path


def _row(groups: list[Group], key: str) -> Group:
    return next(g for g in groups if g.key == key)


def test_hall_totals(ledger: Path) -> None:
    r = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    h = r.hall
    assert (h.issued, h.served, h.no_show, h.transfers) == (7, 6, 1, 1)
    # Waits 2, 15, 16, 10+45, 18, 20, 50 minutes.
    assert h.wait_mean_min == pytest.approx(176 / 7)
    assert h.wait_p90_min == pytest.approx(55)
    # Services 8, 15, 12, 16, 5, 8 minutes; 15 (A, standard 10) and 16 (C, 15) are over.
    assert h.service_mean_min == pytest.approx(64 / 6)
    assert h.service_p90_min == pytest.approx(16)
    assert h.within_standard == pytest.approx(4 / 6)
    assert h.satisfaction is not None
    assert (h.satisfaction.ratings, h.satisfaction.score, h.satisfaction.grade) == (4, 81.25, "B")
    assert r.per_hour == {8: 5, 9: 2}
    assert r.peak_hour == 8
    assert r.days_with_tickets == 1


def test_agencies_and_services(ledger: Path) -> None:
    r = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    a = _row(r.groups["queue"], "dukcapil")
    assert (a.issued, a.served, a.no_show, a.transfers) == (5, 4, 1, 0)
    assert a.wait_mean_min == pytest.approx(103 / 5) and a.wait_p90_min == pytest.approx(50)
    assert a.service_mean_min == pytest.approx(9) and a.service_p90_min == pytest.approx(15)
    assert a.within_standard == pytest.approx(3 / 4)
    assert a.satisfaction is not None and a.satisfaction.score == pytest.approx(91.67)
    assert a.satisfaction.grade == "A" and a.name == "A KTP-el, KK, Akta"
    # B001 was taken for SKCK and transferred: issued and transferred there, served in SIM.
    b = _row(r.groups["queue"], "skck")
    assert (b.issued, b.served, b.transfers, b.wait_mean_min) == (1, 0, 1, None)
    c = _row(r.groups["queue"], "sim")
    assert (c.issued, c.served, c.no_show) == (1, 2, 0)
    assert c.wait_mean_min == pytest.approx(36.5) and c.within_standard == pytest.approx(0.5)
    assert c.satisfaction is not None and c.satisfaction.grade == "D"
    assert (b.transferred_in, c.transferred_in, a.transferred_in) == (0, 1, 0)
    # SKCK to SIM stays inside Polri: neither out nor in for the agency.
    polri = _row(r.groups["agency"], "polri")
    assert (polri.name, polri.issued, polri.served, polri.transfers) == ("Polresta", 2, 2, 0)
    assert (polri.transferred_in, polri.not_served) == (0, 0)
    assert [g.key for g in r.groups["agency"]] == ["dukcapil", "polri"]


def _adds_up(g: Group) -> bool:
    assert g.issued is not None and g.transferred_in is not None and g.not_served is not None
    return g.issued + g.transferred_in == g.served + g.no_show + g.transfers + g.not_served


def test_every_hall_agency_and_queue_row_adds_up(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    write_scripted_day(path, unfinished=True)
    r = build_report(read_period(path, DAY, DAY), DAY, DAY, CAT)
    for level in ("hall", "agency", "queue"):
        for g in r.groups[level]:
            assert _adds_up(g), g
    # A005 went from Dukcapil to SKCK and waits there; H001 waits in BPJS.
    dukcapil = _row(r.groups["agency"], "dukcapil")
    assert (dukcapil.issued, dukcapil.transfers, dukcapil.not_served) == (6, 1, 0)
    polri = _row(r.groups["agency"], "polri")
    assert (polri.issued, polri.transferred_in, polri.transfers, polri.not_served) == (2, 1, 0, 1)
    skck = _row(r.groups["queue"], "skck")
    assert (skck.issued, skck.transferred_in, skck.transfers, skck.not_served) == (1, 1, 1, 1)
    assert _row(r.groups["queue"], "bpjs").not_served == 1
    assert (r.hall.issued, r.hall.transfers, r.hall.transferred_in, r.hall.not_served) == (
        9,
        2,
        2,
        2,
    )
    # Counters and officers take no tickets and receive no transfers: no sum to show.
    assert {(g.transferred_in, g.not_served) for g in r.groups["counter"]} == {(None, None)}


def test_counters_and_officers(ledger: Path) -> None:
    r = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    l2 = _row(r.groups["counter"], "loket-2")
    assert (l2.name, l2.issued, l2.served, l2.no_show) == ("Loket 2", None, 2, 1)
    assert l2.wait_mean_min == pytest.approx(85 / 3)
    assert l2.satisfaction is not None and l2.satisfaction.score == 100.0
    l3 = _row(r.groups["counter"], "loket-3")
    assert (l3.served, l3.transfers) == (2, 1) and l3.wait_p90_min == pytest.approx(55)
    budi = _row(r.groups["officer"], "budi")
    assert budi.served == 2 and budi.satisfaction is not None
    assert budi.satisfaction.score == 87.5 and budi.satisfaction.grade == "B"
    assert [g.key for g in r.groups["officer"]] == ["budi", "eko", "sari"]


def test_officers_named_from_the_roster(ledger: Path) -> None:
    data = read_period(ledger, DAY, DAY)
    named = build_report(data, DAY, DAY, CAT_ROSTER).groups["officer"]
    # Names and bare codes in one alphabetical list; the key stays the code.
    assert [(g.key, g.name) for g in named] == [
        ("budi", "Budi Santoso (budi)"),
        ("eko", "eko"),
        ("sari", "Sari Wulandari (sari)"),
    ]
    # The figures are those of the same officers without a roster.
    no_roster = CAT_ROSTER.model_copy(update={"officers": []})
    bare = build_report(data, DAY, DAY, no_roster).groups["officer"]
    assert [g.name for g in bare] == ["budi", "eko", "sari"]
    assert [replace(g, name=g.key) for g in named] == bare


def test_fairness(ledger: Path) -> None:
    f = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT).fairness
    assert (f.overtakes, f.overtaken_tickets, f.priority_tickets) == (1, 1, 1)
    assert f.priority_share == pytest.approx(1 / 7)
    assert f.priority_longest_wait_min == pytest.approx(2)


def test_without_catalogue_names_fall_back_and_no_standard(ledger: Path) -> None:
    r = build_report(read_period(ledger, DAY, DAY), DAY, DAY)
    assert r.hall.within_standard is None
    assert {g.key for g in r.groups["agency"]} == {"Dukcapil", "Polresta"}
    assert r.hall.issued == 7


def test_other_days_are_empty_and_the_ledger_is_unchanged(ledger: Path) -> None:
    before = hashlib.sha256(ledger.read_bytes()).hexdigest()
    r = build_report(read_period(ledger, date(2026, 11, 24), date(2026, 11, 30)), DAY, DAY)
    assert r.hall.issued == 0 and r.peak_hour is None and r.groups["queue"] == []
    assert hashlib.sha256(ledger.read_bytes()).hexdigest() == before


def test_missing_or_foreign_ledger_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="not found"):
        read_period(tmp_path / "nope.sqlite3", DAY, DAY)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LedgerError, match="not an Antrian ledger"):
        read_period(junk, DAY, DAY)


def test_ikm_conversion_and_bands() -> None:
    assert ikm([]) is None
    assert ikm([4]).score == 100.0 and ikm([4]).grade == "A"  # type: ignore[union-attr]
    assert ikm([1]).score == 25.0 and ikm([1]).grade == "D"  # type: ignore[union-attr]
    # Band edges as the regulation prints them, to two decimals.
    assert ikm([4, 4, 3]).grade == "A"  # type: ignore[union-attr]  # 91.67
    assert ikm([3] * 53 + [4] * 47).score == 86.75  # type: ignore[union-attr]
    assert ikm([3, 3, 3, 4]).grade == "B"  # type: ignore[union-attr]  # 81.25
    assert ikm([3, 3, 2, 3]).grade == "C"  # type: ignore[union-attr]  # 68.75
    assert ikm([3, 2]).grade == "D"  # type: ignore[union-attr]  # 62.5
    assert ikm([3] * 7 + [4] * 4).score == 84.09  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        ikm([5])


def test_p90_is_nearest_rank() -> None:
    assert p90([]) is None
    assert p90([3.0]) == 3.0
    assert p90([float(i) for i in range(1, 11)]) == 9.0
    assert p90([float(i) for i in range(1, 12)]) == 10.0


def test_a_streamed_period_gives_the_same_report_as_one_read_at_once(tmp_path: Path) -> None:
    # Three played days, the first two closed and deflated as central leaves them.
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    first = date(2026, 11, 23)
    for i in range(3):
        day = first + timedelta(days=i)
        hall = Hall(CAT, day, int(ledger.meta("seq") or 0))
        ledger.commit(play(hall, generate_day(CAT, day, 7 + i)), hall.day, hall.seq)
    while ledger.compaction_due:
        ledger.compact()
    ledger.close()
    last = first + timedelta(days=2)
    at_once = build_report(read_period(path, first, last), first, last, CAT)
    streamed = build_report(LedgerStream(path, first, last), first, last, CAT)
    assert at_once.hall.issued and at_once.days_with_tickets == 3
    assert at_once.hall.transfers  # transfers are part of what must add up
    assert streamed == at_once
    one_day = build_report(LedgerStream(path, last, last), last, last, CAT)
    assert one_day.hall.issued == at_once.per_day[-1].issued


def test_longest_wait_standards_and_the_ikm_sample(ledger: Path) -> None:
    r = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    h = r.hall
    assert h.wait_max_min == pytest.approx(55)  # B001: 10 at SKCK + 45 at SIM
    a = _row(r.groups["queue"], "dukcapil")
    # The catalogue's SOP (10 min) and waiting standard (60 min) beside the shares.
    assert (a.standard_min, a.wait_standard_min) == (10, 60)
    assert a.within_wait_standard == 1.0  # waits 2 to 50 minutes
    assert a.no_show_share == pytest.approx(1 / 5)
    # SIM has no waiting standard: its tickets are not judged against one.
    sim = _row(r.groups["queue"], "sim")
    assert sim.wait_standard_min is None and sim.within_wait_standard is None
    # The hall's agencies and the hall itself show no SOP of their own.
    assert h.standard_min is None and h.wait_standard_min is None
    # Four ratings of six served: coverage 2/3; of six citizens the regulation's table
    # asks all six, so the score is marked as from too small a sample.
    assert h.ikm_coverage == pytest.approx(4 / 6)
    assert h.ikm_minimum == 6 and h.ikm_sample_short


def test_an_officers_row_shows_no_wait(ledger: Path) -> None:
    # The waits of an officer's tickets measure the time of day the officer worked.
    r = build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT)
    for g in r.groups["officer"]:
        assert g.wait_mean_min is None and g.wait_p90_min is None and g.wait_max_min is None
        assert g.within_wait_standard is None
    assert any(g.wait_mean_min is not None for g in r.groups["counter"])


def test_minimum_sample_follows_krejcie_and_morgan() -> None:
    from reports.ikm import minimum_sample

    # Rows of Krejcie and Morgan's table (1970), which PermenPANRB 14/2017 refers to.
    table = {10: 10, 50: 44, 100: 80, 200: 132, 500: 217, 1000: 278, 10000: 370}
    assert {n: minimum_sample(n) for n in table} == table
    assert minimum_sample(0) == 0 and minimum_sample(10**7) == 384


def test_officers_time_and_tickets_per_hour(ledger: Path) -> None:
    from reports.productivity import officer_times, with_productivity

    times = officer_times(ledger, DAY, DAY)
    # Signed in at 07:55; the day at each counter ends with its last event there.
    assert times["budi"].signed_in_s == 42 * 60  # loket-1 until 08:37
    assert times["sari"].signed_in_s == 114 * 60  # loket-2 until 09:49
    assert times["eko"].signed_in_s == 115 * 60  # loket-3 until 09:50
    assert all(t.paused_s == 0 for t in times.values())
    r = with_productivity(build_report(read_period(ledger, DAY, DAY), DAY, DAY, CAT), times)
    budi = _row(r.groups["officer"], "budi")
    assert budi.served == 2 and budi.tickets_per_h == pytest.approx(2 / 0.7)
    assert budi.signed_in_h == pytest.approx(0.7) and budi.paused_min == 0


def test_paused_minutes_count_for_the_officer_signed_in(tmp_path: Path) -> None:
    from datetime import datetime

    from protocol import messages as m
    from reports.productivity import officer_times

    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    hall = Hall(CAT, DAY)

    def send(kind: type[m.RequestBase], hh: int, mm: int, **kw: object) -> None:
        when = datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=CAT.tz)
        req = kind(
            request_id=f"req-{hall.seq:04d}-{hh:02d}{mm:02d}", node_id="c", sent_at=when, **kw
        )
        out = hall.apply(req, when)  # type: ignore[arg-type]
        assert out.reply.ok
        ledger.commit([(req, out)], hall.day, hall.seq)  # type: ignore[list-item]

    send(m.SignIn, 8, 0, counter="loket-1", officer="budi")
    send(m.PauseCounter, 10, 0, counter="loket-1")
    send(m.ResumeCounter, 10, 20, counter="loket-1")
    send(m.SignIn, 12, 0, counter="loket-1", officer="sari")  # handover
    send(m.PauseCounter, 14, 0, counter="loket-1")
    send(m.SignOut, 14, 30, counter="loket-1")
    ledger.close()
    times = officer_times(path, DAY, DAY)
    assert times["budi"].signed_in_s == 4 * 3600 and times["budi"].paused_s == 20 * 60
    assert times["sari"].signed_in_s == 2.5 * 3600 and times["sari"].paused_s == 30 * 60


def test_per_day_per_agency_adds_up_to_the_day(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger(path)
    first = date(2026, 11, 23)
    for i in range(2):
        day = first + timedelta(days=i)
        hall = Hall(CAT, day, int(ledger.meta("seq") or 0))
        ledger.commit(play(hall, generate_day(CAT, day, 60 + i)), hall.day, hall.seq)
    ledger.close()
    last = first + timedelta(days=1)
    r = build_report(read_period(path, first, last), first, last, CAT)
    assert len(r.per_day) == 2
    for d in r.per_day:
        rows = [g for g in r.per_day_agency if g.key.startswith(d.key + " ")]
        assert len(rows) == len({q.agency for q in CAT.queues})
        assert sum(g.issued or 0 for g in rows) == d.issued
        assert sum(g.served for g in rows) == d.served
        for g in rows:
            assert g.issued is not None and g.not_served is not None
            assert g.transferred_in is not None
            ins = g.issued + g.transferred_in
            assert ins == g.served + g.no_show + g.transfers + g.not_served, g.key
