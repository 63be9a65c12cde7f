"""The bundled price catalogue (`catalogue_data`, trimmed from LiteLLM's public price file) and how Open WebUI
model ids find their entry in it.

A charge only ever uses an exact id (then the same in any case) or a normalised one (case, provider prefixes
such as `openai/` or `openrouter/anthropic/`, tags such as `:latest` / `:free`, `-latest`, date suffixes, `4.5`
written `4-5`), and a normalised id that several entries with different prices share prices nothing: never a
guess. Near misses (`near`) are for the admin's preview only, to accept explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ..money import to_micro
from . import catalogue_data
from .pricing import Price

# `:free` is not among the tags: a free variant is another price, never the paid model's.
_TAG = re.compile(r":(latest|beta|nitro|floor|extended|thinking|online|exacto)$")
_DATE = re.compile(r"(@\d{8}|-\d{4}-\d{2}-\d{2}|-\d{8}|-latest)$")
_VERSION_DOT = re.compile(r"(?<=\d)\.(?=\d)")
NEAR_CUTOFF = 0.75
NEAR_COUNT = 3
PRICE_CACHE = 4096  # model ids remembered; an id is a few dozen bytes


def bare(model_id: str) -> str:
    """The id without its provider path and tag, dates kept: `openai/gpt-4o-2024-05-13:beta` -> `gpt-4o-2024-05-13`."""
    return _TAG.sub("", str(model_id).strip().casefold().rsplit("/", 1)[-1])


def normalise(model_id: str) -> str:
    """The form both sides are compared in: `OpenRouter/anthropic/Claude-Sonnet-4.5:beta` -> `claude-sonnet-4-5`."""
    return _VERSION_DOT.sub("-", _DATE.sub("", bare(model_id)))


def _names_a_model(key: str) -> bool:
    """A normalised id that still looks like a model name (a digit or a hyphen), not a bare word such as `chat`
    (what `chat-latest` would become): bare words are matched exactly or not at all."""
    return any(c.isdigit() for c in key) or "-" in key


@dataclass(frozen=True)
class Entry:
    """One catalogue model: micro-units per 1M tokens, and per request; None where LiteLLM gives no rate."""

    id: str
    input: int
    output: int
    cached_input: int | None = None
    reasoning: int | None = None
    per_request: int | None = None

    def rates(self) -> tuple[int, int, int | None, int | None, int | None]:
        return (self.input, self.output, self.cached_input, self.reasoning, self.per_request)

    def price(self, source: str = "catalogue") -> Price:
        return Price(
            input=self.input,
            output=self.output,
            cached_input=self.cached_input,
            reasoning=self.reasoning,
            per_request=self.per_request,
            source=source,
        )


def _amount(word: str) -> int | None:
    return None if word == "-" else to_micro(Decimal(word))


def parse(table: str) -> list[Entry]:
    """The data module's text: one `id input output cached reasoning per-request` line per model, currency
    per 1M tokens (per request for the last), `-` for a rate not given."""
    entries = []
    for line in table.splitlines():
        words = line.split()
        if len(words) != 6:
            continue
        model_id, rates = words[0], [_amount(w) for w in words[1:]]
        if rates[0] is None or rates[1] is None:
            continue
        entries.append(Entry(model_id, rates[0], rates[1], rates[2], rates[3], rates[4]))
    return entries


class Catalogue:
    """Entries by exact id, and by normalised id where that names one price (None marks a clash)."""

    def __init__(self, entries: list[Entry], source: str = "", date: str = "") -> None:
        self.entries = {e.id: e for e in entries}
        self.source, self.date = source, date
        folded: dict[str, list[Entry]] = {}
        for entry in entries:
            folded.setdefault(entry.id.casefold(), []).append(entry)
        self.folded = {key: group[0] for key, group in folded.items() if len(group) == 1}
        groups: dict[str, list[Entry]] = {}
        for entry in entries:
            groups.setdefault(normalise(entry.id), []).append(entry)
        self._prices: dict[str, Price | None] = {}
        self.normalised: dict[str, Entry | None] = {}  # for ids that carry no date
        self.agreeing: dict[str, Entry | None] = {}  # for dated ids: only where every dated twin has one price
        for key, group in groups.items():
            if not _names_a_model(key):
                continue
            own = [e for e in group if e.id.casefold() == key]
            if len({e.rates() for e in group}) == 1:
                self.normalised[key] = self.agreeing[key] = min(group, key=lambda e: (len(e.id), e.id))
            else:
                # Several prices: an undated id is the plain model's (if the catalogue names it); a dated id not in
                # the catalogue could be any of them, so it is not priced: never a guess.
                self.normalised[key] = own[0] if len(own) == 1 else None
                self.agreeing[key] = None

    def exact(self, model_id: str) -> Entry | None:
        """The entry this very id names, in any case (an admin accepting a near miss names one exactly)."""
        return self.entries.get(model_id) or self.folded.get(str(model_id).strip().casefold())

    def match(self, model_id: str) -> Entry | None:
        """The entry an exact or normalised id names; None when none does (or it is ambiguous)."""
        if not model_id:
            return None
        if (exact := self.exact(model_id)) is not None:
            return exact
        plain = bare(model_id)  # `openai/gpt-4o-2024-05-13` is the catalogue's `gpt-4o-2024-05-13`, dates and all
        if (entry := self.folded.get(plain)) is not None:
            return entry
        key = normalise(model_id)
        return (self.agreeing if _DATE.search(plain) else self.normalised).get(key)

    def price(self, model_id: str) -> Price | None:
        """The charge's lookup: this catalogue's price for `model_id`, remembered per id (ids are few)."""
        if model_id not in self._prices:
            if len(self._prices) >= PRICE_CACHE:
                self._prices.clear()
            entry = self.match(model_id)
            self._prices[model_id] = entry.price() if entry is not None else None
        return self._prices[model_id]

    def near(self, model_id: str) -> list[Entry]:
        """Entries whose normalised id looks like this one's: suggestions for an admin, never a charge."""
        import difflib  # admins' previews only: the filter never loads it

        key = normalise(model_id)
        keys = difflib.get_close_matches(key, list(self.normalised), n=NEAR_COUNT * 2, cutoff=NEAR_CUTOFF)
        found: list[Entry] = []
        for near_key in keys:
            group = [e for e in self.entries.values() if normalise(e.id) == near_key]
            found.extend(sorted(group, key=lambda e: (len(e.id), e.id))[:1] if near_key != key else group)
        return found[:NEAR_COUNT]


@lru_cache(maxsize=1)
def bundled() -> Catalogue:
    """The catalogue shipped with this version, parsed once per process."""
    return Catalogue(parse(catalogue_data.TABLE), catalogue_data.SOURCE, catalogue_data.DATE)


def price_for(model_id: str) -> Price | None:
    """The filter's lookup, once per chat: the bundled catalogue's price for `model_id`."""
    return bundled().price(model_id)
