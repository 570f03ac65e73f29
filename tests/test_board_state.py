"""The board state: snapshot first, events in sequence, recovery from a gap."""

from __future__ import annotations

from datetime import timedelta

from antrian.board_state import BoardState
from tests.display.display_messages import T0, counter, event, hall, queue


def _label(state: BoardState, cid: str) -> str | None:
    c = state.counters[cid]
    return c.ticket.label if c.ticket else None


def _state(state: BoardState, cid: str) -> str:
    return state.counters[cid].state


def test_events_before_the_first_snapshot_wait_for_it() -> None:
    s = BoardState()
    u = s.apply_event(event(6, "ticket_called", "A002", "loket-1"))
    assert u.resync and not u.changed and [c.seq for c in u.calls] == [6]
    u = s.apply_snapshot(hall(5, queues=[queue("dukcapil", "A", 3)]))
    assert u.changed and not u.resync
    assert s.seq == 6 and _label(s, "loket-1") == "A002"
    assert s.queues["dukcapil"].waiting == 2
    assert s.recent_calls[0].seq == 6


def test_events_apply_in_order_and_duplicates_are_ignored() -> None:
    s = BoardState()
    s.apply_snapshot(hall(10))
    u = s.apply_event(event(11, "ticket_issued", "A006"))
    assert u.changed and s.queues["dukcapil"].waiting == 6
    u = s.apply_event(event(12, "ticket_called", "A001", "loket-2"))
    assert u.changed and [c.seq for c in u.calls] == [12]
    assert _label(s, "loket-2") == "A001" and _state(s, "loket-2") == "calling"
    assert s.queues["dukcapil"].waiting == 5
    again = s.apply_event(event(12, "ticket_called", "A001", "loket-2"))
    assert not again.changed and again.calls == [] and s.queues["dukcapil"].waiting == 5
    s.apply_event(event(13, "service_started", "A001", "loket-2"))
    assert _state(s, "loket-2") == "serving"
    s.apply_event(event(14, "counter_paused", None, "loket-2"))
    assert _state(s, "loket-2") == "paused"
    s.apply_event(event(15, "counter_resumed", None, "loket-2"))
    assert _state(s, "loket-2") == "calling"  # the ticket is still called there
    s.apply_event(event(16, "ticket_served", "A001", "loket-2"))
    assert _label(s, "loket-2") is None and _state(s, "loket-2") == "idle"


def test_recall_is_news_even_for_a_ticket_already_shown() -> None:
    s = BoardState()
    s.apply_snapshot(hall(1))
    s.apply_event(event(2, "ticket_called", "A001", "loket-1"))
    u = s.apply_event(event(3, "ticket_recalled", "A001", "loket-1"))
    assert [c.kind for c in u.calls] == ["ticket_recalled"]
    assert [e.seq for e in s.recent_calls] == [3, 2]


def test_a_gap_asks_for_the_snapshot_and_recovers_from_it() -> None:
    s = BoardState()
    s.apply_snapshot(hall(20))
    u = s.apply_event(event(23, "ticket_called", "A009", "loket-1"))  # 21 and 22 were lost
    assert u.resync and not u.changed and s.gaps == 1
    assert [c.seq for c in u.calls] == [23]  # the call may be spoken before the resync
    # The retained snapshot is still the old one: the gap stays open.
    u = s.apply_snapshot(hall(20))
    assert u.resync and s.seq == 20
    # Central's snapshot at 22 covers the lost events; the held event follows it.
    u = s.apply_snapshot(
        hall(
            22,
            counters=[counter("loket-1"), counter("loket-2", "A008", "calling", 22)],
            queues=[queue("dukcapil", "A", 4)],
        )
    )
    assert not u.resync and u.changed and s.synced
    assert s.seq == 23 and _label(s, "loket-1") == "A009" and _label(s, "loket-2") == "A008"
    assert s.queues["dukcapil"].waiting == 3
    assert [c.seq for c in u.calls] == []  # not new any more


def test_older_snapshot_is_ignored_and_newer_one_wins() -> None:
    s = BoardState()
    s.apply_snapshot(hall(30, queues=[queue("dukcapil", "A", 9)]))
    assert not s.apply_snapshot(hall(29, queues=[queue("dukcapil", "A", 1)])).changed
    assert s.queues["dukcapil"].waiting == 9
    # The same seq with different content corrects drift; identical content is no change.
    assert s.apply_snapshot(hall(30, queues=[queue("dukcapil", "A", 8)])).changed
    assert not s.apply_snapshot(hall(30, queues=[queue("dukcapil", "A", 8)])).changed


