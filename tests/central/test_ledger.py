"""The ledger rebuilds the hall exactly, and a restart on a new day closes the old one."""

from __future__ import annotations

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
    assert again.stored_reply(nxt.request_id) == called
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
