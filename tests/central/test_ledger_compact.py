"""Closed days' event bodies and replies are deflated when central is idle: readers get
the same bytes back, today's rows stay as written, and a day takes a fraction of the space."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from central.config import load_catalogue
from central.hall import Hall
from central.ledger import Ledger, LedgerReader
from central.testing import DEMO_CATALOGUE
from protocol import messages as m
from sim.day import generate_day
from sim.driver import play
from tests.central.test_hall import DAY, T0, rid

CAT = load_catalogue(DEMO_CATALOGUE)


def used_bytes(path: Path) -> int:
    db = sqlite3.connect(path)
    pages, free, size = (
        db.execute(f"PRAGMA {p}").fetchone()[0]
        for p in ("page_count", "freelist_count", "page_size")
    )
    db.close()
    return int((pages - free) * size)


def test_a_closed_day_is_deflated_and_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    ledger = Ledger(path)
    hall = Hall(CAT, DAY)
    applied = play(hall, generate_day(CAT, DAY, 3))
    for i in range(0, len(applied), 20):
        ledger.commit(applied[i : i + 20], hall.day, hall.seq)
    ledger.checkpoint()
    with LedgerReader(path) as reader:
        events_before = [(e.seq, e.body) for e in reader.all_events()]
    replies_before = {(r.node_id, r.request_id): out.reply for r, out in applied}
    assert not ledger.compaction_due  # the day is still open
    ledger.compact()
    assert not any(isinstance(b, bytes) for (b,) in ledger.db.execute("SELECT body FROM events"))

    # The next business day: its first commit closes the day before.
    tomorrow = DAY + timedelta(days=1)
    later = T0 + timedelta(days=1)
    ledger.commit_outcome(hall.close_day(later, tomorrow), hall.day, hall.seq)
    first = m.IssueTicket(request_id=rid(), node_id="k", sent_at=later, queue="dukcapil")
    ledger.commit([(first, hall.apply(first, later))], hall.day, hall.seq)
    assert ledger.compaction_due
    rounds = 0
    while ledger.compaction_due:
        ledger.compact(limit=100)
        rounds += 1
    assert rounds > 2  # a bounded amount of work per idle call
    kinds = dict(
        ledger.db.execute(
            "SELECT day, GROUP_CONCAT(DISTINCT typeof(body)) FROM events GROUP BY day"
        )
    )
    assert kinds == {DAY.isoformat(): "blob", tomorrow.isoformat(): "text"}
    assert {r for (r,) in ledger.db.execute(
        "SELECT typeof(reply) FROM requests WHERE id != ?", (first.request_id,)
    )} == {"blob"}  # fmt: skip
    assert ledger.stored_reply("k", first.request_id) is not None

    # Readers get every byte back, and the replies answer retries as before.
    with LedgerReader(path) as reader:
        after = [(e.seq, e.body) for e in reader.all_events()]
    assert after[: len(events_before)] == events_before
    for (node, request_id), reply in list(replies_before.items())[::25]:
        assert ledger.stored_reply(node, request_id) == reply
    assert [s for s, _ in ledger.event_bodies_since(0, 10**6)] == [s for s, _ in after]
    assert ledger.event_bodies_since(0)[5][1] == events_before[5][1].encode()
    ledger.close()

    # Rebuilt into fresh pages (as the freed pages are reused by later days), the closed day
    # takes less than half the space.
    packed = tmp_path / "packed.sqlite3"
    db = sqlite3.connect(path)
    db.execute("VACUUM INTO ?", (str(packed),))
    db.close()
    text = tmp_path / "text.sqlite3"
    fresh = Ledger(text)
    fresh.commit(applied, DAY, applied[-1][1].events[-1].seq if applied[-1][1].events else 0)
    fresh.close()
    assert used_bytes(packed) < 0.5 * used_bytes(text)


def test_compaction_survives_a_restart_where_it_stopped(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    ledger = Ledger(path)
    hall = Hall(CAT, DAY)
    applied = play(hall, generate_day(CAT, DAY, 4))
    ledger.commit(applied, hall.day, hall.seq)
    later = T0 + timedelta(days=1)
    ledger.commit_outcome(hall.close_day(later, DAY + timedelta(days=1)), hall.day, hall.seq)
    first = m.IssueTicket(request_id=rid(), node_id="k", sent_at=later, queue="dukcapil")
    ledger.commit([(first, hall.apply(first, later))], hall.day, hall.seq)
    ledger.compact(limit=10)
    ledger.close()
    again = Ledger(path)
    assert again.compaction_due
    while again.compaction_due:
        again.compact()
    texts = again.db.execute(
        "SELECT COUNT(*) FROM events WHERE day = ? AND typeof(body) = 'text'", (DAY.isoformat(),)
    ).fetchone()[0]
    assert texts == 0
    assert again.load(CAT, DAY + timedelta(days=1)).seq == hall.seq
