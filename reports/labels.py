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
    "sheet.fairness": ("Keadilan", "Fairness"),
    "col.level": ("tingkat", "level"),
    "col.key": ("kode", "id"),
    "col.name": ("nama", "name"),
    "col.issued": ("diambil", "issued"),
    "col.served": ("dilayani", "served"),
    "col.no_show": ("tidak hadir", "no-show"),
    "col.transfers": ("dialihkan", "transferred"),
    "col.wait_mean": ("rerata tunggu (mnt)", "mean wait (min)"),
    "col.wait_p90": ("P90 tunggu (mnt)", "P90 wait (min)"),
    "col.service_mean": ("rerata layanan (mnt)", "mean service (min)"),
    "col.service_p90": ("P90 layanan (mnt)", "P90 service (min)"),
    "col.within_standard": ("sesuai standar (%)", "within standard (%)"),
    "col.ratings": ("jumlah penilaian", "ratings"),
    "col.ikm": ("IKM", "IKM"),
    "col.grade": ("mutu", "grade"),
    "col.hour": ("jam", "hour"),
    "col.tickets": ("antrian diambil", "tickets issued"),
    "col.item": ("butir", "item"),
    "col.value": ("nilai", "value"),
    "peak_hour": ("Jam tersibuk", "Peak hour"),
    "fair.overtakes": (
        "Penyalipan (nomor belakangan dipanggil lebih dulu, di luar prioritas dan pengalihan)",
        "Overtakes (a later ticket called first, outside priority and transfers)",
    ),
    "fair.overtaken": ("Nomor yang tersalip", "Tickets overtaken"),
    "fair.priority": ("Antrian prioritas", "Priority tickets"),
    "fair.priority_share": ("Porsi prioritas (%)", "Priority share (%)"),
    "fair.priority_longest": (
        "Tunggu terlama prioritas (mnt)",
        "Longest priority wait (min)",
    ),
    "chart.hours": ("Antrian diambil per jam", "Tickets issued per hour"),
    "chart.waits": ("Sebaran waktu tunggu per instansi", "Wait distribution per agency"),
    "chart.minutes": ("menit", "minutes"),
    "none": ("tidak ada data untuk periode ini", "no data for this period"),
}


def label(key: str, lang: Lang) -> str:
    text_id, text_en = _LABELS[key]
    return text_id if lang == "id" else text_en
