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
    "ticket_title": ("Tiket {label}", "Ticket {label}"),
    "your_number": ("Nomor antrian Anda", "Your number"),
    "priority": ("Prioritas", "Priority"),
    "st_waiting": ("Menunggu", "Waiting"),
    "st_called": ("Dipanggil ke {counter}", "Called to {counter}"),
    "st_serving": ("Sedang dilayani di {counter}", "Being served at {counter}"),
    "st_served": ("Selesai", "Finished"),
    "st_no_show": ("Tidak hadir", "Did not come"),
    "st_expired": ("Kedaluwarsa", "Expired"),
    "go_now": ("Silakan menuju {counter} sekarang.", "Please go to {counter} now."),
    "ahead": ("Orang di depan Anda", "People ahead of you"),
    "est_wait": ("Perkiraan waktu tunggu", "Estimated wait"),
    "no_show_note": (
        "Nomor Anda sudah dipanggil tetapi Anda tidak datang. Ambil nomor baru di mesin antrian.",
        "Your number was called but you did not come. Take a new number at the kiosk.",
    ),
    "expired_note": (
        "Hari layanan sudah berakhir. Ambil nomor baru pada hari layanan berikutnya.",
        "The service day has ended. Take a new number on the next service day.",
    ),
    "live_note": (
        "Halaman ini diperbarui otomatis; ponsel bergetar dan berbunyi saat nomor Anda "
        "dipanggil (bila diizinkan).",
        "This page updates by itself; your phone vibrates and beeps when you are called "
        "(where it allows it).",
    ),
    "survey_title": ("Survei Kepuasan Masyarakat (SKM)", "Public Satisfaction Survey (SKM)"),
    "survey_intro": (
        "Bagaimana pelayanan yang Anda terima? Pilih satu jawaban untuk setiap pertanyaan.",
        "How was the service you received? Choose one answer for each question.",
    ),
    "survey_send": ("Kirim survei", "Send the survey"),
    "survey_thanks": (
        "Terima kasih, jawaban survei Anda sudah kami terima.",
        "Thank you, we have received your survey answers.",
    ),
    "survey_incomplete": (
        "Jawab kesembilan pertanyaan (pilih 1 sampai 4 untuk masing-masing), lalu kirim lagi.",
        "Answer all nine questions (choose 1 to 4 for each), then send again.",
    ),
    "survey_central_away": (
        "Survei belum terkirim karena server pusat sedang tidak tersedia. Coba lagi sebentar.",
        "The survey was not sent: the central server is away. Please try again shortly.",
    ),
}

# The nine elements U1-U9 of the SKM (PermenPANRB 14/2017), asked as questions.
SURVEY_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("Kesesuaian persyaratan pelayanan", "Service requirements (fit)"),
    ("Kemudahan prosedur pelayanan", "Ease of the procedure"),
    ("Kecepatan waktu pelayanan", "Speed of service"),
    ("Kewajaran biaya/tarif pelayanan", "Fairness of the cost or fee"),
    ("Kesesuaian produk layanan dengan standar", "Service product as promised"),
    ("Kompetensi/kemampuan petugas", "Officers' competence"),
    ("Perilaku petugas (sopan dan ramah)", "Officers' conduct (polite, friendly)"),
    ("Penanganan pengaduan, saran dan masukan", "Handling of complaints and suggestions"),
    ("Kualitas sarana dan prasarana", "Quality of facilities"),
)
SURVEY_SCALE: tuple[tuple[str, str], ...] = (
    ("Tidak baik", "Poor"),
    ("Kurang baik", "Fair"),
    ("Baik", "Good"),
    ("Sangat baik", "Very good"),
)


def pick(table: dict[str, tuple[str, str]], key: str, lang: Lang, **kw: object) -> str:
    """`key`'s text in `lang` from a table of (Bahasa Indonesia, English), filled in."""
    text = table[key][0 if lang == "id" else 1]
    return text.format(**kw) if kw else text


def t(key: str, lang: Lang, **kw: object) -> str:
    return pick(TEXTS, key, lang, **kw)


def lang_of(value: str | None) -> Lang:
    return "en" if value == "en" else "id"
