"""Round trips and strict decoding of every message kind."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import ProtocolError, Topics, decode, decode_request, encode
from protocol import messages as m

AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_request_round_trip_and_discrimination() -> None:
    req = m.Transfer(
        request_id="abcdefgh-1", node_id="caller-1", sent_at=AT, counter="loket-1", to_queue="bpjs"
    )
    back = decode_request(encode(req))
    assert isinstance(back, m.Transfer) and back == req


def test_snapshot_round_trip() -> None:
    snap = m.HallSnapshot(
        seq=3,
        at=AT,
        business_day=date(2026, 11, 23),
        hall_name="MPP",
        open=True,
        counters=[],
        queues=[],
    )
    assert decode(m.HallSnapshot, encode(snap)) == snap


@pytest.mark.parametrize(
    ("payload", "code", "fragment"),
    [
        (b"\xff\xfe", "invalid_request", "not JSON"),
        (b'"text"', "invalid_request", "JSON object"),
        (b'{"v": 9, "type": "call_next"}', "unsupported_version", "version 9"),
        (b'{"type": "call_next", "request_id": "abcdefgh-1"}', "invalid_request", "counter"),
        (
            b'{"type": "issue_ticket", "request_id": "abcdefgh-1", "node_id": "k",'
            b' "sent_at": "2026-01-01T00:00:00", "queue": "a"}',
            "invalid_request",
            "timezone",
        ),
    ],
)
def test_bad_payloads_say_what_is_wrong(payload: bytes, code: str, fragment: str) -> None:
    with pytest.raises(ProtocolError) as err:
        decode_request(payload)
    assert err.value.code == code
    assert fragment in err.value.detail


@given(st.binary(max_size=200))
def test_junk_never_escapes_as_another_exception(payload: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_request(payload)


def test_topics_reject_wildcards_in_site() -> None:
    with pytest.raises(ValueError, match="invalid site"):
        Topics("a/+")
    assert Topics("demo").request("kiosk-1") == "antrian/v1/demo/request/kiosk-1"
