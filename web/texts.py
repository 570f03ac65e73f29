"""What the web pages say, in Bahasa Indonesia first and English."""

from __future__ import annotations

from typing import Literal

Lang = Literal["id", "en"]

TEXTS: dict[str, tuple[str, str]] = {
    "hall_title": ("Antrian di aula", "Queues in the hall"),
    "latest_calls": ("Panggilan terakhir", "Latest calls"),
    "no_calls": ("Belum ada panggilan.", "No calls yet."),
    "to_counter": ("ke", "to"),
    "service": ("Layanan", "Service"),
    "waiting": ("Menunggu", "Waiting"),
    "estimate": ("Perkiraan tunggu", "Estimated wait"),
    "minutes": ("± {n} menit", "about {n} min"),
    "soon": ("segera dilayani", "served soon"),
    "closed": ("tutup", "closed"),
    "unknown": ("-", "-"),
    "no_hall": (
        "Data aula belum diterima dari server pusat.",
        "No hall data from the central server yet.",
    ),
    "away_broker": (
        "Koneksi ke server antrian terputus. Data yang tampil mungkin tidak terbaru.",
        "Lost the connection to the queue server. What you see may be out of date.",
    ),
    "away_central": (
        "Server pusat antrian sedang tidak tersedia. Data yang tampil mungkin tidak terbaru.",
        "The central queue server is away. What you see may be out of date.",
    ),
    "switch": ("English", "Bahasa Indonesia"),
    "not_found_title": ("Halaman tidak ditemukan", "Page not found"),
    "not_found": (
        "Tiket tidak ditemukan atau sudah kedaluwarsa. Periksa tautan pada tiket Anda, "
        "atau tanyakan kepada petugas.",
        "Ticket not found or expired. Check the link on your ticket, or ask an officer.",
    ),
    "too_many_title": ("Terlalu banyak permintaan", "Too many requests"),
    "too_many": (
        "Terlalu banyak permintaan dari perangkat Anda. Tunggu satu menit lalu coba lagi.",
        "Too many requests from your device. Wait a minute and try again.",
    ),
    "unavailable_title": ("Sedang tidak tersedia", "Unavailable"),
    "unavailable": (
        "Server pusat antrian sedang tidak tersedia. Halaman ini akan dimuat ulang otomatis.",
        "The central queue server is away. This page reloads by itself.",
    ),
    "back_to_hall": ("Lihat antrian di aula", "See the hall's queues"),
    "updated": ("Diperbarui", "Updated"),
}


def t(key: str, lang: Lang, **kw: object) -> str:
    text = TEXTS[key][0 if lang == "id" else 1]
    return text.format(**kw) if kw else text


def lang_of(value: str | None) -> Lang:
    return "en" if value == "en" else "id"
