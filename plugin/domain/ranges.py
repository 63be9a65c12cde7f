"""Time ranges for reports: `today`, `week`, `month`, `7d`, `all`, `2026-11-01..2026-11-28`, in en / zh / es.

Days are calendar days in one time zone (a valve; default the server's), because "today" means the reader's
today, not UTC's. A range is [start, end) in epoch seconds; `all` has no bounds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InvalidRange
from ..words.vocabulary import RANGE_COUNT_WORDS as _COUNTED  # "last", days and weeks, all languages at once
from ..words.vocabulary import RANGE_NAMES as _NAMED  # the words for each named range, all languages at once
from ..words.vocabulary import RANGE_NUMBERS as _NUMBERS  # the words for the numbers of a count, all languages

MAX_DAYS = 36_600  # a hundred years: anything longer is a typo, not a report


@dataclass(frozen=True)
class Range:
    """[start, end) in epoch seconds (None = unbounded); `key` names it for titles, `first`/`last` its days."""

    key: str  # today, yesterday, day_before, week, last_week, month, last_month, days, all, custom
    start: float | None
    end: float | None
    first: date | None = None
    last: date | None = None  # inclusive
    days: int = 0  # for key == "days"

    def contains(self, ts: float) -> bool:
        return (self.start is None or ts >= self.start) and (self.end is None or ts < self.end)


def zone(name: str | None) -> tzinfo | None:
    """An IANA zone from a valve; empty means the server's local zone (None). Unknown names are an error."""
    name = (name or "").strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidRange(text=name) from exc


def _midnight(day: date, tz: tzinfo | None) -> float:
    moment = datetime(day.year, day.month, day.day, tzinfo=tz)
    return moment.timestamp() if tz is not None else moment.astimezone().timestamp()


def today(now: float, tz: tzinfo | None) -> date:
    return datetime.fromtimestamp(now, tz).date()


def between(first: date, last: date, tz: tzinfo | None, key: str = "custom", days: int = 0) -> Range:
    if last < first:
        first, last = last, first
    if (last - first).days > MAX_DAYS:
        raise InvalidRange(text=f"{first}..{last}")
    return Range(key, _midnight(first, tz), _midnight(last + timedelta(days=1), tz), first=first, last=last, days=days)


_WORD_TO_KEY = {word: key for key, words in _NAMED.items() for word in words}
_NUMBER_WORDS = {word: int(digits) for digits, words in _NUMBERS.items() for word in words}  # "two", "dos", "两"


# Inside a sentence, a Latin-script word must stand whole ("day" is not in "yesterday", "4o" is no count of days);
# Chinese needs no spaces, not even after a model's name ("gpt-4o上个月花了多少").
_LETTER = r"a-z0-9áéíóúñü"
_IS_LETTER = re.compile(rf"[{_LETTER}]", re.IGNORECASE)


def whole(words: Iterable[str], *, start: bool = True, end: bool = True) -> str:
    """A regex alternation of `words`, the longest first (so "la semana pasada" wins over "semana"), each bounded
    where it begins (if `start`) or ends (if `end`) with a Latin letter or a digit, and only there."""
    bounded = []
    for word in sorted(set(words), key=len, reverse=True):
        before = rf"(?<![{_LETTER}])" if start and _IS_LETTER.match(word[:1]) else ""
        after = rf"(?![{_LETTER}])" if end and _IS_LETTER.match(word[-1:]) else ""
        bounded.append(f"{before}{re.escape(word)}{after}")
    return "|".join(bounded)


