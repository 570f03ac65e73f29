"""A kiosk's outbox depth travels in its status to the fleet list; a will keeps the last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from central.fleet import Fleet
from protocol import messages as m

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def status(online: bool, outbox: int | None, at: datetime) -> m.NodeStatus:
    return m.NodeStatus(
        node_id="kiosk-1", role="kiosk", online=online, session=3, at=at, outbox=outbox
    )


def test_outbox_depth_is_listed_and_kept_when_the_kiosk_goes_offline() -> None:
    fleet = Fleet()
    assert fleet.apply(status(True, 0, T0), T0) is not None
    entry = fleet.apply(status(True, 12, T0), T0 + timedelta(seconds=5))
    assert entry is not None and entry.outbox == 12
    will = fleet.apply(status(False, None, T0), T0 + timedelta(seconds=9))
    assert will is not None and (will.online, will.outbox) == (False, 12)
    back = fleet.apply(status(True, 0, T0), T0 + timedelta(seconds=20))
    assert back is not None and back.outbox == 0
