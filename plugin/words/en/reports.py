"""What the report model and the buttons say in English, and the words people type to them.

Loaded by the front-ends that speak them (the pipe, the action, the command line) with `i18n.load(REPORTS)`;
the typed words are joined over every language by `words/vocabulary.py` (a reader's language never limits
what they may type). The Filter carries neither: its words are `common.py`'s.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # commands
    "prices_synced": "Pinned the connection-reported prices of {count} models as admin prices: {models}.",
    "prices_synced_none": "Every connection-reported price already matches the admin prices; nothing changed.",
    "prices_sync_preview": "Would pin connection-reported prices for: {models}. Send `/price sync apply` to do it.",
    "confirm_sync": "Pin the connection-reported prices as admin prices for: {models}?",
    "import_needs_one": "attach one JSON file, or paste the JSON in a ```json block below /import.",
    "chat_title": "Usage Monitor",
    "help_intro": "I am the **Usage Monitor**. Ask me about your usage; ranges: `today`, `week`, `month`, "
    "`last week`, `7d`, `all`, `2026-11-01..2026-11-28`.",
    "help_unknown": "I didn't understand “{text}”.",
    "help_closest": "Closest commands: {commands}.",
    "help_examples": "Or just ask, for example: “how much did I spend this week?”, “how many tokens did I use "
    "yesterday on gpt-4o?”, “what is my balance?”",
    "answer_cost": "{range}: you spent {cost} on {replies} ({tokens} tokens).",
    "answer_cost_model": "{range}: you spent {cost} on {model}, in {replies} ({tokens} tokens).",
    "answer_tokens": "{range}: you used {tokens} tokens (input {input}, output {output}) in {replies}, {cost}.",
    "answer_tokens_model": (
        "{range}: you used {tokens} tokens on {model} (input {input}, output {output}) in {replies}, {cost}."
    ),
    "answer_calls": "{range}: you got {replies} ({tokens} tokens, {cost}).",
    "answer_calls_model": "{range}: you got {replies} from {model} ({tokens} tokens, {cost}).",
    "replies_one": "{count} reply",
    "replies": "{count} replies",
    "answer_balance": "Your balance is {balance}.",
    "question_no_model": "No model is called “{model}”, so these numbers are of all your models.",
    "assistant_failed": "The assistant could not answer: {reason}",
    "assistant_missing": "there is no model “{model}” (the admin's assistant_model setting).",
    "assistant_itself": "“{model}” is the Usage Monitor itself; the assistant must be another model.",
    "assistant_working": "Looking it up with {model}… ({round})",
    "assistant_timeout": "it took longer than {seconds} seconds.",
    "assistant_error": "the model failed ({detail}).",
    "assistant_error_hidden": "the model failed (the admin can see why in Open WebUI's log).",
    "assistant_rounds": "it was still looking things up after {rounds} rounds.",
    "assistant_refused": "{reason}",
    "assistant_language": "English",
    "assistant_no_words": "The assistant gave no words; here is what it looked up.",
    "assistant_footer": "Answered by {model} · {tokens} tokens · {cost}",
    "assistant_footer_free": "Answered by {model} · {tokens} tokens · {cost}, not charged",
    # Redemption codes (issue 20)
    "code_not_a_code": "“{text}” is not a code: codes look like OWM-XXXX-XXXX-XXXX.",
    "code_unknown": "There is no code {code}: check it and try again.",
    "code_used": "The code {code} has already been used.",
    "code_yours_already": "You have already redeemed the code {code}.",
    "code_revoked": "The code {code} was revoked by an administrator.",
    "code_expired": "The code {code} has expired.",
    "code_too_many_guesses": "Too many wrong codes: try again in {minutes} min.",
    "code_invalid_count": "{count}: mint between 1 and {most} codes at a time.",
    "code_bad_expiry": "{text} is not a day to come: write expires:YYYY-MM-DD.",
    "code_balance_full": "The code {code} would take your balance past the largest amount kept; ask an administrator.",
    "code_redeemed": "Code {code} redeemed: {amount} added. Your balance is {balance}.",
    "redeem_usage": "Redeem a code with `/redeem OWM-XXXX-XXXX-XXXX`.",
    "codes_minted": "**{count} new codes worth {amount} each**",
    "codes_minted_one": "**{count} new code worth {amount}**",
    "codes_valid_through": "valid through {date}",
    "codes_with_note": "note: {note}",
    "codes_shown_once": "These codes are shown only now (only their last group is kept): hand them out or keep {link}.",
    "codes_mint_usage": "Mint codes with `/codes mint AMOUNT [count:N] [expires:YYYY-MM-DD] [note:TEXT]`.",
    "codes_revoke_usage": "Revoke a code with `/codes revoke CODE`, or a batch with `/codes revoke note:TEXT`.",
    "codes_revoke_none": "No code and no note matches {target}.",
    "codes_revoke_nothing_open": "Nothing to revoke: those codes were already redeemed or revoked.",
    "codes_revoked": "Revoked {count} of {found} codes.",
    "codes_shown_once_no_file": "These codes are shown only now, and their file could not be saved: copy them now.",
    "confirm_mint_one": "Mint {count} code worth {amount}?",
    "codes_revoked_one": "Revoked {count} of {found} code.",
    "codes_title": "Redemption codes · {total}",
    "codes_title_search": "Redemption codes matching {search} · {total}",
    "codes_none": "No codes. Mint some with `/codes mint 5 count:10`.",
    "codes_page": "Page {page} of {pages} · {total} codes",
    "codes_page_one": "Page {page} of {pages} · {total} code",
    "codes_guessers_title": "Wrong codes in the last {minutes} minutes",
    "codes_guesser": "{user}: {count} wrong, last at {when}",
    "codes_guesser_locked": "{user}: {count} wrong, last at {when}, told to wait",
    "code_status_open": "open",
    "code_status_redeemed": "redeemed",
    "code_status_revoked": "revoked",
    "code_status_expired": "expired",
    "col_code": "Code",
    "col_amount": "Amount",
    "col_note": "Note",
    "col_expires": "Valid through",
    "col_redeemed_by": "Redeemed by",
    "col_redeemed_at": "Redeemed at",
    "codes_button_prompt": (
        "Mint codes: the amount of each, then options, for example 5 count:10 expires:2027-01-31 note:spring"
    ),
    "confirm_mint": "Mint {count} codes worth {amount} each?",
    "range_last_week": "Last week ({first} – {last})",
    "range_last_month": "Last month ({first} – {last})",
    "help_user": (
        "| Command | What it shows |\n|---|---|\n"
        "| `/usage [range]` | your balance, spend and tokens, by model and by day, with charts |\n"
        "| `/models [range]` | your spend per model |\n"
        "| `/days [range]` | your spend per day |\n"
        "| `/records [range] [sort:time/cost/tokens/balance] [asc] [page:N]` | your latest replies |\n"
        "| `/balance` | your balance |\n"
        "| `/redeem CODE` | add a redemption code's credit to your balance |\n"
        "| `/statement [YYYY-MM]` | your monthly statement: opening balance, top-ups, refills, spend per model, "
        "closing balance, with a CSV (admins: `/statement USER YYYY-MM`) |\n"
        "| `/console` | the console: a page to click through your usage (admins: users, prices, everyone's usage) |\n"
        "| `/help` | this list |"
    ),
    "help_admin": (
        "**Administrators**\n\n| Command | What it does |\n|---|---|\n"
        "| `/top [range] [by calls]` | report card, model share, user ranking |\n"
        "| `/records [range] user:NAME model:ID sort:cost` | everyone's records, filtered |\n"
        "| `/users [search]` | users with balance, spend and blocked flag |\n"
        "| `/balance set USER AMOUNT`, `/balance add USER AMOUNT` | set or top up a balance |\n"
        "| `/block USER`, `/unblock USER` | stop or allow a user's chats |\n"
        "| `/prices` | every model's price and where it comes from |\n"
        "| `/test MODEL`, `/test all` | ask one model, or every model, a tiny prompt (never billed) |\n"
        "| `/price set MODEL IN OUT [msg:X] [cached:Y]` | prices per 1M tokens (or per message) |\n"
        "| `/price clear MODEL`, `/price copy FROM TO`, `/price inherit` | clear, copy, inherit base-model "
        "prices |\n"
        "| `/price sync [apply]` | preview, then pin the prices connections report as admin prices |\n"
        "| `/price catalogue [apply]`, `/price accept MODEL ID` | preview, then pin the bundled catalogue's "
        "prices; accept a near miss |\n"
        "| `/price undo`, `/price history` | revert the last price change (a whole sync), list changes |\n"
        "| `/export csv [range]`, `/export json` | usage records as CSV, the database as JSON |\n"
        "| `/import` + a JSON file or pasted JSON | restore a backup or the original Monitor's export |\n"
        "| `/reconcile [repair]` | check every balance against the ledger; `repair` sets those that differ to "
        "their ledger sum |\n"
        "| `/budget`, `/budget group NAME init AMOUNT` | list budgets; a group's initial balance |\n"
        "| `/budget group NAME daily/weekly/monthly reset/add AMOUNT`, `/budget user EMAIL …` | an allowance |\n"
        "| `/budget clear group NAME [init/allowance]`, `/budget clear user EMAIL` | remove a budget |\n"
        "| `/codes [search]` | redemption codes (masked), who redeemed them, wrong guesses |\n"
        "| `/codes mint AMOUNT [count:N] [expires:YYYY-MM-DD] [note:TEXT]` | new codes, shown once, and a CSV file |\n"
        "| `/codes revoke CODE`, `/codes revoke note:TEXT` | revoke a code, or a batch by its note |"
    ),
    "summary_title": "**Your usage** · balance {balance}",
    "summary_header": "| Period | Replies | Input tokens | Output tokens | Cost |",
    "period_today": "Today",
    "period_30d": "Last 30 days",
    "period_all": "All time",
    "message_usage": "{tokens} | {cost} | price: {source}",
    "no_usage_for_message": "No usage has been recorded for this message.",
    "allowance_reset": "reset to {amount} {period}",
    "allowance_add": "{amount} added {period}",
    "period_day": "every day (UTC)",
    "period_week": "every week (Monday, UTC)",
    "period_month": "every month (UTC)",
    "allowance_line": "**Allowance:** {allowance}; next refill {when}.",
    "budget_group": "group {name}",
    "budget_user": "user {name}",
    "budget_init_set": "Initial balance for {target}: {amount} (members who have not chatted yet get it).",
    "budget_allowance_set": "Allowance for {target}: {allowance}; next refill {when}.",
    "budget_cleared": "Cleared the budget of {target}.",
    "budget_not_set": "{target} has no such budget; nothing changed.",
    "budget_list_title": "**Budgets**",
    "budget_list_header": "| Applies to | Initial balance | Allowance | Next refill |",
    "budget_none": "No budgets yet. Example: `/budget group Staff daily reset 1`.",
    "budget_rules": "A member of several groups gets the largest initial balance; a user's own allowance beats "
    "their groups', and among groups the largest amount wins. Refills happen at the first request of a period.",
    "range_today": "Today ({day})",
    "range_yesterday": "Yesterday ({day})",
    "range_day_before": "Day before yesterday ({day})",
    "range_week": "This week ({first} – {last})",
    "range_month": "This month ({first} – {last})",
    "range_days": "Last {days} days ({first} – {last})",
    "range_all": "All time",
    "range_custom": "{first} – {last}",
    "no_usage": "No usage in this period.",
    "rows_hidden": "… and {count} more not shown.",
    "earlier_hidden": "{count} earlier rows are not shown here; the chart has them all.",
    "summary_not_seen": "You have not chatted yet: your balance is set at your first chat.",
    "col_metric": "Metric",
    "col_value": "Value",
    "col_model": "Model",
    "col_replies": "Replies",
    "col_input": "Input tokens",
    "col_output": "Output tokens",
    "col_cached": "Cached tokens",
    "col_reasoning": "Reasoning tokens",
    "col_tokens": "Tokens",
    "col_cost": "Cost",
    "col_share": "Share",
    "col_day": "Day",
    "col_month": "Month",
    "col_year": "Year",
    "col_time": "Time",
    "col_user": "User",
    "col_email": "Email",
    "col_balance": "Balance",
    "col_name": "Name",
    "col_role": "Role",
    "col_spent": "Spent",
    "col_last_used": "Last use",
    "col_status": "Status",
    "col_price_input": "Input / 1M",
    "col_price_output": "Output / 1M",
    "col_price_cached": "Cached input / 1M",
    "col_price_msg": "Per message",
    "col_price_reasoning": "Reasoning / 1M",
    "col_price_request": "Per request",
    "col_source": "Source",
    "totals_title": "Usage · {range}",
    "card_title": "Usage report · {range}",
    "card_cost": "Total cost",
    "card_tokens_value": "{total} (input {input} · output {output})",
    "card_users": "Active users",
    "card_models": "Models used",
    "card_top_model": "Most used model",
    "card_top_model_value": "{model} · {calls} replies",
    "card_top_spender": "Top spender",
    "card_estimated": "Replies with estimated tokens",
    "by_model_title": "Usage by model · {range}",
    "by_day_title_day": "Usage per day · {range}",
    "by_day_title_month": "Usage per month · {range}",
    "by_day_title_year": "Usage per year · {range}",
    "chart_cost_day": "Cost per day",
    "chart_cost_month": "Cost per month",
    "chart_cost_year": "Cost per year",
    "chart_share_cost": "Cost by model",
    "chart_share_calls": "Replies by model",
    "share_title_cost": "Model share by cost · {range}",
    "share_title_calls": "Model share by replies · {range}",
    "others": "Others ({count} models)",
    "records_title": "Usage records · {range}",
    "records_filter_user": "User: {user}",
    "records_filter_model": "Model: {model}",
    "records_sorted": "sorted by {sort}, {direction}",
    "sort_time": "time",
    "sort_cost": "cost",
    "sort_tokens": "tokens",
    "sort_balance": "balance",
    "dir_desc": "descending",
    "dir_asc": "ascending",
    "records_page": "Page {page} of {pages} · {total} records",
    "ranking_title_cost": "Top users by cost · {range}",
    "ranking_title_calls": "Top users by replies · {range}",
    "users_title": "Users ({total})",
    "users_title_search": "Users matching “{search}” ({total})",
    "users_none": "Nobody matches.",
    "users_page": "Page {page} of {pages} · {total} users",
    "status_active": "active",
    "status_blocked": "blocked",
    "status_not_seen": "not yet seen",
    "status_gone": "no longer in Open WebUI",
    "prices_title": "Model prices (per 1M tokens, or per message)",
    "prices_none": "No models found.",
    "price_unlisted": "not in the model list",
    "source_admin": "set by an admin",
    "source_admin_base": "admin price of base model {base}",
    "source_connection": "from the connection",
    "source_connection_base": "connection price of base model {base}",
    "source_default": "default",
    # admin
    "not_set": "not set",
    "balance_set": "Balance of {user} set to {new} (was {old}).",
    "balance_added": "Added {amount} to the balance of {user}: {old} → {new}.",
    "balance_deducted": "Deducted {amount} from the balance of {user}: {old} → {new}.",
    "user_blocked_done": "{user} is blocked: their chats are refused until they are unblocked.",
    "user_unblocked_done": "{user} is unblocked and can chat again.",
    "user_already_blocked": "{user} was already blocked; nothing changed.",
    "user_already_unblocked": "{user} was not blocked; nothing changed.",
    "price_set": (
        "Prices of {model}: input {input}, output {output}, cached input {cached} per 1M tokens; per message {per_msg}."
    ),
    "price_cleared": (
        "Removed the administrator prices of {model}; it is now priced by its base model, its connection"
        " or the defaults."
    ),
    "price_not_set": "{model} had no administrator price; nothing changed.",
    "price_copied": (
        "Copied the prices of {source} to {model}: input {input}, output {output}, cached input {cached}"
        " per 1M tokens; per message {per_msg}."
    ),
    "prices_inherited": "Copied base model prices to {count} workspace models: {models}.",
    "prices_inherited_none": "No workspace model without prices has a base model with prices; nothing changed.",
    "import_done": (
        "Imported {users}, {usage}, {prices} and {ledger} from {source}. Everything that was here before has"
        " been replaced."
    ),
    "import_backup": "The previous data was saved to {path}.",
    "import_source_embedded": "an OpenWebUI Monitor (embedded) export",
    "import_source_original": "an OpenWebUI-Monitor backup",
    "export_csv_done": "Usage records as CSV: {link}",
    "export_json_done": "The whole database as JSON: {link}",
    "reconcile_ok": "All {total} balances agree with the ledger.",
    "reconcile_found": "{count} of {total} balances differ from the ledger; nothing was changed.",
    "reconcile_hint": (
        "Send `/reconcile repair` to set each of them to its ledger sum (the ledger is the record and stays as it is)."
    ),
    "reconcile_repaired": (
        "Repaired {count} of {total} balances: each is now its ledger sum. The ledger was not changed."
    ),
    "reconcile_holds": "{count} pre-charge holds of open chats, {amount} in all, are in the ledger already.",
    "col_cached_balance": "Cached balance",
    "col_balance_before": "Balance before",
    "col_ledger_sum": "Ledger sum",
    "col_difference": "Difference",
    # action
    "message_not_billed": "This message was never billed: there is no usage record for it.",
    "usage_tokens_detail": "Tokens: input {input}, output {output}, cached {cached}, reasoning {reasoning}",
    "usage_price_source": "price: {source}",
    "usage_balance_after": "balance after: {amount}",
    "button_admin_only": "Sorry, this button is for administrators; nothing was changed.",
    "button_cancelled": "Cancelled; nothing was changed.",
    "dialog_unavailable": "This button needs the chat open in the browser to ask you questions ({error}).",
    "usage_title": "Usage of this message",
    "export_title": "Export usage",
    "dash_title": "Usage dashboard",
    "dash_range_prompt": (
        "Which period? today, 7d, 30d, month, last month, all, or 2026-11-01..2026-11-28; or console for the"
        " clickable console"
    ),
    "dash_ranking": "Top users by cost",
    "dash_done": "Dashboard for {range} is below.",
    "topup_title": "Balance or block",
    "topup_user_prompt": "Which user? Type an e-mail or a name (or type codes to mint redemption codes).",
    "topup_amount_prompt": (
        "{user}: balance {balance}, {state}. Type an amount to add (5), a negative amount to deduct (-2),"
        " =10 to set the balance, or block / unblock."
    ),
    "confirm_add": "Add {amount} to the balance of {user}?",
    "confirm_deduct": "Deduct {amount} from the balance of {user}?",
    "confirm_set": "Set the balance of {user} to {amount}?",
    "confirm_block": "Block {user}? Their chats will be refused until unblocked.",
    "confirm_unblock": "Unblock {user}?",
    "prices_button_title": "Model prices",
    "prices_model_prompt": (
        "Which model? Type its id or name, inherit to copy base-model prices, sync to pin connection prices,"
        " catalogue to pin catalogue prices, or undo to revert the last price change."
    ),
    "prices_values_prompt": (
        "{current} Type new prices per 1M tokens: input output [per message]; - keeps one, off unsets it."
    ),
    "confirm_price": "Set the prices of {model}: {prices}?",
    "confirm_inherit": "Copy base-model prices to: {models}?",
    "catalogue_intro": "Price catalogue: {source}, {date}.",
    "catalogue_new": "New prices: {models}.",
    "catalogue_changed": "Changed prices (replacing an admin price): {models}.",
    "catalogue_apply_hint": (
        "Send `/price catalogue apply` to pin them as admin prices; `/price undo` reverts the whole sync."
    ),
    "catalogue_near": (
        "Not in the catalogue, but similar to an entry (not priced from it until you accept one): {models}. To "
        "accept: `{example}`."
    ),
    "catalogue_synced": "Pinned catalogue prices for {count} models: {models}. `/price undo` reverts.",
    "catalogue_synced_none": "Every model the catalogue names already has its catalogue price; nothing to pin.",
    "price_accepted": (
        "{model} now has the catalogue prices of {source}: input {input}, output {output}, cached input {cached} "
        "per 1M tokens."
    ),
    "price_accept_usage": "Say which model and which catalogue entry: `/price accept MODEL CATALOGUE-ID`.",
    "price_undone": "Undid the last price change ({action}) for {count} models: {models}.",
    "price_undo_none": "There is no price change to undo.",
    "price_undo_moved_on": "Another price change was made meanwhile, so nothing was undone. Press again to see it.",
    "price_history_none": "No price changes recorded yet.",
    "price_history_title": "Price changes, newest first",
    "price_history_undone": "(undone)",
    "price_history_hint": "`/price undo` reverts the newest change not yet undone.",
    "price_more_rates": "Reasoning {reasoning} per 1M tokens, {request} per request.",
    "source_catalogue": "price catalogue",
    "source_catalogue_base": "catalogue price of base model {base}",
    "confirm_catalogue": "Pin these catalogue prices as admin prices?\n\n{summary}",
    "confirm_undo": "Undo the last price change ({action}) for: {models}?",
    "test_title": "Model test",
    "test_none": "There are no models to test.",
    "test_progress": "Testing models: {done}/{total}…",
    "test_done": "{ok} of {total} models answered.",
    "test_ok": "ok",
    "test_failed": "error",
    "test_timeout": "no answer within {seconds:.0f}s",
    "col_latency": "Latency",
    "col_error": "Error",
    # Charts and plurals (issue 18): a `_one` key is its key's text for the count 1 (see i18n.tn).
    "chart_with_unit": "{chart} ({symbol})",
    "row_total": "Total",
    "count_users": "{count} users",
    "count_users_one": "{count} user",
    "count_usage": "{count} usage records",
    "count_usage_one": "{count} usage record",
    "count_prices": "{count} prices",
    "count_prices_one": "{count} price",
    "count_ledger": "{count} ledger entries",
    "count_ledger_one": "{count} ledger entry",
    "replies_count": "{count} replies",
    "replies_count_one": "{count} reply",
    "card_top_model_value_one": "{model} · {calls} reply",
    "others_one": "Others ({count} model)",
    "earlier_hidden_one": "{count} earlier row is not shown here; the chart has it.",
    "records_page_one": "Page {page} of {pages} · {total} record",
    "users_page_one": "Page {page} of {pages} · {total} user",
    "range_days_one": "Last {days} day ({first} – {last})",
    "prices_synced_one": "Pinned the connection-reported prices of {count} model as admin prices: {models}.",
    "prices_inherited_one": "Copied base model prices to {count} workspace model: {models}.",
    "catalogue_synced_one": "Pinned catalogue prices for {count} model: {models}. `/price undo` reverts.",
    "price_undone_one": "Undid the last price change ({action}) for {count} model: {models}.",
    "reconcile_ok_one": "The {total} balance agrees with the ledger.",
    "reconcile_found_one": "{count} of {total} balances differs from the ledger; nothing was changed.",
    "reconcile_holds_one": "{count} pre-charge hold of an open chat, {amount}, is in the ledger already.",
    "test_done_one": "{ok} of {total} model answered.",
    # Statements (issue 20)
    "statement_title": "**Statement · {month}**",
    "statement_title_user": "**Statement · {month}** · {user}",
    "statement_in_progress": "This month is not over yet: the closing balance is the balance so far.",
    "statement_opening": "Opening balance on {day}: **{amount}**",
    "statement_closing": "Closing balance: **{amount}**",
    "statement_no_entries": "No top-ups, redemptions, refills or other changes this month.",
    "statement_spend_title": "**Chat spend by model**",
    "statement_no_spend": "No chat spend this month.",
    "statement_col_entry": "Entry",
    "statement_col_detail": "Detail",
    "statement_col_by": "By",
    "statement_col_requests": "Requests",
    "statement_col_amount": "Amount",
    "statement_kind_initial": "Initial balance",
    "statement_kind_topup": "Top-up",
    "statement_kind_redemption": "Code redeemed",
    "statement_kind_refill": "Allowance refill",
    "statement_kind_reset": "Allowance reset",
    "statement_kind_set": "Balance set",
    "statement_kind_deduction": "Deduction",
    "statement_kind_block": "Blocked",
    "statement_kind_unblock": "Unblocked",
    "statement_kind_other": "Other change",
    "statement_system": "system",
    "statement_unknown_model": "(model not on record)",
    "statement_opening_row": "Opening balance",
    "statement_closing_row": "Closing balance",
    "statement_chat_row": "Chat spend",
    "statement_zone": "Times are in {zone}.",
    "statement_server_zone": "the server's time zone",
    "statement_csv": "The same lines as CSV: {link}",
    "statement_bad_month": "“{text}” is not a month I can make a statement for: write it as YYYY-MM, for example "
    "`/statement 2026-11`.",
}


# -- the words people type --------------------------------------------------------------------------------------
# The words people type in English, and the symbols every language types: command names, sub-commands, options,
# report qualifiers, range names, budget words, confirmations.
#
# Every language's words are accepted whatever the reader's language: `words/vocabulary.py` joins them, English first.
# A key missing here has no words in this language. Only the pipe and the action read these (never the Filter).

# Words that name a command. `balance` doubles as the admin's `balance set|add`; alone it is the reader's own.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "usage": ("usage", "use", "spend", "spent", "spending", "cost", "costs", "stats", "report", "me", "mine"),
    "models": ("models", "model", "by model", "per model"),
    "days": ("days", "daily", "by day", "per day"),
    "records": ("records", "record", "history", "log", "logs", "latest", "recent"),
    "balance": ("balance", "credit", "credits"),
    "help": ("help", "?", "commands", "start"),
    "users": ("users", "user", "people", "members"),
    "top": ("top", "overview", "dashboard", "summary", "ranking", "leaderboard"),
    "prices": ("prices", "pricing", "price list"),
    "price": ("price",),
    "block": ("block", "ban", "disable"),
    "unblock": ("unblock", "unban", "enable"),
    "export": ("export", "download", "backup"),
    "import": ("import", "restore"),
    "reconcile": ("reconcile", "reconciliation"),
    "budget": ("budget", "budgets", "allowance", "allowances"),
    "codes": ("codes", "vouchers"),
    "redeem": ("redeem", "claim", "use code"),
    "statement": ("statement", "statements", "monthly statement", "account statement"),
    "console": ("console", "admin console", "admin panel", "panel"),
    "test": ("test",),
}

# Filler people put around a command: "show me my usage for the last 7 days".
FILLER: tuple[str, ...] = (
    "show",
    "me",
    "my",
    "the",
    "please",
    "pls",
    "for",
    "of",
    "in",
    "what",
    "what's",
    "whats",
    "is",
    "was",
    "how",
    "much",
    "did",
    "i",
    "do",
    "have",
    "give",
    "list",
    "see",
    "check",
)

# Budget targets: `/budget group NAME ...`, `/budget user EMAIL ...` (also `/budget`'s sub-commands).
BUDGET_SCOPES: dict[str, tuple[str, ...]] = {"group": ("group", "groups"), "user": ("user",)}

# A command's sub-commands (`/price set`, `/balance add`, `/budget group`, ...).
SUBCOMMANDS: dict[str, dict[str, tuple[str, ...]]] = {
    "price": {
        "set": ("set",),
        "clear": ("clear", "unset", "remove", "delete", "reset"),
        "copy": ("copy",),
        "inherit": ("inherit",),
        "sync": ("sync",),
        "catalogue": ("catalogue", "catalog"),
        "accept": ("accept",),
        "undo": ("undo", "revert"),
        "history": ("history", "changes"),
    },
    "balance": {"set": ("set",), "add": ("add", "topup", "top-up", "top up", "recharge")},
    "reconcile": {"repair": ("repair", "fix")},
    "budget": {**BUDGET_SCOPES, "clear": ("clear", "remove", "delete", "unset")},
    "export": {"csv": ("csv", "records", "usage"), "json": ("json", "database", "db", "all")},
    "console": {"users": ("users", "people"), "models": ("models", "prices"), "usage": ("usage", "records")},
    "test": {"all": ("all",)},
    "codes": {"mint": ("mint", "new", "create", "generate"), "revoke": ("revoke", "void", "cancel")},
}

# `name:value` options (`user:ana`, `sort:cost`).
OPTION_NAMES: dict[str, tuple[str, ...]] = {
    "user": ("user", "u"),
    "model": ("model", "m"),
    "sort": ("sort", "order", "by"),
    "page": ("page", "p"),
    "size": ("size", "limit"),
    "range": ("range", "period"),
    "input": ("input", "in"),
    "output": ("output", "out"),
    "cached": ("cached", "cache"),
    "msg": ("msg", "message", "per_msg", "permsg"),
    "reasoning": ("reasoning", "think"),
    "request": ("request", "req", "per_request"),
    "count": ("count", "n", "quantity"),
    "expires": ("expires", "expiry", "until"),
    "note": ("note", "memo"),
}

# Words that qualify a report rather than name its range: "/top 30d by calls", "/records 7d cost asc".
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "calls": ("calls", "count", "requests"),
    "cost": ("cost", "spend", "amount", "money"),
    "tokens": ("tokens", "token"),
    "time": ("time", "date", "newest"),
    "balance": ("balance",),
    "asc": ("asc", "ascending", "oldest"),
    "desc": ("desc", "descending"),
}

# Words that confirm a preview: `/price catalogue apply`.
APPLY_WORDS: tuple[str, ...] = ("apply", "confirm", "yes")

# How an admin sets (rather than adds to) a balance in the top-up form: `=10`, `set 10`.
SET_PREFIXES: tuple[str, ...] = ("=", "set ")

# Words that clear one price (resolution falls through to the next source).
CLEAR_WORDS: tuple[str, ...] = ("off", "none", "clear", "unset", "default", "-")

# Budget allowances: the period, whether a refill resets or adds, and the parts of a budget.
PERIOD_WORDS: dict[str, tuple[str, ...]] = {
    "day": ("day", "daily"),
    "week": ("week", "weekly"),
    "month": ("month", "monthly"),
}

MODE_WORDS: dict[str, tuple[str, ...]] = {"reset": ("reset", "set"), "add": ("add", "topup", "top-up")}

INIT_WORDS: tuple[str, ...] = ("init", "initial", "start")

ALLOWANCE_WORDS: tuple[str, ...] = ("allowance", "refill")

# Named time ranges: `today`, `last week`, `all`.
RANGE_NAMES: dict[str, tuple[str, ...]] = {
    "today": ("today", "day"),
    "yesterday": ("yesterday",),
    "day_before": ("day before yesterday",),
    "week": ("week", "this week"),
    "month": ("month", "this month"),
    "last_week": ("last week", "previous week"),
    "last_month": ("last month", "previous month"),
    "all": ("all", "all time", "total", "ever"),
}


# fmt: off

# The words around a counted range ("last 10 days", "2w"), read by domain/ranges.py: before the number, the units.
RANGE_COUNT_WORDS: dict[str, tuple[str, ...]] = {
    "last": ("last", "past"),
    "days": ("d", "day", "days"),
    "weeks": ("w", "week", "weeks"),
}

# The numbers a count may be written in ("last two weeks"), by their digits; the digits need no words.
RANGE_NUMBERS: dict[str, tuple[str, ...]] = {
    "2": ("two",), "3": ("three",), "4": ("four",), "5": ("five",), "6": ("six",), "7": ("seven",),
    "8": ("eight",), "9": ("nine",), "10": ("ten",),
}

# Everyday English words that another language's typed words also spell ("base", "panel", "con"): no sign of that
# language in an English sentence (words/detect.py; the words of two letters or fewer are no sign at all).
SHARED_WORDS: tuple[str, ...] = ("base", "panel", "con", "favor", "dime", "todo", "para", "dos")

# Plain questions (ui/question.py): the words that ask for one number, tried in this order (balance first: "how much
# money is left" asks the balance, not the spend). "usage" words count as asking the spend.
METRIC_WORDS: dict[str, tuple[str, ...]] = {
    "balance": ("balance", "left", "remaining", "remain", "credit", "credits"),
    "tokens": ("tokens", "token"),
    "calls": ("replies", "reply", "answers", "responses", "messages", "requests", "calls", "chats", "times"),
    "cost": (
        "spend", "spent", "spending", "cost", "costs", "money", "pay", "paid", "how much", "expenses", "bill",
        "usage", "use", "used",
    ),
}

# Words a question carries that say nothing by themselves ("what did I spend yesterday on gpt-4o").
QUESTION_FILLER: tuple[str, ...] = (
    "how", "much", "many", "what", "what's", "whats", "did", "do", "does", "i", "i've", "ive", "have", "has", "had",
    "am", "is", "are", "was", "were", "my", "me", "the", "a", "on", "with", "in", "for", "of", "at", "during", "so",
    "far", "up", "to", "been", "get", "got", "tell", "show", "over", "since", "via", "by", "model", "this", "there",
)
# fmt: on
