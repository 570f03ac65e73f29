"""Every refusal code with its text for citizens and officers: Bahasa Indonesia first,
English beside it. Part of the contract: a node prints these when central is away."""

from __future__ import annotations

from protocol import messages as m

# Short enough for a thermal slip or a counter display line.
TEXTS: dict[str, tuple[str, str]] = {
    "invalid_request": (
        "Permintaan tidak valid. Silakan hubungi petugas.",
        "Invalid request. Please ask an officer.",
    ),
    "unsupported_version": (
        "Versi perangkat tidak cocok. Silakan hubungi petugas.",
        "Device version mismatch. Please ask an officer.",
    ),
    "stale_request": (
        "Gagal mengambil nomor. Silakan tekan lagi.",
        "No ticket this time. Please press again.",
    ),
    "unknown_queue": ("Layanan tidak terdaftar.", "This service is not registered."),
    "unknown_counter": ("Loket tidak dikenal.", "Unknown counter."),
    "unknown_ticket": ("Nomor antrian tidak dikenal.", "Unknown ticket."),
    "quota_reached": ("Kuota hari ini habis.", "Today's quota is used up."),
    "queue_closed": (
        "Nomor untuk layanan ini sudah ditutup hari ini.",
        "Tickets for this service are closed for today.",
    ),
    # Before opening, after closing and on holidays alike.
    "hall_closed": ("Di luar jam layanan.", "Outside service hours."),
    "priority_not_allowed": (
        "Layanan ini tidak memiliki antrian prioritas.",
        "This service has no priority queue.",
    ),
    "queue_empty": ("Tidak ada antrian menunggu.", "Nobody is waiting."),
    "counter_paused": (
        "Loket istirahat. Tekan PAUSE lagi untuk membuka.",
        "Counter paused. Press PAUSE again to reopen.",
    ),
    "counter_not_paused": ("Loket tidak sedang istirahat.", "Counter is not paused."),
    "no_current_ticket": ("Tidak ada nomor yang sedang dilayani.", "No ticket is being served."),
    "not_serving_queue": (
        "Loket ini tidak melayani antrian tersebut.",
        "This counter does not serve that queue.",
    ),
    "transfer_same_queue": (
        "Nomor sudah berada di antrian tujuan.",
        "The ticket is already in that queue.",
    ),
    "officer_required": (
        "Belum ada petugas masuk. Tahan PAUSE untuk masuk.",
        "No officer signed in. Hold PAUSE to sign in.",
    ),
    "already_surveyed": (
        "Survei untuk tiket ini sudah diisi. Terima kasih.",
        "The survey for this ticket was already answered. Thank you.",
    ),
    "not_surveyable": (
        "Survei dapat diisi setelah layanan selesai, pada hari yang sama.",
        "The survey opens once the service is finished, on the same day.",
    ),
    "already_rated": ("Layanan ini sudah dinilai.", "This service was already rated."),
    "not_rateable": (
        "Nomor ini belum selesai dilayani di loket ini.",
        "This ticket has not been served at this counter yet.",
    ),
    "lease_invalid": (
        "Blok nomor tidak berlaku. Silakan hubungi petugas.",
        "Number block not valid. Please ask an officer.",
    ),
    "duplicate_number": (
        "Nomor sudah terpakai. Silakan hubungi petugas.",
        "Number already used. Please ask an officer.",
    ),
    "ticket_finished": (
        "Nomor ini sudah selesai atau tidak berlaku lagi.",
        "This ticket is already finished or no longer valid.",
    ),
    # The sender's role or assignment does not cover this request (protocol/roles.py).
    "not_allowed": (
        "Perangkat ini tidak berwenang. Silakan hubungi teknisi.",
        "This device may not do that. Please call a technician.",
    ),
}


TEXT_MAX = 500  # protocol.messages.Text


def refusal(code: m.RefusalCode, detail: str | None = None) -> m.Refusal:
    """Always buildable: a detail that quotes a long input is cut to fit (issue 13)."""
    text_id, text_en = TEXTS[code]
    if detail:
        room = TEXT_MAX - len(text_en) - 3
        if len(detail) > room:
            detail = f"{detail[: room - 3]}..."
        text_en = f"{text_en} ({detail})"
    return m.Refusal(code=code, text_id=text_id, text_en=text_en)
