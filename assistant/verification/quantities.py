"""Numbers as values: "$11bn" = "$11 billion" = "11 billion dollars", "two ninths" = "2/9" ≠ "one
ninth", "more than 40" ≠ "fewer than 40". A claim's number must be one its source states, with the
same bound (more than / fewer than); "about" and "almost" may come and go."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_WORD_VALUES = {word: value for value, word in enumerate(_SMALL)} | _TENS | {"dozen": 12}
_SCALES = {
    "hundred": 1e2,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "bn": 1e9,
    "mn": 1e6,
    "k": 1e3,
    "mbp": 1e6,  # "220 MBP": million years before present
    "mya": 1e6,  # million years ago
}
_DENOMINATORS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fifth": 5,
    "fifths": 5,
    "sixth": 6,
    "sixths": 6,
    "seventh": 7,
    "sevenths": 7,
    "eighth": 8,
    "eighths": 8,
    "ninth": 9,
    "ninths": 9,
    "tenth": 10,
    "tenths": 10,
}
_BOUNDS = {
    "more than": "above",
    "over": "above",
    "above": "above",
    "at least": "above",
    "exceeding": "above",
    "upwards of": "above",
    "in excess of": "above",
    "greater than": "above",
    "fewer than": "below",
    "less than": "below",
    "under": "below",
    "below": "below",
    "up to": "below",
    "at most": "below",
    "no more than": "below",
}
_UNITS = {
    "km": "km",
    "kilometre": "km",
    "kilometres": "km",
    "kilometer": "km",
    "kilometers": "km",
    "m": "m",
    "metre": "m",
    "metres": "m",
    "meter": "m",
    "meters": "m",
    "m3/s": "m3/s",
    "cubic metres per second": "m3/s",
    "cubic meters per second": "m3/s",
    "cu ft/s": "cuft/s",
    "cubic feet per second": "cuft/s",
    "mi": "mi",
    "mile": "mi",
    "miles": "mi",
    "ft": "ft",
    "feet": "ft",
    "foot": "ft",
    "cm": "cm",
    "%": "%",
    "percent": "%",
    "per cent": "%",
}
_UNIT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_WORDS = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
_NUMBER = rf"(?:[$€£¥]\s?)?(?:\d+(?:,\d{{3}})*(?:\.\d+)?|\d+\.\d+|(?:{_WORDS})(?:[-\s](?:{_WORDS}))?|an?)"
_SCALE = "|".join(sorted(_SCALES, key=len, reverse=True))
_DENOMINATOR = "|".join(sorted(_DENOMINATORS, key=len, reverse=True))
_BOUND = "|".join(sorted((re.escape(b) for b in _BOUNDS), key=len, reverse=True))
_QUANTITY = re.compile(
    rf"(?i)(?:\b(?P<bound>{_BOUND})\s+(?:an?\s+|the\s+)?)?"
    rf"(?P<fraction>\d+\s?/\s?\d+\b)"
    rf"|(?:\b(?P<bound2>{_BOUND})\s+)?(?<![\w.,])(?P<number>{_NUMBER})"
    rf"(?:(?:\s|-)?(?P<scale>{_SCALE})\b)?"
    rf"(?:[\s-](?P<denominator>{_DENOMINATOR})\b)?"
    r"(?P<ordinal>st|nd|rd|th)?(?![\w.,]\d)(?![^\W\d_])"
    rf"(?:\s?(?P<unit>{_UNIT})(?![\w/]))?"
)


@dataclass(frozen=True)
class Quantity:
    value: float
    bound: str  # "above", "below" or "" (exact or approximate)
    start: int
    end: int
    text: str
    unit: str = ""  # km, m, m3/s, % …: a measure, when one is written right after the number


def quantities(text: str) -> list[Quantity]:
    """The numbers a text states, with their values and bounds ("a", "an" only before a fraction); a
    footnote mark ("century.[note 7]", "river.[3]") states none."""
    found: list[Quantity] = []
    scales: list[float | None] = []
    marks = [m.span() for m in _FOOTNOTE.finditer(text)]
    for match in _QUANTITY.finditer(text):
        if any(start <= match.start() < end for start, end in marks):
            continue
        if match.group("fraction"):
            top, bottom = (float(n) for n in re.split(r"\s?/\s?", match.group("fraction")))
            if bottom == 0:
                continue
            value = top / bottom
            bound = _BOUNDS.get((match.group("bound") or "").lower(), "")
        else:
            number = match.group("number")
            denominator = match.group("denominator")
            if number.lower() in ("a", "an") and not denominator and not match.group("scale"):
                continue
            if number.lower() == "one" and _EVERY.search(text[: match.start()]):
                continue  # "every one of these programs" counts nothing
            parsed = _value(number)
            if parsed is None:
                continue
            scale = _SCALES.get((match.group("scale") or "").lower())
            value = parsed * (scale or 1.0)
            if denominator:
                value /= _DENOMINATORS[denominator.lower()]
            bound = _BOUNDS.get((match.group("bound2") or "").lower(), "")
        unit = _UNITS.get(re.sub(r"\s+", " ", (match.group("unit") or "").lower()), "")
        found.append(Quantity(value, bound, match.start(), match.end(), match.group(), unit))
        scales.append(None if match.group("fraction") else scale)
    return _shared_scales(text, found, scales)


_JOINED = re.compile(r"^\s?(?:[–—-]|to|and)\s?$")


def joined(text: str, first: Quantity, second: Quantity) -> bool:
    """Whether two numbers are the ends of one range ("240 MBP and 220 MBP", "1–3 cm", "2 to 5")."""
    return bool(_JOINED.match(text[first.end : second.start]))


def _shared_scales(text: str, found: list[Quantity], scales: list[float | None]) -> list[Quantity]:
    """ "between 240 and 220 million", "2–3 billion": the first number of a range takes the scale
    written after the second, when the two are of a size ("in 1998 and 2 million" is no range)."""
    for k in range(len(found) - 2, -1, -1):
        scale = scales[k + 1]
        if not scale or scales[k] is not None or not joined(text, found[k], found[k + 1]):
            continue
        low, high = sorted((abs(found[k].value), abs(found[k + 1].value) / scale))
        if low > 0 and high / low <= 20:
            found[k] = replace(found[k], value=found[k].value * scale)
            scales[k] = scale
    return found


_FOOTNOTE = re.compile(r"\[(?:note|nb|n)\s+\d+\]|(?<=[.,;:!?\"'”’)])\[\d{1,3}\]", re.IGNORECASE)
_EVERY = re.compile(r"(?i)\b(?:every|each|any|no|some)\s+$")


def _value(number: str) -> float | None:
    number = number.lower().lstrip("$€£¥ ").replace(",", "")
    if number in ("a", "an"):
        return 1.0
    if number[:1].isdigit():
        try:
            return float(number)
        except ValueError:
            return None
    total = 0
    for part in re.split(r"[-\s]", number):
        if part not in _WORD_VALUES:
            return None
        total += _WORD_VALUES[part]
    return float(total)


def same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1.0)


def same(claim: Quantity, source: Quantity) -> bool:
    """Same value, bound and measure (a measure only one of them writes does not count)."""
    return (
        same_value(claim.value, source.value)
        and _same_decimals(claim.text, source.text)
        and claim.bound == source.bound
        and (claim.unit == source.unit or not claim.unit or not source.unit)
    )


def _same_decimals(a: str, b: str) -> bool:
    """ "6.10" is not "6.1" (a version, not a decimal); "2.0" may be "2"."""
    fa, fb = (re.search(r"\d\.(\d+)", t) for t in (a, b))
    if fa is None or fb is None:
        return True
    x, y = fa.group(1), fb.group(1)
    return x == y or max(len(x), len(y)) < 2


def unstated(claim: list[Quantity], source: list[Quantity]) -> list[Quantity]:
    """The claim's numbers that the source does not state with the same value, bound and measure."""
    return [q for q in claim if not any(same(q, s) for s in source)]


