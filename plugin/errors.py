"""Errors a user may see. Each carries an i18n key and its parameters; the front-end translates it.

Anything else that goes wrong becomes a short generic message for the user and a full log line for the admin.
"""

from __future__ import annotations

from typing import Any

from .words import i18n


class MonitorError(Exception):
    key = "error_generic"

    def __init__(self, **params: Any) -> None:
        super().__init__(self.key, params)
        self.params = params

    def message(self, language: str) -> str:
        return i18n.t(language, self.key, **self.params)


class StoreUnavailable(MonitorError):
    """The database cannot be written (locked past the busy timeout, read-only, deleted): chats are refused."""

    key = "db_unavailable"


class UserBlocked(MonitorError):
    key = "user_blocked"


class InsufficientBalance(MonitorError):
    """Params: balance and needed, already formatted as money."""

    key = "insufficient_balance"


class EmptyBalance(MonitorError):
    """Params: balance, already formatted as money: nothing is left and nothing more than a positive balance is
    needed (a request that holds nothing)."""

    key = "empty_balance"


class ReplyInProgress(MonitorError):
    """A round of this message is still pending (a Continue or a duplicate while the reply is being written)."""

    key = "reply_in_progress"


class MessageNotYours(MonitorError):
    """The request names a message another user's request was admitted for."""

    key = "message_not_yours"


class MisconfiguredValve(MonitorError):
    """Params: valve (its name)."""

    key = "misconfigured_valve"


class InvalidRange(MonitorError):
    """Params: text (what was typed)."""

    key = "invalid_range"


class AdminOnly(MonitorError):
    key = "admin_only"


class UnknownUser(MonitorError):
    """Params: query."""

    key = "unknown_user"


class AmbiguousUser(MonitorError):
    """Params: query, candidates (already formatted, one per line)."""

    key = "ambiguous_user"


class InvalidAmount(MonitorError):
    """Params: text."""

    key = "invalid_amount"


class UnknownModel(MonitorError):
    """Params: model."""

    key = "unknown_model"


class InvalidImport(MonitorError):
    """Params: reason (short, already in the reader's terms)."""

    key = "invalid_import"


class NegativeBalance(MonitorError):
    """Params: user, balance, amount (formatted as money): a deduction larger than the balance is refused."""

    key = "negative_balance"


class UnknownCatalogueEntry(MonitorError):
    """Params: entry: an id the bundled price catalogue does not hold."""

    key = "unknown_catalogue_entry"


class NoAdminPrice(MonitorError):
    """Params: model: a copy whose source has no administrator price."""

    key = "no_admin_price"


class InvalidSort(MonitorError):
    """Params: text (what was asked for), choices (the accepted words, comma-separated)."""

    key = "invalid_sort"


class InvalidBudget(MonitorError):
    """Params: text (what was typed after /budget)."""

    key = "invalid_budget"


class UnknownGroup(MonitorError):
    """Params: query."""

    key = "unknown_group"


class AmbiguousGroup(MonitorError):
    """Params: query, candidates (already formatted, one per line)."""

    key = "ambiguous_group"
