"""Amounts an admin types (`plugin/money.py`): what is read, what is refused, and exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from people import SQL

from plugin import money
from plugin.errors import InvalidAmount
from plugin.money import parse_amount

# -- amounts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "micro"),
    [
        ("10", 10_000_000),
        ("10.5", 10_500_000),
        (".5", 500_000),
        ("10.", 10_000_000),
        ("$10", 10_000_000),
        ("¥10", 10_000_000),
        ("￥１０．５", 10_500_000),  # full-width, as a Chinese input method types it
        ("10元", 10_000_000),
        ("10 USD", 10_000_000),
        ("€ 0.000001", 1),
        ("1,000.25", 1_000_250_000),
        ("1,000,000", 1_000_000_000_000),
        ("0.1000000", 100_000),  # trailing zeros beyond six places are still exact
        ("+3", 3_000_000),
        ("  7  ", 7_000_000),
        ("007", 7_000_000),
        ("1000000000", money.MAX_MICRO),
        (5, 5_000_000),
        (Decimal("2.25"), 2_250_000),
    ],
)
def test_amounts_that_are_read(text, micro: int) -> None:
    assert parse_amount(text) == micro


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "$",
        ".",
        "abc",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1e309",
        "1e3",
        "1E-3",
        "0x10",
        "1_000",
        "1,000",  # a thousand, or one in Spanish: refused rather than guessed
        "10,5",
        "1,00",
        "1.2.3",
        "1.0000001",  # below a micro-unit
        "1000000000.000001",  # above the cap
        "9" * 40,
        "9" * 5000,
        "-5",  # negative where not meaningful
        "$-5",
        "--5",
        "5-",
        "¥¥5",
        "٣",  # Arabic-Indic digit: not what an admin of this tool types
        SQL,
        "10; DROP TABLE users",
        True,
        1.5,
        None,
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-1"),
        10**30,
    ],
)
def test_amounts_that_are_refused(text) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text)
    assert len(caught.value.params["text"]) <= money.MAX_TEXT  # a huge input is not echoed whole


def test_negative_amounts_only_where_asked() -> None:
    assert parse_amount("-5", allow_negative=True) == -5_000_000
    assert parse_amount("-$5", allow_negative=True) == -5_000_000
    assert parse_amount("$-5.5", allow_negative=True) == -5_500_000
    assert parse_amount("−2", allow_negative=True) == -2_000_000  # the Unicode minus sign
    assert parse_amount("-0", allow_negative=False) == 0
    with pytest.raises(InvalidAmount):
        parse_amount("-1000000001", allow_negative=True)
