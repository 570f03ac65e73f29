"""The pure parts: press gate, outbox numbering, ticket layout, configs, preview CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antrian.cli import main as antrian_main
from antrian.config import ConfigError
from antrian.devbroker import REPO_ROOT
from edge.kiosk._escpos import render
from edge.kiosk.config import load_config
from edge.kiosk.escpos_decode import decode, decode_qr, decode_text
from edge.kiosk.gate import Press, PressGate
from edge.kiosk.layout import (
    COLUMNS,
    SCALE,
    Line,
    TicketView,
    fit,
    plain_text,
    slip_layout,
    ticket_layout,
)
from edge.kiosk.outbox import LeaseExhausted, Outbox, offline_ticket_id
from edge.kiosk.texts import Language, text
from protocol import messages as m
from protocol.refusals import TEXTS as REFUSALS

DAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 1, 5, tzinfo=UTC)  # 08:05 WIB


def test_gate_one_press_one_ticket() -> None:
    g = PressGate(repeat_guard_s=1.5, priority_window_s=10)
    assert g.pressed("a", 0.0) == Press("a", False)
    assert g.pressed("a", 0.01) is None  # while busy
    assert g.pressed("b", 0.02) is None
    g.done(0.5)
    assert g.pressed("a", 1.0) is None  # inside the guard
    assert g.pressed("a", 2.1) == Press("a", False)


def test_gate_judges_a_press_by_when_it_was_made_not_when_the_worker_took_it() -> None:
    # The worker was behind (load, a disk sync): it took A's press at 0.5 and handed the
    # ticket out at 0.6. B pressed at 0.3, while the kiosk still showed ready: B gets a
    # ticket (it was dropped as "before the last ticket was out").
    g = PressGate(repeat_guard_s=0.05, priority_window_s=10)
    assert g.pressed("a", 0.0, now=0.5) == Press("a", False)
    g.done(0.6)
    assert g.pressed("b", 0.3, now=0.6) == Press("b", False)
    g.done(0.7)
    # A repeat of the last press within the guard stays a repeat, queued or not.
    g = PressGate(repeat_guard_s=0.3, priority_window_s=10)
    assert g.pressed("a", 0.0, now=0.5) == Press("a", False)
    g.done(0.6)
    assert g.pressed("a", 0.2, now=0.6) is None
    # Pressed while busy was shown (taken at 0.5) or in the guard after: dropped, and the
    # ready LED was off meanwhile (settling).
    assert g.pressed("b", 0.55, now=0.6) is None
    assert g.settling(0.8) and g.pressed("b", 0.8) is None
    assert not g.settling(0.9) and g.pressed("b", 0.9) == Press("b", False)


def test_gate_priority_window() -> None:
    g = PressGate(repeat_guard_s=0, priority_window_s=10)
    assert g.pressed("priority", 0.0) is None
    assert g.priority_armed(5.0)
    assert g.pressed("a", 5.0) == Press("a", True)
    g.done(5.0)
    assert g.pressed("a", 6.0) == Press("a", False)  # one ticket only
    g.done(6.0)
    g.pressed("priority", 7.0)
    g.done(7.0)
    assert g.pressed("a", 17.5) == Press("a", False)  # window lapsed


@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "priority"]), st.floats(0, 0.05)), max_size=40)
)
def test_gate_burst_gives_at_most_one_ticket(edges: list[tuple[str, float]]) -> None:
    g = PressGate(repeat_guard_s=1.0, priority_window_s=10)
    t = 0.0
    got = []
    for key, dt in edges:
        t += dt
        p = g.pressed(key, t)
        if p is not None:
            got.append(p)
            g.done(t)
    assert len(got) <= 1 + int(t // 1.0)


def _view(ticket_id: str, label: str) -> TicketView:
    return TicketView(ticket_id=ticket_id, label=label, hall_name="H", agency="A",
                      queue_name="Q", issued_at=AT, offline=True)  # fmt: skip


def _lease(first: int, last: int, lid: str = "l1") -> m.LeaseInfo:
    return m.LeaseInfo(lease_id=lid, queue="dukcapil", business_day=DAY, first=first,
                       last=last, prefix="A")  # fmt: skip


def test_outbox_numbers_from_leases_then_exhausted(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3")
    box.add_lease(_lease(1, 2))
    box.add_lease(_lease(21, 21, "l2"))
    box.add_lease(_lease(1, 2))  # the same lease twice changes nothing
    numbers = [
        box.issue_offline("dukcapil", DAY, False, AT, "k1", None, _view).number for _ in range(3)
    ]
    assert numbers == [1, 2, 21]
    with pytest.raises(LeaseExhausted):
        box.issue_offline("dukcapil", DAY, False, AT, "k1", None, _view)
    assert box.remaining("dukcapil", DAY) == 0
    labels = [t.view.label for t in box.unreplayed()]
    assert labels == ["A001", "A002", "A021"]
    box.close()
    # Reopened (after a restart) the numbers continue and nothing is lost.
    box = Outbox(tmp_path / "o.sqlite3")
    assert len(box.unprinted()) == 3
    box.drop_old_leases(date(2026, 3, 3))
    assert box.remaining("dukcapil", DAY) == 0
    box.close()


def test_offline_ids_are_deterministic_and_fit_the_protocol() -> None:
    tid = offline_ticket_id("kiosk-with-a-rather-long-name-1", DAY, "AB", 9999)
    assert tid == offline_ticket_id("kiosk-with-a-rather-long-name-1", DAY, "AB", 9999)
    m.OfflineTicket(ticket_id=tid, queue="q", number=9999, business_day=DAY, lease_id="l",
                    issued_at=AT)  # fmt: skip
    m.ReplayTicket(request_id=f"replay.{tid}", node_id="k", sent_at=AT,
                   ticket=m.OfflineTicket(ticket_id=tid, queue="q", number=1, business_day=DAY,
                                          lease_id="l", issued_at=AT))  # fmt: skip


def test_layout_roundtrips_through_escpos_bytes() -> None:
    view = TicketView(
        ticket_id="t-1", label="C007", hall_name="MPP Kota Jambi", agency="Polresta",
        queue_name="Perpanjangan SIM", issued_at=AT.astimezone(ZoneInfo("Asia/Jakarta")),
        people_ahead=4, estimated_wait_min=30, priority=True,
    )  # fmt: skip
    layout = ticket_layout(view, "en", ["Thank you"], "https://x.example/t/{ticket_id}")
    data = render(layout)
    printed = [ln for ln in decode_text(data).splitlines() if set(ln) != {"-"}]  # rules
    assert printed == plain_text(layout).splitlines()
    assert decode_qr(data) == ["https://x.example/t/t-1"]
    lines = decode_text(data).splitlines()
    assert "Date: 2 March 2026" in lines and "Time: 08:05 WIB" in lines
    assert "People ahead of you: 4" in lines and "Estimated wait: 30 min" in lines
    ranged = view.model_copy(update={"estimated_wait_range": (25, 40)})
    lines = decode_text(render(ticket_layout(ranged, "id", []))).splitlines()
    assert "Perkiraan tunggu: 25-40 menit" in lines
    assert not any("30 menit" in ln for ln in lines)  # the range, not the single minute
    big = [e for e in decode(data) if isinstance(e, Line) and e.size == "huge"]
    assert [e.text for e in big] == ["C007"]


def test_every_printed_line_fits_the_paper_and_keeps_its_words() -> None:
    """58 mm paper holds 32 characters a line (16 double, 8 huge); the printer wraps by
    character, so a longer line came out as "dipanggi" / "l.". Long names and every slip."""
    view = TicketView(
        ticket_id="kiosk-lantai-2-20260302-AK123",
        label="AK123",
        hall_name="Mal Pelayanan Publik Kota Jambi Provinsi Jambi",
        agency="BPJS Ketenagakerjaan",
        queue_name="Pendaftaran dan Perubahan Data Peserta JKN",
        issued_at=AT.astimezone(ZoneInfo("Asia/Jakarta")),
        priority=True,
        offline=True,
        people_ahead=123,
        estimated_wait_min=145,
        estimated_wait_range=(120, 185),
    )
    footer = ["Tidak ada pungutan di luar biaya resmi sesuai ketentuan."]
    languages: tuple[Language, ...] = ("id", "en")
    for lang in languages:
        layouts = [ticket_layout(view, lang, footer, reprint=True)]
        codes = [*REFUSALS, "lease_exhausted", "refused_other"]
        layouts += [
            slip_layout(view.hall_name, view.queue_name, text(c, lang), lang) for c in codes
        ]
        for layout in layouts:
            lines = [e for e in layout if isinstance(e, Line)]
            for e in lines:
                assert len(e.text) <= COLUMNS // SCALE[e.size], e
            # What the printer gets back from the bytes: the same lines, no word cut.
            printed = decode_text(render(layout)).splitlines()
            assert [ln for ln in printed if set(ln) != {"-"}] == [e.text for e in lines]
        words = " ".join(plain_text(layouts[0]).split())
        assert "BPJS Ketenagakerjaan" in words
        assert "Pendaftaran dan Perubahan Data Peserta JKN" in words
        assert "Tidak ada pungutan di luar biaya resmi sesuai ketentuan." in words


def test_fit_sends_no_control_characters_to_the_printer() -> None:
    """A footer from config may hold a tab, a CR (printer commands) or a trailing space
    (which shifts centred text): short lines are normalised like long ones."""
    lines = fit([Line("a\rb"), Line("Terima kasih "), Line("\tBuka 08:00")])
    texts = [e.text for e in lines if isinstance(e, Line)]
    assert texts == ["a b", "Terima kasih", "        Buka 08:00"]
    assert all(t.isprintable() for t in texts)


def test_decoder_rejects_unknown_commands() -> None:
    with pytest.raises(ValueError, match="unknown"):
        decode(b"\x1b\x99\x00abc")


def test_every_shipped_kiosk_config_loads() -> None:
    paths = sorted((REPO_ROOT / "firmware_configs").glob("*/kiosk-*.yaml"))
    assert paths
    for path in paths:
        cfg = load_config(path)
        assert cfg.state_dir.is_absolute()


def test_bad_config_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(
        "node_id: k\nsite: demo\nstate_dir: s\nbuttons: [{queue: a, pin: 5, key: a}]\n"
        "leds: {ready: 5, busy: 6, offline: 7, fault: 8}\nprinter: {kind: usb}\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and "usb_vendor_id" in str(err.value)
    path.write_text(path.read_text().replace("{kind: usb}", "{kind: simulated}"))
    with pytest.raises(ConfigError, match=r"pin\(s\) used twice: 5"):
        load_config(path)


def test_preview_cli_writes_png(tmp_path: Path) -> None:
    out = tmp_path / "t.png"
    config = REPO_ROOT / "firmware_configs" / "demo" / "kiosk-1.yaml"
    assert antrian_main(["kiosk", "preview", "--config", str(config), "--out", str(out)]) == 0
    from PIL import Image

    with Image.open(out) as img:
        assert img.width == 384 and img.height > 400
