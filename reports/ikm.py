"""Indeks Kepuasan Masyarakat from counter ratings, as PermenPANRB 14/2017 converts it.

Each rating is 1..4 (tidak puas .. sangat puas). The unit's score is the mean rating;
IKM = mean x 25, from 25 to 100. The regulation's bands grade the unit:
A 88.31-100 Sangat Baik, B 76.61-88.30 Baik, C 65.00-76.60 Kurang Baik,
D 25.00-64.99 Tidak Baik. The regulation averages nine survey elements per citizen;
a counter button asks one question, so one rating stands for the citizen's answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CONVERSION = 25
# (lowest IKM of the band, grade, mutu pelayanan in Indonesian, in English)
BANDS = (
    (88.31, "A", "Sangat Baik", "Very good"),
    (76.61, "B", "Baik", "Good"),
    (65.00, "C", "Kurang Baik", "Fair"),
    (25.00, "D", "Tidak Baik", "Poor"),
)


@dataclass(frozen=True)
class Ikm:
    ratings: int
    mean: float  # 1..4
    score: float  # 25..100, rounded to two decimals as the bands are
    grade: str
    label_id: str
    label_en: str


def ikm(ratings: Iterable[int]) -> Ikm | None:
    """The IKM of a set of 1..4 ratings, or None when nobody rated."""
    values = list(ratings)
    if not values:
        return None
    if any(not 1 <= v <= 4 for v in values):
        raise ValueError(f"IKM ratings are 1..4, got {sorted(set(values))}")
    mean = sum(values) / len(values)
    score = round(mean * CONVERSION, 2)
    for low, grade, label_id, label_en in BANDS:
        if score >= low:
            return Ikm(len(values), mean, score, grade, label_id, label_en)
    raise AssertionError("a mean of 1..4 ratings is at least 25")
