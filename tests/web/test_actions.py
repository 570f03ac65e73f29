"""Dashboard forms to supervisors' requests: every action, and clear errors for bad forms."""

from __future__ import annotations

import pytest

from protocol import messages as m
from tests.display.display_messages import T0
from web.actions import FormError, request_from_form

RID = "web-1:abcdef12"


def req(**form: str) -> m.SupervisorRequest:
    return request_from_form({"request_id": RID, **form}, "siti", "web-1", T0)


def test_each_action_becomes_its_request_with_the_supervisor() -> None:
    cases = [
        ({"action": "pause", "counter": "loket-1", "reason": "rapat"}, m.SupervisorPauseCounter),
        ({"action": "resume", "counter": "loket-1"}, m.SupervisorResumeCounter),
        ({"action": "close_queue", "queue": "skck"}, m.CloseQueue),
        ({"action": "reopen_queue", "queue": "skck"}, m.ReopenQueue),
        ({"action": "set_quota", "queue": "skck", "quota": "80"}, m.SetQuota),
        ({"action": "transfer", "label": " a012 ", "to_queue": "sim"}, m.TransferTicket),
        ({"action": "end_ticket", "label": "A012"}, m.EndTicket),
        ({"action": "running_text", "text": "Selamat datang"}, m.SetRunningText),
    ]
    for form, kind in cases:
        r = req(**form)
        assert type(r) is kind
        assert (r.supervisor, r.node_id, r.request_id) == ("siti", "web-1", RID)
    quota = req(action="set_quota", queue="skck", quota="")
    assert isinstance(quota, m.SetQuota) and quota.quota is None
    moved = req(action="transfer", label=" a012 ", to_queue="sim")
    assert isinstance(moved, m.TransferTicket) and moved.label == "A012"
    paused = req(action="pause", counter="loket-1", reason="")
    assert isinstance(paused, m.SupervisorPauseCounter) and paused.reason is None


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"action": "explode"}, "Unknown action"),
        ({"action": "pause", "counter": "loket-1", "request_id": ""}, "Reload the page"),
        ({"action": "pause", "counter": "loket-1", "request_id": "x y"}, "Reload the page"),
        ({"action": "pause", "counter": ""}, "Fill in 'counter'"),
        ({"action": "end_ticket"}, "Fill in 'ticket number'"),
        ({"action": "set_quota", "queue": "skck", "quota": "-1"}, "0 to 9999"),
        ({"action": "set_quota", "queue": "skck", "quota": "12000"}, "0 to 9999"),
        ({"action": "close_queue", "queue": "SKCK/#"}, "Invalid value: service"),
        ({"action": "running_text", "text": "x" * 301}, "Invalid value: running text"),
        ({"action": "end_ticket", "label": "A" * 13}, "Invalid value: ticket number"),
    ],
)
def test_bad_forms_say_what_to_fix(form: dict[str, str], says: str) -> None:
    with pytest.raises(FormError, match=says) as err:
        request_from_form({"request_id": RID, **form}, "siti", "web-1", T0)
    assert err.value.text_id  # Bahasa Indonesia first
