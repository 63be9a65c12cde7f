"""Money: integer micro-units (a millionth of the currency unit), the limits of an amount, reading an amount an
admin types and showing one. Every layer speaks these; they depend on nothing but the errors."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import InvalidAmount
from .words.common import AMOUNT_SUFFIXES as _SUFFIXES  # currency words after an amount: 10元, 10 USD

MICRO = 1_000_000  # micro-units per currency unit
# Larger amounts are typos, and keeping balances far below 2**63 micro-units keeps SQLite's integer sums exact.
MAX_UNITS = 1_000_000_000
MAX_MICRO = MAX_UNITS * MICRO
MAX_TEXT = 64  # an amount longer than this is not an amount

# Full-width forms a Chinese input method produces, and the Unicode minus, mapped to ASCII.
_FULLWIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "＄": "$",
        "￥": "¥",
        "，": ",",
        "．": ".",
        "＋": "+",
        "－": "-",
        "−": "-",
        "\u00a0": " ",
    }
)
_SYMBOLS = ("$", "¥", "€", "£")
_NUMBER = re.compile(r"(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<frac>[0-9]*))?")


def to_micro(amount: float | int | str | Decimal) -> int:
    """Currency -> integer micro-units, rounding half up, through Decimal so 0.1 stays 100000."""
    value = Decimal(str(amount)) * MICRO
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_micro(micro: int) -> Decimal:
    return Decimal(micro) / MICRO


def money(micro: int, symbol: str, *, exact: bool = False) -> str:
    """Four decimals; six when a non-zero amount would otherwise show as zero, or when `exact` asks for every
    micro-unit (a charge is shown as charged; a balance may be rounded)."""
    sign = "-" if micro < 0 else ""
    value = abs(micro)
    digits = 6 if (0 < value < 100) or (exact and value % 100) else 4
    return f"{sign}{symbol}{value / MICRO:.{digits}f}"


def parse_amount(text: str | int | Decimal, *, allow_negative: bool = False, max_units: int = MAX_UNITS) -> int:
    """An amount of money typed by an admin -> integer micro-units, exactly, or `InvalidAmount`.

    Accepted: `10`, `10.5`, `.5`, `+3`, `-3` (only where a deduction makes sense), a currency sign before or
    after (`$10`, `¥10`, `10元`, `10 USD`), full-width digits, and commas as thousands separators when they
    cannot be a decimal comma: `1,000.25` and `1,000,000` are read, `1,000` and `10,5` are refused, because a
    Spanish reader means 1 and 10.5 by them. Refused: exponents, NaN and infinity, more than six decimals that
    are not zeros (a micro-unit is the smallest amount), and anything above `max_units` currency units.
    Besides text, an int or Decimal is taken as currency units; a float is refused (it is already inexact).
    """
    shown = str(text)[:MAX_TEXT]
    if isinstance(text, bool):
        raise InvalidAmount(text=shown)
    value: Decimal | None
    if isinstance(text, int | Decimal):
        value = Decimal(text)
    elif isinstance(text, str):
        value = _parse_text(text)
    else:
        raise InvalidAmount(text=shown)
    if value is None or not value.is_finite():
        raise InvalidAmount(text=shown)
    micro = value * MICRO
    if micro != micro.to_integral_value() or abs(value) > max_units or (value < 0 and not allow_negative):
        raise InvalidAmount(text=shown)
    return int(micro)


def _parse_text(text: str) -> Decimal | None:
    rest = text.translate(_FULLWIDTH).strip()
    if not rest or len(rest) > MAX_TEXT:
        return None
    rest, sign = _take_sign(rest)
    if rest[:1] in _SYMBOLS:
        rest = rest[1:].lstrip()
    if sign is None:
        rest, sign = _take_sign(rest)
    negative = sign == "-"
    lowered = rest.lower()
    for suffix in (*_SYMBOLS, *_SUFFIXES):
        if lowered.endswith(suffix):
            rest = rest[: -len(suffix)].rstrip()
            break
    match = _NUMBER.fullmatch(rest)
    if not match or not (match["int"] or match["frac"]):
        return None
    whole, frac = match["int"], match["frac"] or ""
    if whole.count(",") == 1 and match["frac"] is None:
        return None  # `1,000`: a thousand in English, one in Spanish
    try:
        value = Decimal(f"{whole.replace(',', '') or '0'}.{frac or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        return None
    return -value if negative else value


def _take_sign(text: str) -> tuple[str, str | None]:
    if text[:1] in ("+", "-"):
        return text[1:].lstrip(), text[0]
    return text, None
