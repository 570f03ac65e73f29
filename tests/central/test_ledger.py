"""The ledger rebuilds the hall exactly, and a restart on a new day closes the old one."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from central.config import load_catalogue
from central.hall import Hall
from central.ledger import Ledger
from central.testing import DEMO_CATALOGUE
from protocol import messages as m
from tests.central.test_hall import DAY, T0, call, issue, rid

CAT = load_catalogue(DEMO_CATALOGUE)


def apply_and_commit(ledger: Ledger, hall: Hall, req: m.Request) -> m.Reply:
    out = hall.apply(req, req.sent_at)
    ledger.commit([(req, out)], hall.day, hall.seq)
    return out.reply


def test_restart_rebuilds_queues_counters_numbering_and_replies(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite3")
    hall = Hall(CAT, DAY)
    reqs = [
        m.IssueTicket(
            request_id=rid(), node_id="k", sent_at=T0 + timedelta(seconds=i), queue=q, priority=p
        )
        for i, (q, p) in enumerate([("dukcapil", False), ("dukcapil", True), ("skck", False)])
    ]
    for r in reqs:
        apply_and_commit(ledger, hall, r)
    nxt = m.CallNext(request_id=rid(), node_id="c", sent_at=T0, counter="loket-1")
    called = apply_and_commit(ledger, hall, nxt)
    apply_and_commit(
        ledger, hall, m.PauseCounter(request_id=rid(), node_id="c", sent_at=T0, counter="loket-2")
    )
    ledger.close()

    again = Ledger(tmp_path / "l.sqlite3")
    rebuilt = again.load(CAT, DAY)
    assert rebuilt.seq == hall.seq
    assert rebuilt.counter_snapshot("loket-1") == hall.counter_snapshot("loket-1")
    assert rebuilt.counters["loket-2"].paused
    assert {k: len(w) for k, w in rebuilt.waiting.items()} == {
        k: len(w) for k, w in hall.waiting.items()
    }
    assert rebuilt.next_number == hall.next_number
    assert again.stored_reply("c", nxt.request_id) == called
    assert again.stored_reply("k", nxt.request_id) is None  # another node's id space
    assert issue(rebuilt, "dukcapil", T0).ticket.label == "A003"  # type: ignore[union-attr]
    assert call(rebuilt, "loket-1", T0).counter.ticket.label == "A001"  # type: ignore[union-attr]


def test_load_on_a_later_day_keeps_yesterday_for_rollover(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite3")
    hall = Hall(CAT, DAY)
    apply_and_commit(
        ledger, hall, m.IssueTicket(request_id=rid(), node_id="k", sent_at=T0, queue="dukcapil")
    )
    tomorrow = DAY + timedelta(days=1)
    loaded = ledger.load(CAT, tomorrow)
    assert loaded.day == DAY  # central's start() closes it, so nothing is silently dropped
    out = loaded.close_day(T0 + timedelta(days=1), tomorrow)
    ledger.commit_outcome(out, loaded.day, loaded.seq)
    assert [t.status for t in ledger.tickets_of_day(DAY)] == ["expired"]
    assert ledger.load(CAT, tomorrow).day == tomorrow


def test_request_ids_are_scoped_to_their_node(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite3")
    hall = Hall(CAT, DAY)
    same = rid()
    first = apply_and_commit(
        ledger, hall, m.IssueTicket(request_id=same, node_id="k1", sent_at=T0, queue="dukcapil")
    )
    second = apply_and_commit(
        ledger, hall, m.IssueTicket(request_id=same, node_id="k2", sent_at=T0, queue="dukcapil")
    )
    assert first.ticket is not None and second.ticket is not None
    assert first.ticket.ticket_id != second.ticket.ticket_id
    assert ledger.stored_reply("k1", same) == first
    assert ledger.stored_reply("k2", same) == second
    assert ledger.ticket_of_request("k1", same) == first.ticket.ticket_id
    assert ledger.ticket_of_request("c1", same) is None


def test_a_ledger_keyed_by_request_id_alone_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    # The last schema released with requests keyed by id alone (tests/central/ledger_schemas).
    db.executescript((Path(__file__).parent / "ledger_schemas" / "v2.sql").read_text())
    db.executescript(
        """
        INSERT INTO requests VALUES ('r1', 'k1', '2026-01-05T08:00:00+00:00', 'issue_ticket',
            't1', '{"v":1,"type":"reply","request_id":"r1","ok":true}');
        """
    )
    db.commit()
    db.close()
    ledger = Ledger(path)
    pk = [r[1] for r in ledger.db.execute("PRAGMA table_info(requests)") if r[5]]
    assert sorted(pk) == ["id", "node_id"]
    assert ledger.ticket_of_request("k1", "r1") == "t1"
    assert ledger.ticket_of_request("k2", "r1") is None


def test_published_marker_rides_on_the_next_transaction(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite3")
    hall = Hall(CAT, DAY)
    assert ledger.published_seq == 0
    for _ in range(3):
        apply_and_commit(
            ledger, hall, m.IssueTicket(request_id=rid(), node_id="k", sent_at=T0, queue="skck")
        )
    assert [s for s, _b in ledger.event_bodies_since(0)] == [1, 2, 3]
    ledger.published_seq = 2
    apply_and_commit(
        ledger, hall, m.IssueTicket(request_id=rid(), node_id="k", sent_at=T0, queue="skck")
    )
    ledger.close()
    again = Ledger(tmp_path / "l.sqlite3")
    assert again.published_seq == 2
    again.published_seq = 4
    again.save_published()
    again.close()
    assert Ledger(tmp_path / "l.sqlite3").published_seq == 4
