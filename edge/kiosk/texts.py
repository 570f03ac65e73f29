"""What a kiosk prints for citizens: Bahasa Indonesia by default, English by config."""

from __future__ import annotations

import unicodedata
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


# What a code page may lack, as it would be written by hand; the rest loses its accents.
TRANSLITERATE = {
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u00b1": "+/-", "\u2026": "...", "\u00d7": "x", "\u2022": "*", "\u00b7": "-",
    "\u20ac": "EUR", "\u00a0": " ", "\u2192": "->", "\u00ae": "(R)", "\u00a9": "(C)",
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe", "\u00f8": "o",
    "\u00d8": "O", "\u0142": "l", "\u0141": "L", "\u0152": "OE",
}  # fmt: skip


def for_code_page(s: str, codec: str) -> str:
    """`s` in characters the printer's code page has: each one it lacks transliterated
    ("Café ±5 menit — “pojok baca”" on CP437 keeps é and ±; on a page without them
    "Cafe +/-5 menit - \"pojok baca\""), and what has no spelling at all left out: never
    the '?' a plain encode puts in."""
    out = []
    for c in s:
        if c == "\n" or _encodes(c, codec):
            out.append(c)
            continue
        sub = TRANSLITERATE.get(c)
        if sub is None:
            sub = "".join(
                d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d)
            )
        out.append("".join(d for d in sub if _encodes(d, codec)))
    return "".join(out)


def _encodes(c: str, codec: str) -> bool:
    try:
        c.encode(codec)
    except UnicodeEncodeError:
        return False
    return c.isprintable() or c == " "


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
