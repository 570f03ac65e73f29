"""The display node against a real broker and central: what it shows and what it says."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pygame
import pytest

from antrian.loopwatch import LoopWatch
from antrian.runtime import LOOP_STALL_S
from edge.display.audio import PygameSpeaker, SilentSpeaker
from edge.display.clips import default_words, tone, write_wav
from edge.display.hall_layout import hall_layout
from edge.display.node import VOICE_FAULT, DisplayNode, Frame
from edge.screen.theme import NUMBER, OFFLINE
from protocol import messages as m
from tests.display.conftest import RATE, TONES, Hall, pump, write_tone_clips
from tests.glyphs import box_of, glyph_match
from tests.tones import tone_track, tone_windows


def _mask(surface: pygame.Surface, color: tuple[int, int, int]) -> pygame.mask.Mask:
    return pygame.mask.from_threshold(surface, (*color, 255), (1, 1, 1, 255))


def _start(nodes: list[DisplayNode], node: DisplayNode) -> DisplayNode:
    node.start()
    nodes.append(node)
    return node


def test_call_is_shown_where_the_layout_puts_it(hall: Hall, nodes: list[DisplayNode]) -> None:
    node = _start(nodes, DisplayNode(hall.display_config(blink_s=0, voice={"enabled": False})))
    assert pump(node, lambda: node.state.synced and node.central_online)
    screen = node.screen
    assert screen is not None
    lay = hall_layout(screen.get_size())
    assert box_of(_mask(screen.subsurface(lay.latest_number), NUMBER)).height < 720 / 10  # "-"

    frames: list[Frame] = []
    node.frame_listeners.append(frames.append)
    for _ in range(3):
        hall.request(m.IssueTicket, queue="dukcapil")
    reply = hall.request(m.CallNext, counter="loket-2")
    assert reply.ok and reply.counter and reply.counter.ticket
    label = reply.counter.ticket.label
    assert label == "A001"
    assert pump(node, lambda: any(f.latest_call is not None for f in frames))

    region = screen.subsurface(lay.latest_number)
    box = box_of(_mask(region, NUMBER))
    assert box.height >= 720 / 5  # readable from 15 m
    assert glyph_match(region, "A001", NUMBER) > 0.9
    assert glyph_match(region, "A001", NUMBER) > glyph_match(region, "A007", NUMBER) + 0.05
    assert node.state.queues["dukcapil"].waiting == 2


@pytest.mark.slow
def test_call_is_heard_chime_then_words_in_order(
    hall: Hall, nodes: list[DisplayNode], tmp_path: Path, disk_audio: Path
) -> None:
    capture = disk_audio
    clips = write_tone_clips(tmp_path / "voice")
    cfg = hall.display_config(voice={"clips": str(clips), "frequency": RATE, "buffer": 512})
    node = _start(nodes, DisplayNode(cfg))
    assert isinstance(node.speaker, PygameSpeaker)
    assert pump(node, lambda: node.state.synced)
    hall.request(m.IssueTicket, queue="dukcapil")
    assert hall.request(m.CallNext, counter="loket-1").ok
    assert pump(node, lambda: node.announcer is not None and node.announcer.spoken == 1)
    speaker = node.speaker
    assert pump(node, lambda: not speaker.busy(), timeout=5)
    time.sleep(0.3)  # the disk driver writes in real time
    node.stop()
    nodes.remove(node)

    names = {freq: name for name, (_v, freq, _ms) in TONES.items()}
    track = tone_windows(capture, RATE, names)
    heard = tone_track(capture, RATE, names)
    assert [n for n, _ in heard] == [
        "chime", "nomor_antrian", "a", "satu", "silakan_menuju", "loket", "satu"
    ]  # fmt: skip
    for name, ms in heard:
        assert abs(ms - TONES[name][2]) <= 40, (name, ms)
    sound = [i for i, n in enumerate(track) if n is not None]
    span_ms = (sound[-1] - sound[0] + 1) * 20
    voice = cfg.voice
    # Chime, the pause after it, six words, a gap between words and the comma's pause
    # ("... a satu, silakan menuju loket satu").
    expected = 200 + 250 + 6 * 120 + 4 * voice.gap_ms + voice.comma_ms
    assert abs(span_ms - expected) <= 60, span_ms


def test_no_audio_device_means_silent_mode(
    hall: Hall, nodes: list[DisplayNode], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    clips = write_tone_clips(tmp_path / "voice")
    node = _start(nodes, DisplayNode(hall.display_config(voice={"clips": str(clips)})))
    assert isinstance(node.speaker, SilentSpeaker)
    assert node.link is not None and "no_audio" in node.link.faults
    assert pump(node, lambda: node.state.synced)
    hall.request(m.IssueTicket, queue="dukcapil")
    assert hall.request(m.CallNext, counter="loket-1").ok
    assert pump(
        node, lambda: node.speaker is not None and cast(SilentSpeaker, node.speaker).played > 0
    )
    assert node.state.counters["loket-1"].ticket is not None


def test_malformed_messages_are_counted_and_ignored(hall: Hall, nodes: list[DisplayNode]) -> None:
    node = _start(nodes, DisplayNode(hall.display_config(voice={"enabled": False})))
    assert pump(node, lambda: node.state.synced)
    seq = node.state.seq
    topics = hall.link.topics
    hall.link.publish(topics.events, b"not json")
    hall.link.publish(topics.events, b'{"v": 1, "type": "event", "seq": "x"}')
    hall.link.publish(topics.hall, b'{"v": 2}')
    assert pump(node, lambda: node.malformed == 3)
    assert node.state.seq == seq
    hall.request(m.IssueTicket, queue="dukcapil")
    assert pump(node, lambda: node.state.seq == (seq or 0) + 1)


def test_gap_resyncs_from_the_retained_snapshot(hall: Hall, nodes: list[DisplayNode]) -> None:
    node = _start(nodes, DisplayNode(hall.display_config(voice={"enabled": False})))
    assert pump(node, lambda: node.state.synced)
    topics = node.topics
    link = node.link
    assert link is not None
    # Lose every event and snapshot for a while, as over a flaky link; after that, live
    # snapshots stay lost too until the node asks the broker for the retained one.
    lost = {"on": True}
    resubscribed: list[str] = []
    handle = node._handle
    subscribe = link.subscribe

    def lossy(topic: str, payload: bytes) -> None:
        if topic == topics.events and lost["on"]:
            return
        if topic == topics.hall and (lost["on"] or not resubscribed):
            return
        handle(topic, payload)

    def spy(topic_filter: str, handler: Callable[[str, bytes], None], qos: int = 1) -> None:
        resubscribed.append(topic_filter)
        subscribe(topic_filter, handler, qos)

    node._handle = lossy  # type: ignore[method-assign]
    link.subscribe = spy  # type: ignore[method-assign,assignment]
    hall.request(m.IssueTicket, queue="dukcapil")
    hall.request(m.IssueTicket, queue="dukcapil")
    hall.request(m.CallNext, counter="loket-1")
    pump(node, lambda: False, timeout=0.3)
    lost["on"] = False
    hall.request(m.CallNext, counter="loket-2")  # the next event shows the gap
    assert pump(node, lambda: node.state.synced and node.state.gaps == 1 and bool(resubscribed))
    assert resubscribed == [topics.hall]
    labels = {cid: c.ticket.label if c.ticket else None for cid, c in node.state.counters.items()}
    assert labels["loket-1"] == "A001" and labels["loket-2"] == "A002"
    assert node.state.queues["dukcapil"].waiting == 0


def test_central_away_is_marked_and_the_last_state_stays(
    hall: Hall, nodes: list[DisplayNode]
) -> None:
    node = _start(nodes, DisplayNode(hall.display_config(voice={"enabled": False})))
    assert pump(node, lambda: node.state.synced and node.central_online)
    hall.request(m.IssueTicket, queue="dukcapil")
    hall.request(m.CallNext, counter="loket-1")
    assert pump(node, lambda: bool(node.state.recent_calls))
    screen = node.screen
    assert screen is not None
    lay = hall_layout(screen.get_size())
    assert box_of(_mask(screen.subsurface(lay.indicator), OFFLINE)).width == 0
    hall.central.stop()
    assert pump(node, lambda: not node.central_online)
    node.step(0.01)
    assert box_of(_mask(screen.subsurface(lay.indicator), OFFLINE)).width > 0
    assert box_of(_mask(screen.subsurface(lay.latest_number), NUMBER)).height >= 720 / 5


def test_healthy_only_while_the_screen_loop_comes_round(
    hall: Hall, nodes: list[DisplayNode]
) -> None:
    """What systemd's watchdog pings on (antrian display runs a Heartbeat on it). Time is
    the watch's clock, moved by hand: a step that happens to be slow (the first snapshot
    takes ~100 ms) must not decide the outcome."""
    node = DisplayNode(hall.display_config(voice={"enabled": False}))
    node.start()
    nodes.append(node)
    clock = [0.0]
    node.loop_watch = LoopWatch(LOOP_STALL_S, clock=lambda: clock[0])
    node.step(0.01)
    clock[0] += LOOP_STALL_S - 0.001
    assert node.healthy()
    clock[0] += 0.001  # the loop did not come round: a driver hangs
    assert not node.healthy()
    node.step(0.01)
    assert node.healthy()
    node.stopped.set()
    assert not node.healthy()


def test_a_supervisors_running_text_replaces_the_boards_own_and_clearing_restores_it(
    hall: Hall, nodes: list[DisplayNode]
) -> None:
    cfg = hall.display_config(running_text="Selamat datang", voice={"enabled": False})
    node = _start(nodes, DisplayNode(cfg))
    assert pump(node, lambda: node.state.synced)
    assert node.board is not None and node.board.running_text == "Selamat datang"
    text = "Layanan Samsat hari ini sampai pukul 12.00"
    assert hall.request(m.SetRunningText, text=text, supervisor="siti").ok
    assert pump(node, lambda: node.board is not None and node.board.running_text == text)
    assert hall.request(m.SetRunningText, text="", supervisor="siti").ok
    assert pump(
        node, lambda: node.board is not None and node.board.running_text == "Selamat datang"
    )


def test_a_missing_clip_is_a_fault_in_the_boards_status(
    hall: Hall, nodes: list[DisplayNode], tmp_path: Path, disk_audio: Path
) -> None:
    clips = write_tone_clips(tmp_path / "voice")
    # The tone set has a few words only; "drive" is in no set at all.
    voice = {"clips": str(clips), "build_if_missing": False,
             "counter_words": {"loket-1": "Loket Drive 1"}}  # fmt: skip
    node = _start(nodes, DisplayNode(hall.display_config(voice=voice)))
    assert node.link is not None and VOICE_FAULT in node.link.faults
    assert "id/drive" in node.missing_clips and "id/dua" in node.missing_clips
    assert "id/loket" not in node.missing_clips
    assert pump(node, lambda: node.state.synced)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_a_boards_missing_counter_words_are_built_and_the_fault_clears(
    hall: Hall, nodes: list[DisplayNode], tmp_path: Path, disk_audio: Path
) -> None:
    clips = write_tone_clips(tmp_path / "voice")
    for word in default_words("id"):  # the whole default set: only "drive" lacks
        if not (clips / "id" / f"{word}.wav").exists():
            write_wav(clips / "id" / f"{word}.wav", tone(400.0, 60, RATE, 0.5), RATE)
    voice = {"clips": str(clips), "counter_words": {"loket-1": "Loket Drive 1"},
             "build_if_missing": True}  # fmt: skip
    node = _start(nodes, DisplayNode(hall.display_config(voice=voice)))
    assert node.missing_clips == ["id/drive"]
    assert pump(node, lambda: node.missing_clips == [], timeout=30)
    assert (clips / "id" / "drive.wav").is_file()
    assert node.link is not None and VOICE_FAULT not in node.link.faults
