"""Indonesian and English number words, checked against a written table and by construction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.display.numbers import all_number_words, english, indonesian

# Written out by hand from Indonesian usage, not derived from the code.
INDONESIAN = {
    0: "nol",
    1: "satu",
    9: "sembilan",
    10: "sepuluh",
    11: "sebelas",
    12: "dua belas",
    19: "sembilan belas",
    20: "dua puluh",
    21: "dua puluh satu",
    45: "empat puluh lima",
    99: "sembilan puluh sembilan",
    100: "seratus",
    101: "seratus satu",
    110: "seratus sepuluh",
    111: "seratus sebelas",
    115: "seratus lima belas",
    120: "seratus dua puluh",
    200: "dua ratus",
    999: "sembilan ratus sembilan puluh sembilan",
    1000: "seribu",
    1001: "seribu satu",
    1011: "seribu sebelas",
    1100: "seribu seratus",
    1234: "seribu dua ratus tiga puluh empat",
    2000: "dua ribu",
    2019: "dua ribu sembilan belas",
    5010: "lima ribu sepuluh",
    9999: "sembilan ribu sembilan ratus sembilan puluh sembilan",
}

ENGLISH = {
    0: "zero",
    12: "twelve",
    20: "twenty",
    42: "forty two",
    100: "one hundred",
    115: "one hundred fifteen",
    1000: "one thousand",
    2305: "two thousand three hundred five",
    9999: "nine thousand nine hundred ninety nine",
}


@pytest.mark.parametrize(("n", "words"), INDONESIAN.items())
def test_indonesian_table(n: int, words: str) -> None:
    assert " ".join(indonesian(n)) == words


@pytest.mark.parametrize(("n", "words"), ENGLISH.items())
def test_english_table(n: int, words: str) -> None:
    assert " ".join(english(n)) == words


@pytest.mark.parametrize("n", [-1, 10000])
def test_out_of_range_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match=r"0\.\.9999"):
        indonesian(n)


_VALUE = {w: i for i, w in enumerate(("nol", "satu", "dua", "tiga", "empat", "lima", "enam",
                                      "tujuh", "delapan", "sembilan"))}  # fmt: skip


def _parse_indonesian(words: list[str]) -> int:
    """An independent reader of Indonesian numerals, to check every number round-trips."""
    total, current = 0, 0
    fixed = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000}
    for w in words:
        if w in fixed:
            if fixed[w] == 1000:
                total += 1000
            else:
                current += fixed[w]
        elif w == "belas":
            current += 10
        elif w == "puluh":
            current = current - current % 10 + (current % 10) * 10
        elif w == "ratus":
            current = current - current % 10 + (current % 10) * 100
        elif w == "ribu":
            total += current * 1000
            current = 0
        else:
            current += _VALUE[w]
    return total + current


@given(st.integers(min_value=0, max_value=9999))
def test_every_number_reads_back_and_uses_only_known_clips(n: int) -> None:
    words = indonesian(n)
    assert _parse_indonesian(words) == n
    assert set(words) <= set(all_number_words("id"))
    assert set(english(n)) <= set(all_number_words("en"))
    # Indonesian never says "satu puluh", "satu ratus" or "satu ribu".
    joined = " ".join(words)
    assert "satu puluh" not in joined and "satu ratus" not in joined
    assert "satu ribu" not in joined and "satu belas" not in joined
