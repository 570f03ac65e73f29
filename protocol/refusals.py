"""Every refusal code with its text for citizens and officers: Bahasa Indonesia first,
English beside it. Part of the contract: a node prints these when central is away."""

from __future__ import annotations

from protocol import messages as m

# Short enough for a thermal slip or a counter display line.
TEXTS: dict[str, tuple[str, str]] = {
    "invalid_request": (
        "Permintaan tidak valid. Hubungi petugas teknis.",
        "Invalid request. Contact the technician.",
    ),
    "unsupported_version": (
        "Versi perangkat tidak cocok. Hubungi petugas teknis.",
        "Device version mismatch. Contact the technician.",
    ),
    "stale_request": (
        "Permintaan kedaluwarsa. Silakan tekan lagi.",
        "Request expired. Please press again.",
    ),
    "unknown_queue": ("Layanan tidak dikenal.", "Unknown service queue."),
    "unknown_counter": ("Loket tidak dikenal.", "Unknown counter."),
    "unknown_ticket": ("Nomor antrian tidak dikenal.", "Unknown ticket."),
    "quota_reached": ("Kuota hari ini habis.", "Today's quota is used up."),
    "queue_closed": (
        "Pengambilan nomor untuk layanan ini sudah ditutup.",
        "Tickets for this service are closed for today.",
    ),
    "hall_closed": ("Mal Pelayanan Publik sedang tutup.", "The service hall is closed."),
    "priority_not_allowed": (
        "Layanan ini tidak memiliki antrian prioritas.",
        "This service has no priority queue.",
    ),
    "queue_empty": ("Tidak ada antrian menunggu.", "Nobody is waiting."),
    "counter_paused": (
        "Loket sedang istirahat. Tekan LANJUT untuk membuka.",
        "Counter is paused. Press RESUME to reopen.",
    ),
    "counter_not_paused": ("Loket tidak sedang istirahat.", "Counter is not paused."),
    "no_current_ticket": ("Belum ada nomor yang dipanggil.", "No ticket is being served."),
    "not_serving_queue": (
        "Loket ini tidak melayani antrian tersebut.",
        "This counter does not serve that queue.",
    ),
    "transfer_same_queue": (
        "Nomor sudah berada di antrian tujuan.",
        "The ticket is already in that queue.",
    ),
    "officer_required": ("Petugas belum masuk.", "No officer signed in."),
    "already_rated": ("Layanan ini sudah dinilai.", "This service was already rated."),
    "not_rateable": (
        "Nomor ini belum selesai dilayani di loket ini.",
        "This ticket was not served at this counter.",
    ),
    "lease_invalid": (
        "Blok nomor tidak berlaku. Hubungi petugas teknis.",
        "Number block not valid. Contact the technician.",
    ),
    "duplicate_number": (
        "Nomor sudah terpakai. Hubungi petugas teknis.",
        "Number already used. Contact the technician.",
    ),
}


def refusal(code: m.RefusalCode, detail: str | None = None) -> m.Refusal:
    text_id, text_en = TEXTS[code]
    if detail:
        text_en = f"{text_en} ({detail})"
    return m.Refusal(code=code, text_id=text_id, text_en=text_en)
