"""Indeks Kepuasan Masyarakat from counter ratings, as PermenPANRB 14/2017 converts it.

Each rating is 1..4 (tidak puas .. sangat puas). The unit's score is the mean rating;
IKM = mean x 25, from 25 to 100. The regulation's bands grade the unit:
A 88.31-100 Sangat Baik, B 76.61-88.30 Baik, C 65.00-76.60 Kurang Baik,
D 25.00-64.99 Tidak Baik. The regulation averages nine survey elements per citizen;
a counter button asks one question, so one rating stands for the citizen's answer.

The regulation takes its sample size from Krejcie and Morgan's table (95 % confidence,
5 % error, proportion 0.5): for a population of N citizens served, at least
s = 3.841 N 0.25 / (0.0025 (N - 1) + 3.841 x 0.25) of them; 80 of 100, 278 of 1,000,
384 of a very large population. A report notes a score from fewer ratings.
"""

from __future__ import annotations

import math
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


CHI_SQUARE = 3.841  # one degree of freedom, 95 % confidence
MARGIN = 0.05
PROPORTION = 0.5


def minimum_sample(population: int) -> int:
    """Krejcie and Morgan's sample size for a population (PermenPANRB 14/2017)."""
    if population <= 0:
        return 0
    pq = PROPORTION * (1 - PROPORTION)
    s = CHI_SQUARE * population * pq / (MARGIN**2 * (population - 1) + CHI_SQUARE * pq)
    # Rounded to the nearest, as the published table is (79.5 -> 80, 44.3 -> 44).
    return min(population, math.floor(s + 0.5))