# A count of days or weeks: "7d", "last 7 days", "最近3天", "últimos 10 días", "2w", "last two weeks", "最近三天"
# (the words are the languages'); a number with no word before it stands apart from a Latin word ("llama3天"), and
# the words around a number may touch it ("last7d").
_COUNT = (
    rf"(?:(?:{whole(_COUNTED['last'], end=False)})\s*|(?<![{_LETTER}]))(\d{{1,6}}|{whole(_NUMBER_WORDS)})\s*"
    rf"(?:(?P<days>{whole(_COUNTED['days'], start=False)})|(?P<weeks>{whole(_COUNTED['weeks'], start=False)}))"
)
_COUNTED_RANGE = re.compile(rf"^{_COUNT}$", re.IGNORECASE)
_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_SPAN = re.compile(rf"^{_DATE}\s*(?:\.\.|~|to|至|到|al?|hasta|-)\s*{_DATE}$", re.IGNORECASE)
_ONE_DAY = re.compile(rf"^{_DATE}$")
_IN_TEXT = re.compile(
    rf"(?<![{_LETTER}])(?:{_DATE}(?:\s*(?:\.\.|~|至|到)\s*|\s+(?:to|al?|hasta)\s+){_DATE}|{_DATE})(?![{_LETTER}])"
    rf"|{_COUNT}|{whole(_WORD_TO_KEY)}",
    re.IGNORECASE,
)


def find(text: str) -> tuple[int, int] | None:
    """Where a sentence names a range ("how much did I spend last week", "过去10天", "la semana pasada"): the
    [start, end) of its longest range phrase (the first of equals), which `parse` reads; None when it names none.
    A range of its own beats all time, however long its words: "total spend today" asks for today's total."""
    best: tuple[bool, int, int] | None = None
    for match in _IN_TEXT.finditer(text[:4_000]):
        found = (_WORD_TO_KEY.get(match.group(0).lower()) != "all", match.end() - match.start(), -match.start())
        if best is None or found > best:
            best = found
    return (-best[2], -best[2] + best[1]) if best else None


def _date(y: str, m: str, d: str, text: str) -> date:
    try:
        return date(int(y), int(m), int(d))
    except ValueError as exc:
        raise InvalidRange(text=text) from exc


def parse(text: str | None, *, now: float, tz: tzinfo | None, default: str = "30d") -> Range:
    """Read a range as people type it; raise InvalidRange (translated by the caller) for anything else."""
    raw = " ".join((text or "").split())
    phrase = raw.lower().strip(" .,;:!?。，！？")
    if not phrase:
        phrase = default
    key = _WORD_TO_KEY.get(phrase)
    day = today(now, tz)
    if key == "today":
        return between(day, day, tz, "today")
    if key == "yesterday":
        return between(day - timedelta(days=1), day - timedelta(days=1), tz, "yesterday")
    if key == "day_before":
        return between(day - timedelta(days=2), day - timedelta(days=2), tz, "day_before")
    if key == "week":
        return between(day - timedelta(days=day.weekday()), day, tz, "week")
    if key == "month":
        return between(day.replace(day=1), day, tz, "month")
    if key == "last_week":
        monday = day - timedelta(days=day.weekday() + 7)
        return between(monday, monday + timedelta(days=6), tz, "last_week")
    if key == "last_month":
        last = day.replace(day=1) - timedelta(days=1)
        return between(last.replace(day=1), last, tz, "last_month")
    if key == "all":
        return Range("all", None, None)
    match = _COUNTED_RANGE.match(phrase)
    if match:
        said = match.group(1)
        count = (int(said) if said.isdigit() else _NUMBER_WORDS[said]) * (7 if match.group("weeks") else 1)
        if not 1 <= count <= MAX_DAYS:
            raise InvalidRange(text=raw)
        return between(day - timedelta(days=count - 1), day, tz, "days", days=count)
    match = _SPAN.match(phrase)
    if match:
        first = _date(match[1], match[2], match[3], raw)
        last = _date(match[4], match[5], match[6], raw)
        return between(first, last, tz)
    match = _ONE_DAY.match(phrase)
    if match:
        single = _date(match[1], match[2], match[3], raw)
        return between(single, single, tz)
    raise InvalidRange(text=raw)
