"""Numbers as spoken words, one clip name per word: Indonesian (and English) from 0 to 9999."""

from __future__ import annotations

ID_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
EN_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
EN_TEENS = (
    "ten", "eleven", "twelve", "thirteen", "fourteen",
    "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

MAX_NUMBER = 9999


def _check(n: int) -> None:
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"{n} is outside 0..{MAX_NUMBER}; ticket numbers have at most 4 digits")


def _id_below_100(n: int) -> list[str]:
    if n < 10:
        return [ID_DIGITS[n]]
    if n == 10:
        return ["sepuluh"]
    if n == 11:
        return ["sebelas"]
    if n < 20:
        return [ID_DIGITS[n - 10], "belas"]
    tens, ones = divmod(n, 10)
    return [ID_DIGITS[tens], "puluh"] + ([ID_DIGITS[ones]] if ones else [])


def indonesian(n: int) -> list[str]:
    """12 -> ['dua', 'belas']; 100 -> ['seratus']; 1000 -> ['seribu']; 0 -> ['nol']."""
    _check(n)
    if n == 0:
        return ["nol"]
    words: list[str] = []
    thousands, rest = divmod(n, 1000)
    if thousands == 1:
        words.append("seribu")
    elif thousands:
        words += [ID_DIGITS[thousands], "ribu"]
    hundreds, rest = divmod(rest, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds:
        words += [ID_DIGITS[hundreds], "ratus"]
    if rest:
        words += _id_below_100(rest)
    return words


def english(n: int) -> list[str]:
    """12 -> ['twelve']; 105 -> ['one', 'hundred', 'five']; 2300 -> ['two', 'thousand', ...]."""
    _check(n)
    if n == 0:
        return ["zero"]
    words: list[str] = []
    thousands, rest = divmod(n, 1000)
    if thousands:
        words += [EN_ONES[thousands], "thousand"]
    hundreds, rest = divmod(rest, 100)
    if hundreds:
        words += [EN_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(EN_TENS[tens])
        if ones:
            words.append(EN_ONES[ones])
    elif rest >= 10:
        words.append(EN_TEENS[rest - 10])
    elif rest:
        words.append(EN_ONES[rest])
    return words


def number_words(n: int, language: str) -> list[str]:
    return indonesian(n) if language == "id" else english(n)


def all_number_words(language: str) -> list[str]:
    """Every clip a language needs to speak any number from 0 to 9999."""
    if language == "id":
        return [*ID_DIGITS, "sepuluh", "sebelas", "belas", "puluh", "seratus", "ratus",
                "seribu", "ribu"]  # fmt: skip
    return [*EN_ONES, *EN_TEENS, *EN_TENS[2:], "hundred", "thousand"]
