"""The dashboard's figures and alerts from the hall and fleet snapshots, at a given time."""

from __future__ import annotations

from datetime import timedelta

from antrian.board_state import BoardState
from protocol import messages as m
from tests.display.display_messages import DAY, T0, counter, hall, queue
from web.overview import ActionLog, DashboardSettings, overview

SETTINGS = DashboardSettings(wait_standard_min=30, wait_standards={"skck": 90})


def fleet(*entries: tuple[str, str, bool, list[str]]) -> m.FleetSnapshot:
    return m.FleetSnapshot(
        at=T0,
        errors_total=0,
        nodes=[
            m.FleetEntry(
                node_id=n,
                role=r,
                online=on,
                since=T0,
                session=1,
                faults=f,
                outbox=7 if r == "kiosk" else None,
            )
            for n, r, on, f in entries
        ],
    )


def board(
    counters: list[m.CounterSnapshot], queues: list[m.QueueSnapshot], open_: bool = True
) -> BoardState:
    s = BoardState()
    s.apply_snapshot(hall(1, counters=counters, queues=queues).model_copy(update={"open": open_}))
    return s


def test_rows_carry_what_the_supervisor_reads() -> None:
    q = queue("dukcapil", "A", 4).model_copy(
        update={"oldest_waiting_at": T0, "estimated_wait_min": 12, "quota": 50, "quota_left": 46}
    )
    c = counter("loket-1", "A001", "calling").model_copy(
        update={"since": T0 + timedelta(minutes=5), "officer": "budi"}
    )
    view = overview(board([c], [q]), fleet(), T0 + timedelta(minutes=20), SETTINGS)
    row = view.queues[0]
    assert (row.waiting, row.longest_wait_min, row.estimate_min, row.quota_left) == (4, 20, 12, 46)
    crow = view.counters[0]
    assert (crow.state, crow.officer, crow.ticket, crow.minutes) == ("calling", "budi", "A001", 15)
    assert view.synced and view.alerts == []


def test_wait_above_the_queues_standard_is_an_alert() -> None:
    queues = [
        queue("dukcapil", "A", 3).model_copy(update={"oldest_waiting_at": T0}),
        queue("skck", "B", 3).model_copy(update={"oldest_waiting_at": T0}),
        queue("sim", "C", 0).model_copy(update={"oldest_waiting_at": None}),
    ]
    busy = [counter("loket-1", "A001", "serving"), counter("loket-2", "B001", "serving")]
    view = overview(board(busy, queues), None, T0 + timedelta(minutes=45), SETTINGS)
    assert [(a.kind, a.subject, a.minutes) for a in view.alerts] == [
        ("wait_above_standard", "dukcapil", 45)  # skck's standard is 90 minutes
    ]


def test_counter_paused_or_idle_while_citizens_wait_is_unstaffed_during_opening_hours() -> None:
    queues = [queue("dukcapil", "A", 2)]
    counters = [
        counter("loket-1", state="paused").model_copy(update={"since": T0}),
        counter("loket-2", state="idle").model_copy(update={"since": T0 + timedelta(minutes=8)}),
    ]
    at = T0 + timedelta(minutes=15)
    view = overview(board(counters, queues), None, at, SETTINGS)
    assert [(a.kind, a.subject, a.minutes, a.detail) for a in view.alerts] == [
        ("counter_unstaffed", "loket-1", 15, "paused")  # loket-2 idle only 7 minutes
    ]
    assert overview(board(counters, queues, open_=False), None, at, SETTINGS).alerts == []
    nobody = [queue("dukcapil", "A", 0)]
    assert overview(board(counters, nobody), None, at, SETTINGS).alerts == []


def test_devices_offline_or_with_faults_are_alerts_central_is_not_a_device() -> None:
    f = fleet(
        ("central", "central", False, []),
        ("kiosk-1", "kiosk", True, ["paper_out"]),
        ("caller-1", "caller", False, []),
        ("display-1", "display", True, []),
    )
    view = overview(board([], []), f, T0, SETTINGS)
    assert [(a.kind, a.subject, a.detail) for a in view.alerts] == [
        ("device_fault", "kiosk-1", "paper_out"),
        ("device_offline", "caller-1", "caller"),
    ]
    assert [d.node_id for d in view.devices] == ["central", "kiosk-1", "caller-1", "display-1"]
    assert [d.outbox for d in view.devices] == [None, 7, None, None]


def test_before_the_first_snapshot_nothing_is_claimed() -> None:
    view = overview(BoardState(), None, T0, SETTINGS)
    assert not view.synced and view.counters == [] and view.alerts == []


def test_action_log_keeps_the_latest_supervisors_actions_once_each() -> None:
    log = ActionLog(size=2)
    paused = m.Event(
        seq=5, at=T0, kind="counter_paused", business_day=DAY, counter="loket-2",
        counter_name="Loket 2", supervisor="siti",
    )  # fmt: skip
    by_caller = paused.model_copy(update={"seq": 6, "supervisor": None})
    quota = m.Event(
        seq=7, at=T0, kind="quota_changed", business_day=DAY, queue="skck", quota=None,
        supervisor="budi",
    )  # fmt: skip
    for ev in (paused, by_caller, quota, paused):  # the last one delivered again
        log.note(ev)
    assert [(a.seq, a.supervisor, a.kind, a.subject, a.detail) for a in log.recent()] == [
        (7, "budi", "quota_changed", "skck", "-"),
        (5, "siti", "counter_paused", "Loket 2", ""),
    ]
    log.note(paused.model_copy(update={"seq": 8}))
    assert [a.seq for a in log.recent()] == [8, 7]
