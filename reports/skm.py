"""Survei Kepuasan Masyarakat from the citizens' web survey, as PermenPANRB 14/2017 counts it.

Each answered survey gives nine answers U1-U9, each 1..4. Per element the NRR is the mean
answer; the weighted NRR is NRR x 1/9 (every element weighs the same); the unit's IKM is
the sum of the weighted NRRs x 25, from 25 to 100, graded with the same bands as the
counter buttons' IKM (reports.ikm). The surveys are central's `survey_answered` events.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from central.ledger import LedgerReader
from reports.ikm import BANDS, CONVERSION

ELEMENTS = 9
# Short names of the elements as the regulation lists them (Indonesian, English).
ELEMENT_NAMES: tuple[tuple[str, str], ...] = (
    ("Persyaratan", "Requirements"),
    ("Sistem, mekanisme, prosedur", "Procedure"),
    ("Waktu penyelesaian", "Completion time"),
    ("Biaya/tarif", "Cost/fee"),
    ("Produk layanan", "Service product"),
    ("Kompetensi pelaksana", "Staff competence"),
    ("Perilaku pelaksana", "Staff conduct"),
    ("Penanganan pengaduan", "Complaint handling"),
    ("Sarana dan prasarana", "Facilities"),
)


@dataclass(frozen=True)
class Survey:
    ticket_id: str
    day: date
    agency: str
    answers: tuple[int, ...]


@dataclass(frozen=True)
class Skm:
    respondents: int
    nrr: tuple[float, ...]  # mean answer per element U1..U9
    ikm: float  # 25..100, two decimals like the bands
    grade: str
    label_id: str
    label_en: str


def read_surveys(ledger: Path, start: date, end: date) -> list[Survey]:
    """Every answered survey of the business days start..end (inclusive)."""
    out = []
    with LedgerReader(ledger) as reader:
        day = start
        while day <= end:
            for row in reader.events_of_day(day, ("survey_answered",)):
                ev = json.loads(row.body)
                answers = tuple(ev.get("answers") or ())
                ticket = ev.get("ticket") or {}
                if len(answers) == ELEMENTS and all(
                    isinstance(a, int) and 1 <= a <= 4 for a in answers
                ):
                    out.append(Survey(ticket.get("ticket_id", ""), day,
                                      ticket.get("agency", ""), answers))  # fmt: skip
            day += timedelta(days=1)
    return out


def skm(surveys: Iterable[Survey]) -> Skm | None:
    """SKM per element and the IKM of a set of surveys, or None without any."""
    rows = [s.answers for s in surveys]
    if not rows:
        return None
    nrr = tuple(sum(r[i] for r in rows) / len(rows) for i in range(ELEMENTS))
    ikm = round(sum(x / ELEMENTS for x in nrr) * CONVERSION, 2)
    for low, grade, label_id, label_en in BANDS:
        if ikm >= low:
            return Skm(len(rows), nrr, ikm, grade, label_id, label_en)
    raise AssertionError("answers of 1..4 give an IKM of at least 25")


def by_agency(surveys: list[Survey]) -> list[tuple[str, Skm]]:
    agencies = sorted({s.agency for s in surveys})
    out = []
    for a in agencies:
        result = skm(s for s in surveys if s.agency == a)
        if result is not None:
            out.append((a, result))
    return out


def _labels(lang: str) -> dict[str, str]:
    en = lang == "en"
    return {
        "title": "Citizens' survey (SKM, PermenPANRB 14/2017)" if en else
                 "Survei Kepuasan Masyarakat (SKM, PermenPANRB 14/2017)",
        "none": "No survey answered in this period." if en else
                "Belum ada survei yang diisi pada periode ini.",
        "unit": "Unit",
        "hall": "Whole hall" if en else "Seluruh aula",
        "respondents": "Respondents" if en else "Responden",
        "ikm": "IKM",
        "grade": "Grade" if en else "Mutu",
    }  # fmt: skip


def rows(surveys: list[Survey], lang: str) -> list[list[str]]:
    """Header and one row per unit (the hall, then each agency): respondents, the NRR
    of U1..U9, the IKM and its grade."""
    lab = _labels(lang)
    header = [lab["unit"], lab["respondents"], *(f"U{i + 1}" for i in range(ELEMENTS)),
              lab["ikm"], lab["grade"]]  # fmt: skip
    out = [header]
    hall = skm(surveys)
    if hall is None:
        return out
    units = [(lab["hall"], hall), *by_agency(surveys)]
    for name, r in units:
        label = r.label_en if lang == "en" else r.label_id
        out.append([name, str(r.respondents), *(f"{x:.2f}" for x in r.nrr),
                    f"{r.ikm:.2f}", f"{r.grade} ({label})"])  # fmt: skip
    return out


def to_lines(surveys: list[Survey], lang: str) -> list[str]:
    lab = _labels(lang)
    table = rows(surveys, lang)
    lines = ["", lab["title"]]
    if len(table) == 1:
        return [*lines, lab["none"]]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for n, r in enumerate(table):
        lines.append("  ".join([r[0].ljust(widths[0]), *(v.rjust(w) for v, w in
                                zip(r[1:], widths[1:], strict=True))]).rstrip())  # fmt: skip
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    names = ELEMENT_NAMES
    i = 1 if lang == "en" else 0
    lines.append("  ".join(f"U{k + 1} {names[k][i]}" for k in range(ELEMENTS)))
    return lines


def write_csv(surveys: list[Survey], lang: str, out_dir: Path, stem: str) -> Path:
    path = out_dir / f"{stem}-skm.csv"
    # A byte order mark, as the report's own CSV files: Excel then reads UTF-8.
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows(rows(surveys, lang))
    return path
