"""The line under a reply: the low-balance warning (when it shows, what it says, which valves silence it)."""

from __future__ import annotations

import datetime as dt

import pytest

from plugin.domain.billing import Settlement
from plugin.domain.pricing import Price
from plugin.domain.tokens import Usage
from plugin.functions.filter import Filter
from plugin.ui import notice
from plugin.words import i18n

REFILL = dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()


def settled(balance: int, *, charged: int = 960, next_refill: float | None = None) -> Settlement:
    return Settlement(
        usage=Usage(11, 5),
        price=Price(60_000_000, 60_000_000, "default"),
        cost=charged or 960,
        charged=charged,
        balance=balance,
        elapsed=None,
        next_refill=next_refill,
    )


def line(settlement: Settlement, lang: str = "en", mine: object = None, **valves: object) -> str:
    return notice.under_reply(settlement, lang, Filter.Valves(**{"low_balance_warning": 0.5, **valves}), mine)


def test_a_charged_reply_leaving_the_balance_under_the_threshold_warns_first_on_the_same_line() -> None:
    """First: Open WebUI clamps a status to one line, so the end of a long notice may not show."""
    warning = "⚠ Low balance — redeem a code: /redeem CODE in Usage Monitor"
    assert line(settled(499_999)) == warning + " | Tokens: 11+5 | Cost: $0.000960 | Balance: $0.5000"


def test_the_threshold_itself_is_not_under_it() -> None:
    """Compared in micro-units: a balance of exactly the valve's amount (0.5, read as 500000) is not low."""
    assert "Low balance" not in line(settled(500_000))
    assert "Low balance" in line(settled(499_999))


def test_a_threshold_of_a_tenth_is_read_exactly() -> None:
    """0.1 is not exactly representable as a float; read through the money helpers it is 100000 micro-units."""
    assert "Low balance" not in line(settled(100_000), low_balance_warning=0.1)
    assert "Low balance" in line(settled(99_999), low_balance_warning=0.1)


def test_the_warning_names_the_next_refill_when_the_user_has_an_allowance() -> None:
    text = line(settled(10_000, next_refill=REFILL))
    assert text.startswith("⚠ Low balance — next refill 2026-12-01 00:00 UTC | ")
    assert text.endswith(" | Next refill: 2026-12-01 00:00 UTC")


def test_a_negative_balance_warns_too() -> None:
    assert "Low balance" in line(settled(-5))


@pytest.mark.parametrize(
    ("why", "settlement", "valves", "mine"),
    [
        ("valve 0", settled(0), {"low_balance_warning": 0}, None),
        ("the user silenced it", settled(0), {}, Filter.UserValves(low_balance_warning=False)),
        ("an exempt admin (charged nothing)", settled(0, charged=0), {}, None),
        ("tracking only (the balance refuses no one)", settled(0), {"tracking_only": True}, None),
    ],
)
def test_no_warning(why: str, settlement: Settlement, valves: dict, mine: object) -> None:
    assert "⚠" not in line(settlement, mine=mine, **valves), why


def test_the_users_other_settings_keep_it_on() -> None:
    mine = Filter.UserValves(show_balance=False, show_tokens=False)
    assert line(settled(0), mine=mine) == (
        "⚠ Low balance — redeem a code: /redeem CODE in Usage Monitor | Cost: $0.000960"
    )


def test_it_shows_when_the_admin_hides_the_balance() -> None:
    text = line(settled(0, next_refill=REFILL), show_balance=False, show_tokens=False, show_cost=False)
    assert text == "⚠ Low balance — next refill 2026-12-01 00:00 UTC"


@pytest.mark.parametrize(
    ("lang", "redeem", "refill"),
    [
        (
            "zh",
            "⚠ 余额偏低 — 兑换充值码：在 Usage Monitor 中发送 /redeem 兑换码",
            "⚠ 余额偏低 — 下次补充 2026-12-01 00:00 UTC",
        ),
        (
            "es",
            "⚠ Saldo bajo — canjee un código: /redeem CÓDIGO en Usage Monitor",
            "⚠ Saldo bajo — próxima recarga 2026-12-01 00:00 UTC",
        ),
    ],
)
def test_the_warning_in_chinese_and_spanish(lang: str, redeem: str, refill: str) -> None:
    assert line(settled(0), lang).startswith(redeem + " | ")
    assert line(settled(0, next_refill=REFILL), lang).startswith(refill + " | ")
    assert i18n.t(lang, "low_balance_redeem") == redeem
