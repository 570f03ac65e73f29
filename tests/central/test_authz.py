"""Central's authorization, every role x request type x own/other assignment: the grant
comes from a device's delivered config, the rule from protocol/roles.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from central.authz import Authorizer, grant_of
from protocol import messages as m
from protocol.roles import PERMISSIONS

REQUEST = TypeAdapter[m.Request](m.Request)
AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
KIOSK_CONFIG = {
    "buttons": [{"queue": "dukcapil"}, {"queue": "pos", "priority_allowed": False}],
    "priority_button": {"pin": 21, "key": "p"},
}
CALLER_CONFIG = {"counters": [{"id": "loket-1"}, {"id": "loket-2"}]}
AUTHZ = Authorizer(
    {
        "kiosk-1": grant_of("kiosk", KIOSK_CONFIG),
        "kiosk-plain": grant_of("kiosk", {"buttons": [{"queue": "dukcapil"}]}),
        "caller-1": grant_of("caller", CALLER_CONFIG),
        "display-1": grant_of("display", {"counter": "loket-1"}),
        "web": grant_of("web", {}),
    }
)


def make(
    kind: str,
    node: str,
    own: bool,
    priority: bool = False,
    queues: tuple[str, str] = ("dukcapil", "skck"),
    counters: tuple[str, str] = ("loket-1", "loket-5"),
    request_id: str = "abcdefgh-1",
    at: datetime = AT,
) -> m.Request:
    """A request of `kind` from `node`, for its own queue/counter or for another one."""
    queue = queues[0] if own else queues[1]
    counter = counters[0] if own else counters[1]
    base: dict[str, Any] = {"request_id": request_id, "node_id": node, "sent_at": at}
    extras: dict[str, dict[str, Any]] = {
        "issue_ticket": {"queue": queue, "priority": priority},
        "lease_block": {"queue": queue, "size": 20},
        "return_lease": {"queue": queue, "lease_id": "l-1", "first_unused": 3},
        "replay_ticket": {
            "ticket": m.OfflineTicket(
                ticket_id="t-1",
                queue=queue,
                number=5,
                business_day=at.date(),
                lease_id="l-1",
                issued_at=at,
                priority=priority,
            )
        },
        "transfer": {"counter": counter, "to_queue": "skck"},
        "pause_counter": {"counter": counter},
        "sign_in": {"counter": counter, "officer": "budi"},
        "rate_service": {"counter": counter, "ticket_id": "t-1", "score": 4},
        "supervisor_pause_counter": {"counter": counter, "supervisor": "sari"},
        "supervisor_resume_counter": {"counter": counter, "supervisor": "sari"},
        "close_queue": {"queue": queue, "supervisor": "sari"},
        "reopen_queue": {"queue": queue, "supervisor": "sari"},
        "set_quota": {"queue": queue, "quota": 5, "supervisor": "sari"},
        "transfer_ticket": {"label": "A001", "to_queue": "skck", "supervisor": "sari"},
        "end_ticket": {"label": "A001", "supervisor": "sari"},
        "set_running_text": {"text": "", "supervisor": "sari"},
        "lookup_ticket": {"token": "A" * 22},
        "submit_survey": {"token": "A" * 22, "answers": [4] * 9},
    }
    extra = extras.get(kind, {"counter": counter})
    return REQUEST.validate_python({"type": kind, **base, **extra})


NODES = {"kiosk": "kiosk-1", "caller": "caller-1", "display": "display-1", "web": "web"}


@pytest.mark.parametrize("kind", sorted(PERMISSIONS))
@pytest.mark.parametrize("role", [*NODES, "unknown"])
@pytest.mark.parametrize("own", [True, False])
def test_matrix(kind: str, role: str, own: bool) -> None:
    node = NODES.get(role, "kiosk-99")
    why = AUTHZ.check(node, make(kind, node, own))
    perm = PERMISSIONS[kind]
    expected = perm.role == role and (own or perm.scope == "hall")
    assert (why is None) == expected, f"{role} {kind} own={own}: {why}"


def test_priority_only_where_offered() -> None:
    assert AUTHZ.check("kiosk-1", make("issue_ticket", "kiosk-1", True, priority=True)) is None
    pos = m.IssueTicket(
        request_id="abcdefgh-1", node_id="kiosk-1", sent_at=AT, queue="pos", priority=True
    )
    assert "priority" in (AUTHZ.check("kiosk-1", pos) or "")
    plain = make("issue_ticket", "kiosk-plain", True, priority=True)
    assert "priority" in (AUTHZ.check("kiosk-plain", plain) or "")
    replay = make("replay_ticket", "kiosk-plain", True, priority=True)
    assert "priority" in (AUTHZ.check("kiosk-plain", replay) or "")


def test_the_signin_helper_acts_for_its_caller_only_to_sign_in_and_out() -> None:
    helper = "caller-1-signin"
    assert AUTHZ.check(helper, make("sign_in", helper, True)) is None
    assert AUTHZ.check(helper, make("sign_out", helper, True)) is None
    assert AUTHZ.check(helper, make("sign_in", helper, False)) is not None
    assert AUTHZ.check(helper, make("call_next", helper, True)) is not None
