"""Which calls are spoken, in what order, and with which words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edge.display.announcer import Announcer, Clip, Pause, Speech, phrase_words, script_for
from tests.display.display_messages import T0, event


def _words(script: tuple[object, ...], voice: str = "id") -> str:
    return " ".join(p.name for p in script if isinstance(p, Clip) and p.voice == voice)


def _announcer(**speech: object) -> Announcer:
    return Announcer(Speech(**speech), has_clip=lambda voice, name: False)  # type: ignore[arg-type]


def test_call_is_worded_as_indonesian_queue_machines_do() -> None:
    script = script_for(event(5, "ticket_called", "A012", "loket-3"), Speech(), lambda v, n: False)
    assert script[0] == Clip("", "chime")
    assert isinstance(script[1], Pause)
    assert _words(script) == "nomor_antrian a dua belas silakan_menuju loket tiga"


def test_english_follows_indonesian_when_enabled() -> None:
    script = script_for(event(5, "ticket_called", "B105", "loket-2"), Speech(english=True),
                        lambda v, n: False)  # fmt: skip
    assert _words(script, "id") == "nomor_antrian b seratus lima silakan_menuju loket dua"
    assert _words(script, "en") == "number b one hundred five please_go_to loket two"
    last_id = max(i for i, p in enumerate(script) if isinstance(p, Clip) and p.voice == "id")
    first_en = min(i for i, p in enumerate(script) if isinstance(p, Clip) and p.voice == "en")
    assert last_id < first_en


def test_counter_words_and_whole_name_clips() -> None:
    ev = event(5, "ticket_called", "A1", "loket-7")
    named = script_for(
        ev, Speech(counter_words={"loket-7": "Loket Dukcapil 2"}), lambda v, n: False
    )
    assert _words(named).endswith("silakan_menuju loket dukcapil dua")
    recorded = script_for(ev, Speech(), lambda v, n: n == "counter-loket-7")
    assert _words(recorded).endswith("silakan_menuju counter-loket-7")


def test_gap_between_words_and_a_pause_at_the_comma() -> None:
    script = script_for(event(5, "ticket_called", "A1", "loket-1"), Speech(gap_ms=80),
                        lambda v, n: False)  # fmt: skip
    between = [
        (a, b, c)
        for a, b, c in zip(script[2:], script[3:], script[4:], strict=False)
        if isinstance(a, Clip) and isinstance(c, Clip)
    ]
    # "nomor antrian a satu, silakan menuju loket satu": a gap between any two words, the
    # comma's longer pause before "silakan menuju", none run together.
    assert [(a.name, b, c.name) for a, b, c in between] == [
        ("nomor_antrian", Pause(80), "a"),
        ("a", Pause(80), "satu"),
        ("satu", Pause(350), "silakan_menuju"),
        ("silakan_menuju", Pause(80), "loket"),
        ("loket", Pause(80), "satu"),
    ]
    assert Speech().gap_ms > 0 and Speech().comma_ms > Speech().gap_ms  # by default too


@pytest.mark.parametrize(
    ("name", "spoken"),
    [
        ("Loket 15A", "loket lima belas a"),
        ("Loket 38B", "loket tiga puluh delapan b"),
        ("Drive Thru 1", "drive thru satu"),
        ("Tim Teknis", "tim teknis"),
        ("Loket 2-B", "loket dua b"),
    ],
)
def test_counter_names_with_letters_are_spelled(name: str, spoken: str) -> None:
    assert " ".join(phrase_words(name, "id")) == spoken


def test_a_call_heard_before_a_restart_is_not_spoken_again() -> None:
    kept: list[int] = []
    before = Announcer(Speech(), lambda v, n: True, on_heard=kept.append)
    now = T0 + timedelta(seconds=10)
    assert before.offer(event(7, "ticket_called", "A007", "loket-1"), now) == "queued"
    assert kept == [7]
    after = Announcer(Speech(), lambda v, n: True, heard_upto=kept[-1])
    assert after.offer(event(7, "ticket_called", "A007", "loket-1"), now) == "duplicate"
    assert after.offer(event(8, "ticket_called", "A008", "loket-2"), now) == "queued"


def test_burst_of_ten_calls_plays_in_order_one_at_a_time() -> None:
    a = _announcer()
    now = T0 + timedelta(seconds=20)
    for i in range(10):
        assert (
            a.offer(event(i + 1, "ticket_called", f"A{i + 1:03d}", f"loket-{i % 6 + 1}"), now)
            == "queued"
        )
    labels = []
    while (ann := a.next()) is not None:
        labels.append(ann.label)
    assert labels == [f"A{i:03d}" for i in range(1, 11)]
    assert a.spoken == 10


def test_recall_is_spoken_again_and_duplicates_once() -> None:
    a = _announcer()
    now = T0 + timedelta(seconds=20)
    call = event(3, "ticket_called", "A003", "loket-1")
    assert a.offer(call, now) == "queued"
    assert a.offer(call, now) == "duplicate"
    assert a.offer(event(4, "ticket_recalled", "A003", "loket-1"), now) == "queued"
    kinds = [a.next(), a.next(), a.next()]
    assert [k.kind if k else None for k in kinds] == ["ticket_called", "ticket_recalled", None]
    assert a.duplicates == 1


def test_stale_calls_are_not_spoken_but_fresh_ones_after_them_are() -> None:
    a = _announcer(max_age_s=60)
    old = event(1, "ticket_called", "A001", "loket-1", at=T0)
    fresh = event(2, "ticket_called", "A002", "loket-1", at=T0 + timedelta(seconds=100))
    now = T0 + timedelta(seconds=120)
    assert a.offer(old, now) == "stale"
    assert a.offer(fresh, now) == "queued"
    ann = a.next()
    assert ann is not None and ann.label == "A002"
    assert a.next() is None and a.stale == 1
    # A stale call delivered again stays unspoken.
    assert a.offer(old, now) == "duplicate"


def test_other_events_are_not_announced() -> None:
    a = _announcer()
    for kind in ("ticket_issued", "ticket_served", "service_started", "ticket_no_show"):
        assert a.offer(event(9, kind, "A009", "loket-1"), T0) == "ignored"
    assert a.next() is None