def test_a_central_on_a_new_ledger_is_adopted_despite_its_lower_seq() -> None:
    s = BoardState()
    s.apply_snapshot(hall(500, queues=[queue("dukcapil", "A", 9)]))
    fresh = hall(3, queues=[queue("dukcapil", "A", 1)]).model_copy(
        update={"at": T0 + timedelta(minutes=5)}
    )
    assert s.apply_snapshot(fresh).changed
    assert s.seq == 3 and s.queues["dukcapil"].waiting == 1
    # Its events continue from there.
    s.apply_event(event(4, "ticket_called", "A002", "loket-1"))
    assert s.seq == 4


def test_snapshot_calls_are_reported_once() -> None:
    s = BoardState()
    recent = [event(5, "ticket_called", "A002", "loket-1"), event(4, "ticket_called", "A001",
                                                                   "loket-2")]  # fmt: skip
    u = s.apply_snapshot(hall(5, recent=recent))
    assert [c.seq for c in u.calls] == [4, 5]  # oldest first, as they happened
    assert s.apply_snapshot(hall(5, recent=recent)).calls == []
    assert s.apply_event(event(5, "ticket_called", "A002", "loket-1")).calls == []


def test_transfer_and_day_close() -> None:
    s = BoardState()
    s.apply_snapshot(hall(1, queues=[queue("dukcapil", "A", 2), queue("skck", "B", 0)]))
    s.apply_event(event(2, "ticket_called", "A001", "loket-1"))
    s.apply_event(event(3, "ticket_transferred", "A001", "loket-1", queue="skck"))
    assert s.queues["skck"].waiting == 1 and _label(s, "loket-1") is None
    s.apply_event(event(4, "day_closed"))
    assert all(q.waiting == 0 for q in s.queues.values()) and s.recent_calls == []


def test_supervisors_events_move_counts_free_counters_and_set_the_running_text() -> None:
    s = BoardState()
    s.apply_snapshot(
        hall(
            1,
            queues=[queue("dukcapil", "A", 5), queue("skck", "B", 2)],
            counters=[counter("loket-1", "A001", "calling")],
        ).model_copy(update={"running_text": "Selamat datang"})
    )
    assert s.running_text == "Selamat datang"
    moved = event(2, "ticket_transferred", "A007", queue="skck").model_copy(
        update={"from_queue": "dukcapil", "supervisor": "siti"}
    )
    assert s.apply_event(moved).changed
    assert (s.queues["dukcapil"].waiting, s.queues["skck"].waiting) == (4, 3)
    s.apply_event(event(3, "ticket_ended", "B002", queue="skck"))
    assert s.queues["skck"].waiting == 2
    s.apply_event(event(4, "ticket_ended", "A001", "loket-1"))
    assert _state(s, "loket-1") == "idle" and s.queues["dukcapil"].waiting == 4
    text = event(5, "running_text_changed").model_copy(update={"text": "Samsat tutup"})
    assert s.apply_event(text).changed and s.running_text == "Samsat tutup"


def test_queue_closed_reopened_and_quota_follow_their_events() -> None:
    s = BoardState()
    q = queue("dukcapil", "A", 5).model_copy(update={"quota": 10, "quota_left": 5})
    s.apply_snapshot(hall(1, queues=[q]))
    closed = event(2, "queue_closed").model_copy(update={"queue": "dukcapil"})
    assert s.apply_event(closed).changed
    assert (s.queues["dukcapil"].open, s.queues["dukcapil"].closed_early) == (False, True)
    s.apply_event(event(3, "queue_reopened").model_copy(update={"queue": "dukcapil"}))
    assert (s.queues["dukcapil"].open, s.queues["dukcapil"].closed_early) == (True, False)
    s.apply_event(event(4, "quota_changed").model_copy(update={"queue": "dukcapil", "quota": 7}))
    assert (s.queues["dukcapil"].quota, s.queues["dukcapil"].quota_left) == (7, 2)
    s.apply_event(event(5, "ticket_issued", "A006"))
    assert s.queues["dukcapil"].quota_left == 1
    s.apply_event(event(6, "quota_changed").model_copy(update={"queue": "dukcapil"}))
    after = s.queues["dukcapil"]
    assert after.quota is None and after.quota_left is None
