"""Every label a report shows, in Bahasa Indonesia (default) and English."""

from __future__ import annotations

from typing import Literal

Lang = Literal["id", "en"]

_LABELS: dict[str, tuple[str, str]] = {
    "title": ("Laporan Pelayanan", "Service Report"),
    "period": ("Periode", "Period"),
    "days": ("Hari dengan antrian", "Days with tickets"),
    "level.hall": ("Seluruh mal", "Whole hall"),
    "level.agency": ("Per instansi", "By agency"),
    "level.queue": ("Per layanan", "By service"),
    "level.counter": ("Per loket", "By counter"),
    "level.officer": ("Per petugas", "By officer"),
    "sheet.hall": ("Ringkasan", "Summary"),
    "sheet.agency": ("Instansi", "Agencies"),
    "sheet.queue": ("Layanan", "Services"),
    "sheet.counter": ("Loket", "Counters"),
    "sheet.officer": ("Petugas", "Officers"),
    "sheet.hours": ("Per jam", "Per hour"),
    "sheet.days": ("Per hari", "Per day"),
    "col.day": ("tanggal", "date"),
    "sheet.fairness": ("Keadilan", "Fairness"),
    "col.level": ("tingkat", "level"),
    "col.key": ("kode", "id"),
    "col.name": ("nama", "name"),
    "col.issued": ("diambil", "issued"),
    "col.served": ("dilayani", "served"),
    "col.no_show": ("tidak hadir", "no-show"),
    "col.transfers": ("dialihkan keluar", "transferred out"),
    "col.transferred_in": ("dialihkan masuk", "transferred in"),
    "col.not_served": ("tidak terlayani", "not served"),
    "col.wait_mean": ("rata-rata tunggu (mnt)", "mean wait (min)"),
    "col.wait_p90": ("P90 tunggu (mnt)", "P90 wait (min)"),
    "col.service_mean": ("rata-rata layanan (mnt)", "mean service (min)"),
    "col.service_p90": ("P90 layanan (mnt)", "P90 service (min)"),
    "col.within_standard": ("sesuai standar (%)", "within standard (%)"),
    "col.standard": ("standar layanan/SOP (mnt)", "service standard/SOP (min)"),
    "col.wait_max": ("tunggu terlama (mnt)", "longest wait (min)"),
    "col.wait_standard": ("standar waktu tunggu (mnt)", "waiting-time standard (min)"),
    "col.within_wait_standard": (
        "dipanggil dalam standar tunggu (%)",
        "called within the waiting standard (%)",
    ),
    "col.no_show_share": ("tidak hadir (%)", "no-show (%)"),
    "col.ikm_coverage": ("cakupan penilaian (%)", "ratings coverage (%)"),
    "col.ikm_minimum": ("sampel minimum IKM", "IKM minimum sample"),
    "ikm.short": ("sampel kurang", "sample too small"),
    "col.signed_in_h": ("jam bertugas", "hours signed in"),
    "col.paused_min": ("jeda (mnt)", "paused (min)"),
    "col.tickets_per_h": ("tiket per jam kerja", "tickets per working hour"),
    "col.ratings": ("jumlah penilaian", "ratings"),
    "col.ikm": ("IKM", "IKM"),
    "col.grade": ("mutu", "grade"),
    "col.hour": ("jam", "hour"),
    "col.tickets": ("diambil", "issued"),
    "col.item": ("butir", "item"),
    "col.value": ("nilai", "value"),
    "peak_hour": ("Jam tersibuk", "Peak hour"),
    "fair.overtakes": (
        "Penyalipan (nomor belakangan dipanggil lebih dulu, di luar prioritas dan pengalihan)",
        "Overtakes (a later ticket called first, outside priority and transfers)",
    ),
    "fair.overtaken": ("Nomor yang tersalip", "Tickets overtaken"),
    "fair.priority": ("Tiket prioritas", "Priority tickets"),
    "fair.priority_share": ("Persentase tiket prioritas (%)", "Priority share (%)"),
    "fair.priority_longest": (
        "Tunggu terlama prioritas (mnt)",
        "Longest priority wait (min)",
    ),
    "chart.hours": ("Tiket diambil per jam", "Tickets issued per hour"),
    "chart.waits": ("Sebaran waktu tunggu per instansi", "Wait distribution per agency"),
    "chart.minutes": ("menit", "minutes"),
    "chart.box": (
        "Kotak: separuh tiket di tengah (kuartil 1 s.d. 3), garis di kotak: median; "
        "garis tegak: tunggu terjauh dalam 1,5 x tinggi kotak; titik: di luar itu",
        "Box: the middle half of tickets (quartiles 1 to 3), line in the box: median; "
        "whiskers: the furthest waits within 1.5 x the box height; dots: beyond that",
    ),
    "none": ("tidak ada data untuk periode ini", "no data for this period"),
    "held": ("ledger ini memuat antrian pada", "this ledger holds tickets for"),
    "held.none": ("ledger ini belum memuat antrian", "this ledger holds no tickets yet"),
    "held.days": ("hari", "days"),
    "to": ("s.d.", "to"),
    "note.p90": (
        "P90: 90 % tiket tidak lebih lama dari nilai ini (10 % lebih lama).",
        "P90: 90 % of tickets took no longer than this (10 % took longer).",
    ),
    "note.sum": (
        "Tiap baris mal, instansi dan layanan: diambil + dialihkan masuk = dilayani + "
        "tidak hadir + dialihkan keluar + tidak terlayani (kedaluwarsa, atau masih "
        "menunggu/dipanggil/dilayani saat laporan dibuat).",
        "Each hall, agency and service row: issued + transferred in = served + no-show + "
        "transferred out + not served (expired, or still waiting/called/at a desk when the "
        "report ran).",
    ),
    "note.wait": (
        "Tunggu tiket yang dialihkan (semua tahap) dihitung pada layanan yang menyelesaikannya.",
        "A transferred ticket's wait (every leg) counts for the service that finished it.",
    ),
    "note.ikm": (
        "IKM menurut PermenPANRB No. 14 Tahun 2017: rata-rata penilaian (1-4) x 25. "
        "Cakupan: penilaian per warga yang dilayani. Sampel minimum menurut tabel Krejcie "
        "dan Morgan yang dirujuk peraturan itu (mis. 80 dari 100, 278 dari 1.000 yang "
        "dilayani); mutu dari sampel yang lebih kecil ditandai 'sampel kurang' dan hanya "
        "petunjuk.",
        "IKM per PermenPANRB No. 14/2017: the mean rating (1-4) x 25. Coverage: ratings per "
        "citizen served. Minimum sample from the Krejcie and Morgan table the regulation "
        "refers to (e.g. 80 of 100, 278 of 1,000 served); a grade from a smaller sample is "
        "marked 'sample too small' and is only a hint.",
    ),
    "note.officer": (
        "Per petugas tidak ada waktu tunggu: tunggu tiket yang dipanggil seorang petugas "
        "mencerminkan jam kerjanya (pagi yang ramai), bukan cara kerjanya.",
        "No waits per officer: the waits of the tickets an officer called reflect when the "
        "officer worked (the busy morning), not how.",
    ),
    "note.productivity": (
        "Per petugas: jam bertugas dari masuk (sign-in) sampai keluar di loket; jeda: menit "
        "loket dijeda selama petugas bertugas; tiket per jam kerja: dilayani / (jam "
        "bertugas - jeda).",
        "Per officer: hours from sign-in to sign-out at a counter; paused: minutes the "
        "counter was paused while they were signed in; tickets per working hour: served / "
        "(hours signed in - paused).",
    ),
    "sheet.compare": ("Banding bulan lalu", "Previous month"),
    "sheet.days_agency": ("Per hari per instansi", "Per day per agency"),
    "file.days_agency": ("per-hari-instansi", "per-day-agency"),
    "compare.title": ("Dibanding bulan sebelumnya", "Compared with the previous month"),
    "col.this": ("bulan ini", "this month"),
    "col.previous": ("bulan lalu", "previous month"),
    "file.compare": ("banding", "compare"),
    "sheet.notes": ("Catatan", "Notes"),
    "row.hall": ("mal", "hall"),
    "row.agency": ("instansi", "agency"),
    "row.queue": ("layanan", "queue"),
    "row.counter": ("loket", "counter"),
    "row.officer": ("petugas", "officer"),
    "file.hours": ("per-jam", "per-hour"),
    "file.days": ("per-hari", "per-day"),
    "file.fairness": ("keadilan", "fairness"),
    "file.waits": ("tunggu", "waits"),
    "file.level.hall": ("ringkasan", "summary"),
    "file.level.agency": ("instansi", "agencies"),
    "file.level.queue": ("layanan", "services"),
    "file.level.officer": ("petugas", "officers"),
}


def label(key: str, lang: Lang) -> str:
    text_id, text_en = _LABELS[key]
    return text_id if lang == "id" else text_en
