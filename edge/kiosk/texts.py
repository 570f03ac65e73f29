"""What a kiosk prints for citizens: Bahasa Indonesia by default, English by config."""

from __future__ import annotations

from typing import Literal

from protocol.refusals import TEXTS as REFUSAL_TEXTS

Language = Literal["id", "en"]

# Printed on 58/80 mm paper in the printer's ASCII code page: keep to plain ASCII.
_TEXTS: dict[str, tuple[str, str]] = {
    "ticket_number": ("NOMOR ANTRIAN", "TICKET NUMBER"),
    "priority": ("PRIORITAS", "PRIORITY"),
    "people_ahead": ("Antrian sebelum Anda: {n}", "People ahead of you: {n}"),
    "estimated_wait": ("Perkiraan waktu tunggu: {n} menit", "Estimated wait: {n} min"),
    "estimated_wait_range": ("Perkiraan tunggu: {lo}-{hi} menit", "Estimated wait: {lo}-{hi} min"),
    # "Luring" alone is a word few citizens know.
    "offline": (
        "Dicetak saat luring (offline)",
        "Printed while offline",
    ),
    "reprint": ("CETAK ULANG", "REPRINT"),
    "date": ("Tanggal", "Date"),
    "time": ("Jam", "Time"),
    # Until the service is done: a ticket may be transferred after its call.
    "keep": (
        "Simpan tiket ini sampai\nlayanan Anda selesai.",
        "Keep this ticket until\nyour service is complete.",
    ),
    "lease_exhausted": (
        "Sistem offline, nomor habis. Silakan hubungi petugas.",
        "Offline, no numbers left. Please ask an officer.",
    ),
    "refused": ("MAAF", "SORRY"),
    # Refusal codes (quota_reached, ...) come from protocol.refusals, the contract's texts;
    # central's own text wins when its reply carries one.
    "refused_other": (
        "Nomor tidak dapat diterbitkan. Silakan hubungi petugas.",
        "No ticket could be issued. Please ask an officer.",
    ),
}

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def text(key: str, language: Language, **values: object) -> str:
    pair = _TEXTS.get(key) or REFUSAL_TEXTS[key]
    return (pair[0] if language == "id" else pair[1]).format(**values)


def has(key: str) -> bool:
    return key in _TEXTS or key in REFUSAL_TEXTS


def long_date(year: int, month: int, day: int, language: Language) -> str:
    months = MONTHS_ID if language == "id" else MONTHS_EN
    return f"{day} {months[month - 1]} {year}"


def to_ascii(s: str) -> str:
    """Thermal printers print their code page; replace what ASCII lacks instead of failing."""
    table = {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
    out = "".join(table.get(c, c) for c in s)
    return out.encode("ascii", "replace").decode("ascii")