_RANGE_DASH = re.compile(r"^\s?[–—-]\s?$")


def range_partners(text: str, found: list[Quantity]) -> dict[Quantity, Quantity]:
    """Each end of a range written with a dash ("1–3 cm", "5-10 km") → its other end. Years are left
    out: an end of "1939–1945" is a date in its own right ("the war ended in 1945")."""
    partners: dict[Quantity, Quantity] = {}
    for low, high in pairwise(found):
        if _RANGE_DASH.match(text[low.end : high.start]) and not (_year(low) or _year(high)):
            partners[low], partners[high] = high, low
    return partners


_YEAR = 365.25 * 86400
_SECONDS = {
    "second": 1.0,
    "minute": 60.0,
    "hour": 3600.0,
    "day": 86400.0,
    "week": 7 * 86400.0,
    "fortnight": 14 * 86400.0,
    "month": _YEAR / 12,
    "year": _YEAR,
    "decade": 10 * _YEAR,
    "century": 100 * _YEAR,
    "centuries": 100 * _YEAR,
}
_UNIT_WORD = re.compile(r"[ -]([A-Za-z]+)")


def duration(text: str, quantity: Quantity) -> tuple[float, int, int] | None:
    """A length of time in seconds ("two decades", "48 hours", "18-month"), with the offsets of its
    unit word; None when no unit of time follows the number."""
    unit = _UNIT_WORD.match(text, quantity.end)
    if unit is None:
        return None
    word = unit.group(1).lower()
    seconds = _SECONDS.get(word) or (_SECONDS.get(word[:-1]) if word.endswith("s") else None)
    return None if seconds is None else (quantity.value * seconds, unit.start(1), unit.end(1))


def same_durations(
    claim: str, mine: Sequence[Quantity], source: str, theirs: Sequence[Quantity]
) -> list[tuple[Quantity, Quantity, tuple[int, int], tuple[int, int]]]:
    """The claim's lengths of time that the source gives in another unit ("20 years" for "two
    decades", "two days" for "48 hours"): (claim quantity, source quantity, and each one's unit word
    offsets). The bound must be the same; the unit must differ (the same unit is compared as a number)."""
    found = []
    for q in mine:
        said = duration(claim, q)
        if said is None:
            continue
        for s in theirs:
            stated = duration(source, s)
            if (
                stated is not None
                and q.bound == s.bound
                and abs(said[0] - stated[0]) <= 0.005 * max(said[0], stated[0])
                and claim[said[1] : said[2]].lower().rstrip("s")
                != source[stated[1] : stated[2]].lower().rstrip("s")
            ):
                found.append((q, s, said[1:], stated[1:]))
                break
    return found


def _year(quantity: Quantity) -> bool:
    return not quantity.unit and quantity.value.is_integer() and 1000 <= quantity.value <= 2100
