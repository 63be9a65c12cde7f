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

MAX_DAYS = 36_600  # a hundred years: anything longer is a typo, not a report


@dataclass(frozen=True)
class Range:
    """[start, end) in epoch seconds (None = unbounded); `key` names it for titles, `first`/`last` its days."""

    key: str  # today, yesterday, week, last_week, month, last_month, days, all, custom
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


def _either(words: Iterable[str]) -> str:
    """A regex alternation of `words`, the longest first (so "la semana pasada" wins over "semana")."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


# A count of days or weeks: "7d", "last 7 days", "最近3天", "últimos 10 días", "2w" (the words are the languages').
_COUNT = (
    rf"(?:(?:{_either(_COUNTED['last'])})\s*)?(\d{{1,6}})\s*"
    rf"(?:(?P<days>{_either(_COUNTED['days'])})|(?P<weeks>{_either(_COUNTED['weeks'])}))"
)
_COUNTED_RANGE = re.compile(rf"^{_COUNT}$", re.IGNORECASE)
_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_SPAN = re.compile(rf"^{_DATE}\s*(?:\.\.|~|to|至|到|al?|hasta|-)\s*{_DATE}$", re.IGNORECASE)
_ONE_DAY = re.compile(rf"^{_DATE}$")
# Inside a sentence, a Latin-script phrase must stand as whole words ("day" is not in "yesterday"); Chinese needs
# no spaces ("我这周花了多少").
_LETTER = r"a-z0-9áéíóúñü"
_IN_TEXT = re.compile(
    rf"(?<![{_LETTER}])(?:{_DATE}(?:\s*(?:\.\.|~|至|到)\s*|\s+(?:to|al?|hasta)\s+){_DATE}|{_DATE}|{_COUNT}"
    rf"|{_either(_WORD_TO_KEY)})(?![{_LETTER}])",
    re.IGNORECASE,
)


def find(text: str) -> tuple[int, int] | None:
    """Where a sentence names a range ("how much did I spend last week", "过去10天", "la semana pasada"): the
    [start, end) of its longest range phrase (the first of equals), which `parse` reads; None when it names none."""
    best: tuple[int, int] | None = None
    for match in _IN_TEXT.finditer(text[:4_000]):
        if best is None or match.end() - match.start() > best[1] - best[0]:
            best = match.span()
    return best


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
        count = int(match.group(1)) * (7 if match.group("weeks") else 1)
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
