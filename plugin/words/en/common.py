"""What every Function may say in English, the Filter included: refusals, the status line, input errors.

Only these reach the Filter's generated file (Open WebUI re-reads it on every chat); the report model's and the
buttons' messages are in `reports`. Every language has the same keys and the same {placeholders}."""

MESSAGES: dict[str, str] = {
    "invalid_range": (
        "I can't read the time range “{text}”. Try today, week, month, 7d, all or 2026-11-01..2026-11-28."
    ),
    "admin_only": "That command is for administrators. Here is your own usage instead.",
    "unknown_user": "No user matches “{query}”.",
    "ambiguous_user": "“{query}” matches several users; say which one by email:\n{candidates}",
    "invalid_amount": "“{text}” is not a valid amount.",
    "unknown_model": "No model matches “{model}”.",
    "invalid_import": "Nothing was imported: {reason}",
    "tokens": "Tokens: {input}+{output}",
    "estimated": " (est.)",
    "stopped_notice": "Stopped: {notice}",
    "cost": "Cost: {amount}",
    "balance": "Balance: {amount}",
    "time": "Time: {seconds}s",
    "speed": "{rate} T/s",
    "low_balance_refill": "⚠ Low balance — next refill {when}",
    "low_balance_redeem": "⚠ Low balance — redeem a code: /redeem CODE in Usage Monitor",
    "insufficient_balance": (
        "Insufficient balance: this reply needs up to {needed} set aside to start, and your balance is {balance}."
        " Unused, it is given back when the reply ends. Please ask an administrator to top up your account."
    ),
    "empty_balance": (
        "Insufficient balance: your balance is used up ({balance}). Please ask an administrator to top up your account."
    ),
    "user_blocked": "Your account is blocked from chatting. Please contact an administrator.",
    "reply_in_progress": "This reply is still being written. Please wait a moment, then try again.",
    "message_not_yours": "This message belongs to another conversation. Please start a new chat.",
    "misconfigured_valve": "Billing is misconfigured ({valve}). Please tell an administrator.",
    "error_generic": "Billing is unavailable right now. Please try again or contact an administrator.",
    "billing_failed": "Usage for this reply could not be recorded; the administrator can see why in the logs.",
    "db_unavailable": "Billing is paused: the usage database cannot be written right now, so nothing was sent."
    " Please try again in a moment or tell an administrator.",
    # budgets
    "next_refill": "Next refill: {when}",
    "code_in_chat": (
        "That looks like a redemption code, so it was not sent to the model. Redeem it in the Usage Monitor model:"
        " /redeem CODE."
    ),
    "refusal_redeem": "Or redeem a code: /redeem CODE in Usage Monitor.",
    "refusal_next_refill": "Your allowance refills at {when}.",
    "release_unbilled": "Not billed: OpenWebUI Monitor bills nothing on Open WebUI {version}, which lets the browser"
    " write the usage it is charged for. Upgrade Open WebUI to {oldest} or later.",
    "not_recorded": "Not recorded: the usage database was unavailable, so this reply was not billed.",
    "invalid_budget": "I can't read the budget “{text}”. Try `/budget group NAME init 5`, "
    "`/budget group NAME daily reset 1`, `/budget user EMAIL weekly add 2` or `/budget clear group NAME`.",
    "unknown_group": "No Open WebUI group matches “{query}”.",
    "ambiguous_group": "“{query}” matches several groups; use the group's id:\n{candidates}",
    # reports
    "invalid_sort": "I can't sort by “{text}”. Try one of: {choices}.",
    "negative_balance": (
        "Nothing changed: deducting {amount} would leave {user} with a negative balance (it is {balance})."
    ),
    "no_admin_price": "{model} has no price set by an administrator, so there is nothing to copy.",
    "unknown_catalogue_entry": "{entry} is not in the price catalogue.",
}

# Words written after an amount for its currency ("10元", "10 USD"); the symbols ($, ¥, €, £) are in money.py.
AMOUNT_SUFFIXES: tuple[str, ...] = ("usd", "cny", "rmb", "eur")
