"""What the supervisors' dashboard says, in Bahasa Indonesia first and English."""

from __future__ import annotations

from web.texts import Lang, pick

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Dasbor supervisor", "Supervisors' dashboard"),
    "login_title": ("Masuk supervisor", "Supervisor sign-in"),
    "username": ("Nama pengguna", "User name"),
    "password": ("Kata sandi", "Password"),
    "login": ("Masuk", "Sign in"),
    "logout": ("Keluar", "Sign out"),
    "signed_in_as": ("Masuk sebagai {name}", "Signed in as {name}"),
    "bad_login": (
        "Nama pengguna atau kata sandi salah.",
        "Wrong user name or password.",
    ),
    "locked": (
        "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {n} menit.",
        "Too many failed sign-ins. Try again in {n} minutes.",
    ),
    "csrf": (
        "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.",
        "The form expired or is not genuine. Reload the page and try again.",
    ),
    "no_accounts": (
        "Belum ada akun supervisor untuk aula ini. Teknisi membuatnya dengan "
        "`antrian provision supervisor`.",
        "This hall has no supervisor accounts yet. A technician adds them with "
        "`antrian provision supervisor`.",
    ),
    "signed_out": ("Anda sudah keluar.", "You are signed out."),
    "session_over": (
        "Sesi berakhir. Silakan masuk lagi.",
        "Your session ended. Please sign in again.",
    ),
    "bad_form": ("Formulir tidak dapat dibaca.", "The form could not be read."),
    "alerts": ("Peringatan", "Alerts"),
    "no_alerts": ("Tidak ada peringatan.", "No alerts."),
    "counters": ("Loket", "Counters"),
    "queues": ("Layanan", "Services"),
    "devices": ("Perangkat", "Devices"),
    "no_devices": (
        "Belum ada data perangkat dari server pusat.",
        "No device list from the central server yet.",
    ),
    "no_hall": (
        "Data aula belum diterima dari server pusat.",
        "No hall data from the central server yet.",
    ),
    "hall_closed": ("Aula sedang tutup (di luar jam layanan).", "The hall is closed now."),
    "counter": ("Loket", "Counter"),
    "officer": ("Petugas", "Officer"),
    "status": ("Status", "Status"),
    "ticket": ("Nomor", "Ticket"),
    "since": ("Sejak", "Since"),
    "service": ("Layanan", "Service"),
    "waiting": ("Menunggu", "Waiting"),
    "longest": ("Tunggu terlama", "Longest wait"),
    "estimate": ("Perkiraan", "Estimate"),
    "quota_left": ("Sisa kuota", "Quota left"),
    "device": ("Perangkat", "Device"),
    "role": ("Jenis", "Role"),
    "online": ("Terhubung", "Online"),
    "faults": ("Gangguan", "Faults"),
    "config_version": ("Konfigurasi", "Config"),
    "outbox": ("Belum terkirim", "Outbox"),
    "yes": ("ya", "yes"),
    "no": ("TIDAK", "NO"),
    "min": ("{n} mnt", "{n} min"),
    "no_cap": ("tanpa batas", "no cap"),
    "closed_early": ("ditutup supervisor", "closed by a supervisor"),
    "closed": ("tutup", "closed"),
    "state_closed": ("tutup", "closed"),
    "state_idle": ("kosong", "idle"),
    "state_calling": ("memanggil", "calling"),
    "state_serving": ("melayani", "serving"),
    "state_paused": ("istirahat", "paused"),
    "alert_wait_above_standard": (
        "{subject}: tunggu terlama {minutes} menit, di atas standar {detail} menit",
        "{subject}: longest wait {minutes} min, above the {detail} min standard",
    ),
    "alert_counter_unstaffed": (
        "{subject}: tidak memanggil selama {minutes} menit ({state}) padahal ada warga menunggu",
        "{subject}: no calls for {minutes} min ({state}) while citizens wait",
    ),
    "alert_device_offline": (
        "{subject} ({detail}) tidak terhubung",
        "{subject} ({detail}) offline",
    ),
    "alert_device_fault": ("{subject}: {detail}", "{subject}: {detail}"),
    "actions": ("Tindakan", "Actions"),
    "send": ("Kirim", "Send"),
    "reason": ("Alasan (boleh kosong)", "Reason (optional)"),
    "quota_hint": ("Kosongkan untuk tanpa batas", "Leave empty for no cap"),
    "label_hint": ("mis. A012", "e.g. A012"),
    "text_hint": (
        "Kosongkan untuk kembali ke teks masing-masing papan",
        "Leave empty to give the boards their own text back",
    ),
    "to_queue": ("Ke layanan", "To service"),
    "action_pause": ("Istirahatkan loket", "Pause a counter"),
    "action_resume": ("Buka kembali loket", "Resume a counter"),
    "action_close_queue": ("Tutup layanan hari ini", "Close a service for today"),
    "action_reopen_queue": ("Buka kembali layanan", "Reopen a service"),
    "action_set_quota": ("Kuota hari ini", "Today's quota"),
    "action_transfer": ("Pindahkan nomor ke layanan lain", "Transfer a ticket"),
    "action_end_ticket": ("Akhiri nomor (warga sudah pergi)", "End a ticket (citizen left)"),
    "action_running_text": ("Teks berjalan di papan aula", "Running text on the hall boards"),
    "running_text_now": ("Teks berjalan sekarang", "Running text now"),
    "none": ("(tidak ada)", "(none)"),
    "done": ("Berhasil: {action}.", "Done: {action}."),
    "refused": ("Ditolak server pusat: {text}", "Refused by the central server: {text}"),
    "unavailable": (
        "Server pusat tidak menjawab; tindakan mungkin belum diterapkan. Kirim lagi formulir "
        "di bawah: aman, tidak akan diterapkan dua kali.",
        "The central server did not answer; the action may not be applied. Send the form "
        "below again: it is safe, it will not be applied twice.",
    ),
    "resend": ("Kirim lagi", "Send again"),
    "recent_actions": ("Tindakan supervisor terakhir", "Latest supervisors' actions"),
    "no_actions": (
        "Belum ada tindakan sejak web node dimulai.",
        "No actions since the web node started.",
    ),
    "log_counter_paused": ("mengistirahatkan {subject}", "paused {subject}"),
    "log_counter_resumed": ("membuka kembali {subject}", "resumed {subject}"),
    "log_queue_closed": ("menutup layanan {subject} hari ini", "closed {subject} for today"),
    "log_queue_reopened": ("membuka kembali layanan {subject}", "reopened {subject}"),
    "log_quota_changed": (
        "mengubah kuota {subject} hari ini menjadi {detail}",
        "set today's quota of {subject} to {detail}",
    ),
    "log_ticket_transferred": (
        "memindahkan {subject} ke {detail}",
        "transferred {subject} to {detail}",
    ),
    "log_ticket_ended": ("mengakhiri nomor {subject}", "ended ticket {subject}"),
    "log_running_text_changed": (
        "mengubah teks berjalan: \u201c{subject}\u201d",
        "set the running text: \u201c{subject}\u201d",
    ),
    "back": ("Kembali ke dasbor", "Back to the dashboard"),
}


def dt(key: str, lang: Lang, **kw: object) -> str:
    return pick(TEXTS, key, lang, **kw)
