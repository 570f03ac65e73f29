"""Colours and the few words the boards show, in Bahasa Indonesia and English."""

from __future__ import annotations

from typing import Literal

Language = Literal["id", "en"]
Color = tuple[int, int, int]

BACKGROUND: Color = (8, 28, 64)
PANEL: Color = (14, 44, 94)
TEXT: Color = (245, 247, 250)
MUTED: Color = (150, 170, 200)
NUMBER: Color = (255, 204, 0)
FLASH_BG: Color = (255, 204, 0)
FLASH_FG: Color = (8, 28, 64)
OFFLINE: Color = (230, 90, 80)

WORDS: dict[str, dict[Language, str]] = {
    "calling": {"id": "DIPANGGIL", "en": "CALLING"},
    "serving": {"id": "DILAYANI", "en": "SERVING"},
    "idle": {"id": "SIAP MELAYANI", "en": "READY"},
    "paused": {"id": "ISTIRAHAT", "en": "ON BREAK"},
    "closed": {"id": "TUTUP", "en": "CLOSED"},
    # The same words on every board and the callers' screens: the network (the broker)
    # is gone, or only central is.
    "offline": {"id": "jaringan terputus", "en": "network down"},
    "central_away": {"id": "server pusat tidak terhubung", "en": "central server unreachable"},
    # A board that has heard nothing from central yet (first start, empty state folder).
    "waiting_for_central": {"id": "Menunggu data antrian", "en": "Waiting for queue data"},
    "hall": {"id": "Mal Pelayanan Publik", "en": "Public Service Mall"},
    "latest": {"id": "NOMOR ANTRIAN", "en": "NOW CALLING"},
    "to_counter": {"id": "silakan menuju", "en": "please go to"},
    "counter": {"id": "LOKET", "en": "COUNTER"},
    "number": {"id": "NOMOR", "en": "NUMBER"},
    "waiting": {"id": "MENUNGGU", "en": "WAITING"},
    "minutes": {"id": "menit", "en": "min"},
    "soon": {"id": "segera dilayani", "en": "served soon"},
    "no_call": {"id": "-", "en": "-"},
}

DAYS: dict[Language, tuple[str, ...]] = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS: dict[Language, tuple[str, ...]] = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def word(key: str, language: Language) -> str:
    return WORDS[key][language]
