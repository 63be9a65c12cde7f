"""The report model's and the buttons' messages, in English, Chinese and Spanish.

Kept apart from `i18n`'s own table (what the Filter says) so the Filter's generated file does not carry them:
Open WebUI re-reads every active Function's whole text on every chat, and a larger file costs memory and time.
Importing this module adds them to `i18n.MESSAGES`; every module that speaks them imports it.
"""

from __future__ import annotations

from . import i18n

REPORT_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # commands
        "prices_synced": "Pinned the connection-reported prices of {count} model(s) as admin prices: {models}.",
        "prices_synced_none": "Every connection-reported price already matches the admin prices; nothing changed.",
        "prices_sync_preview": "Would pin connection-reported prices for: {models}. Send `/price sync apply` to do it.",
        "confirm_sync": "Pin the connection-reported prices as admin prices for: {models}?",
        "import_needs_one": "attach one JSON file, or paste the JSON in a ```json block below /import.",
        "chat_title": "Usage Monitor",
        "help_intro": "I am the **Usage Monitor**. Ask me about your usage; ranges: `today`, `week`, `month`, "
        "`last week`, `7d`, `all`, `2026-11-01..2026-11-28`.",
        "help_unknown": "I didn't understand “{text}”.",
        "help_user": (
            "| Command | What it shows |\n|---|---|\n"
            "| `/usage [range]` | your balance, spend and tokens, by model and by day, with charts |\n"
            "| `/models [range]` | your spend per model |\n"
            "| `/days [range]` | your spend per day |\n"
            "| `/records [range] [sort:time/cost/tokens/balance] [asc] [page:N]` | your latest replies |\n"
            "| `/balance` | your balance |\n"
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
            "| `/budget clear group NAME [init/allowance]`, `/budget clear user EMAIL` | remove a budget |"
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
        "chart_axis_cost": "Cost ({symbol})",
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
            "Prices of {model}: input {input}, output {output}, cached input {cached} per 1M tokens;"
            " per message {per_msg}."
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
        "prices_inherited": "Copied base model prices to {count} workspace model(s): {models}.",
        "prices_inherited_none": "No workspace model without prices has a base model with prices; nothing changed.",
        "import_done": (
            "Imported {users} users, {usage} usage records, {prices} prices and {ledger} ledger entries"
            " from {source}. Everything that was here before has been replaced."
        ),
        "import_backup": "The previous data was saved to {path}.",
        "import_source_embedded": "an OpenWebUI Monitor (embedded) export",
        "import_source_original": "an OpenWebUI-Monitor backup",
        "export_csv_done": "Usage records as CSV: {link}",
        "export_json_done": "The whole database as JSON: {link}",
        "reconcile_ok": "All {total} balances agree with the ledger.",
        "reconcile_found": "{count} of {total} balances differ from the ledger; nothing was changed.",
        "reconcile_hint": (
            "Send `/reconcile repair` to set each of them to its ledger sum (the ledger is the record and stays"
            " as it is)."
        ),
        "reconcile_repaired": (
            "Repaired {count} of {total} balances: each is now its ledger sum. The ledger was not changed."
        ),
        "reconcile_holds": "{count} pre-charge hold(s) of open chats, {amount} in all, are in the ledger already.",
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
        "dash_title": "Usage dashboard",
        "dash_range_prompt": "Which period? today, 7d, 30d, month, last month, all, or 2026-11-01..2026-11-28",
        "dash_ranking": "Top users by cost",
        "dash_done": "Dashboard for {range} is below.",
        "topup_title": "Balance or block",
        "topup_user_prompt": "Which user? Type an e-mail or a name.",
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
        "catalogue_synced": "Pinned catalogue prices for {count} model(s): {models}. `/price undo` reverts.",
        "catalogue_synced_none": "Every model the catalogue names already has its catalogue price; nothing to pin.",
        "price_accepted": (
            "{model} now has the catalogue prices of {source}: input {input}, output {output}, cached input {cached} "
            "per 1M tokens."
        ),
        "price_accept_usage": "Say which model and which catalogue entry: `/price accept MODEL CATALOGUE-ID`.",
        "price_undone": "Undid the last price change ({action}) for {count} model(s): {models}.",
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
    },
    "zh": {
        # commands
        "prices_synced": "已将 {count} 个模型的连接报价固定为管理员价格：{models}。",
        "prices_synced_none": "所有连接报价都已与管理员价格一致，未做更改。",
        "prices_sync_preview": "将为以下模型固定连接报价：{models}。发送 `/price sync apply` 执行。",
        "confirm_sync": "把连接报价固定为以下模型的管理员价格：{models}？",
        "import_needs_one": "请附加一个 JSON 文件，或在 /import 下方用 ```json 代码块粘贴 JSON。",
        "chat_title": "用量监控",
        "help_intro": "我是**用量监控**。可以问我你的用量；时间范围：`今天`、`本周`、`本月`、`上周`、`7天`、`全部`、"
        "`2026-11-01..2026-11-28`。",
        "help_unknown": "没有理解“{text}”。",
        "help_user": (
            "| 命令 | 内容 |\n|---|---|\n"
            "| `/用量 [范围]` | 余额、花费和 Token，按模型和按天，附图表 |\n"
            "| `/模型 [范围]` | 各模型花费 |\n"
            "| `/每天 [范围]` | 每日花费 |\n"
            "| `/记录 [范围] [sort:time/cost/tokens/balance] [asc] [page:N]` | 最近的回复记录 |\n"
            "| `/余额` | 当前余额 |\n"
            "| `/帮助` | 本列表 |"
        ),
        "help_admin": (
            "**管理员**\n\n| 命令 | 作用 |\n|---|---|\n"
            "| `/top [范围] [by calls]` | 报表、模型占比、用户排行 |\n"
            "| `/records [范围] user:名称 model:ID sort:cost` | 所有人的记录，可筛选 |\n"
            "| `/users [搜索]` | 用户、余额、花费、封禁状态 |\n"
            "| `/balance set 用户 金额`、`/balance add 用户 金额` | 设置或充值余额 |\n"
            "| `/block 用户`、`/unblock 用户` | 禁止或允许用户对话 |\n"
            "| `/prices` | 所有模型的价格及来源 |\n"
            "| `/price set 模型 输入 输出 [msg:X] [cached:Y]` | 每百万 Token（或每条消息）价格 |\n"
            "| `/price clear 模型`、`/price copy 源 目标`、`/price inherit` | 清除、复制、继承基础模型价格 |\n"
            "| `/price sync [apply]` | 预览，然后把连接报价固定为管理员价格 |\n"
            "| `/price catalogue [apply]`、`/price accept 模型 ID` | 预览，然后固定内置价格目录的价格；接受相近条目 |\n"
            "| `/price undo`、`/price history` | 撤销上一次价格变更（整次同步）、查看变更 |\n"
            "| `/export csv [范围]`、`/export json` | 导出 CSV 记录、JSON 数据库 |\n"
            "| `/import` + JSON 文件或粘贴的 JSON | 恢复备份或导入原版 Monitor 的导出 |\n"
            "| `/reconcile [repair]` | 按账本核对每个余额；`repair` 把不一致的余额设为账本合计 |\n"
            "| `/budget`、`/budget group 名称 init 金额` | 列出预算；用户组的初始余额 |\n"
            "| `/budget group 名称 daily/weekly/monthly reset/add 金额`、`/budget user 邮箱 …` | 周期额度 |\n"
            "| `/budget clear group 名称 [init/allowance]`、`/budget clear user 邮箱` | 删除预算 |"
        ),
        "summary_title": "**我的用量** · 余额 {balance}",
        "summary_header": "| 时段 | 回复数 | 输入 Token | 输出 Token | 费用 |",
        "period_today": "今天",
        "period_30d": "最近 30 天",
        "period_all": "全部",
        "message_usage": "{tokens} | {cost} | 价格来源: {source}",
        "no_usage_for_message": "这条消息还没有用量记录。",
        "allowance_reset": "{period}重置为 {amount}",
        "allowance_add": "{period}增加 {amount}",
        "period_day": "每天（UTC）",
        "period_week": "每周（周一，UTC）",
        "period_month": "每月（UTC）",
        "allowance_line": "**额度：** {allowance}；下次补充 {when}。",
        "budget_group": "用户组 {name}",
        "budget_user": "用户 {name}",
        "budget_init_set": "{target} 的初始余额：{amount}（尚未聊天的成员将获得它）。",
        "budget_allowance_set": "{target} 的额度：{allowance}；下次补充 {when}。",
        "budget_cleared": "已清除 {target} 的预算。",
        "budget_not_set": "{target} 没有这项预算，未作更改。",
        "budget_list_title": "**预算**",
        "budget_list_header": "| 适用于 | 初始余额 | 额度 | 下次补充 |",
        "budget_none": "还没有预算。例如：`/budget group Staff daily reset 1`。",
        "budget_rules": "属于多个用户组的成员取最大的初始余额；用户自己的额度优先于用户组的，"
        "多个用户组之间取金额最大者。额度在每个周期的第一次请求时补充。",
        "range_today": "今天（{day}）",
        "range_yesterday": "昨天（{day}）",
        "range_week": "本周（{first} – {last}）",
        "range_month": "本月（{first} – {last}）",
        "range_days": "最近 {days} 天（{first} – {last}）",
        "range_all": "全部时间",
        "range_custom": "{first} – {last}",
        "no_usage": "该时段内没有用量。",
        "rows_hidden": "……另有 {count} 行未显示。",
        "earlier_hidden": "更早的 {count} 行未在此显示；图表中包含全部数据。",
        "summary_not_seen": "您还没有对话记录：余额将在第一次对话时设置。",
        "col_metric": "指标",
        "col_value": "数值",
        "col_model": "模型",
        "col_replies": "回复数",
        "col_input": "输入 Token",
        "col_output": "输出 Token",
        "col_cached": "缓存 Token",
        "col_reasoning": "推理 Token",
        "col_tokens": "Token",
        "col_cost": "费用",
        "col_share": "占比",
        "col_day": "日期",
        "col_month": "月份",
        "col_year": "年份",
        "col_time": "时间",
        "col_user": "用户",
        "col_email": "邮箱",
        "col_balance": "余额",
        "col_name": "姓名",
        "col_role": "角色",
        "col_spent": "累计消费",
        "col_last_used": "最近使用",
        "col_status": "状态",
        "col_price_input": "输入 / 1M",
        "col_price_output": "输出 / 1M",
        "col_price_cached": "缓存输入 / 1M",
        "col_price_msg": "每条消息",
        "col_price_reasoning": "推理 / 1M",
        "col_price_request": "每次请求",
        "col_source": "来源",
        "totals_title": "用量 · {range}",
        "card_title": "用量报告 · {range}",
        "card_cost": "总费用",
        "card_tokens_value": "{total}（输入 {input} · 输出 {output}）",
        "card_users": "活跃用户",
        "card_models": "使用的模型",
        "card_top_model": "最常用模型",
        "card_top_model_value": "{model} · {calls} 次回复",
        "card_top_spender": "消费最多的用户",
        "card_estimated": "Token 为估算值的回复",
        "by_model_title": "按模型统计 · {range}",
        "by_day_title_day": "每日用量 · {range}",
        "by_day_title_month": "每月用量 · {range}",
        "by_day_title_year": "每年用量 · {range}",
        "chart_cost_day": "每日费用",
        "chart_cost_month": "每月费用",
        "chart_cost_year": "每年费用",
        "chart_axis_cost": "费用（{symbol}）",
        "chart_share_cost": "各模型费用",
        "chart_share_calls": "各模型回复数",
        "share_title_cost": "模型费用占比 · {range}",
        "share_title_calls": "模型回复数占比 · {range}",
        "others": "其他（{count} 个模型）",
        "records_title": "用量记录 · {range}",
        "records_filter_user": "用户：{user}",
        "records_filter_model": "模型：{model}",
        "records_sorted": "按{sort}{direction}排列",
        "sort_time": "时间",
        "sort_cost": "费用",
        "sort_tokens": "Token 数",
        "sort_balance": "余额",
        "dir_desc": "降序",
        "dir_asc": "升序",
        "records_page": "第 {page} / {pages} 页 · 共 {total} 条记录",
        "ranking_title_cost": "用户费用排行 · {range}",
        "ranking_title_calls": "用户回复数排行 · {range}",
        "users_title": "用户（{total}）",
        "users_title_search": "匹配“{search}”的用户（{total}）",
        "users_none": "没有匹配的用户。",
        "users_page": "第 {page} / {pages} 页 · 共 {total} 位用户",
        "status_active": "正常",
        "status_blocked": "已禁用",
        "status_not_seen": "尚未使用",
        "status_gone": "已不在 Open WebUI 中",
        "prices_title": "模型价格（每 1M Token 或每条消息）",
        "prices_none": "没有找到模型。",
        "price_unlisted": "不在模型列表中",
        "source_admin": "管理员设置",
        "source_admin_base": "基础模型 {base} 的管理员价格",
        "source_connection": "来自连接",
        "source_connection_base": "基础模型 {base} 的连接价格",
        "source_default": "默认",
        # admin
        "not_set": "未设置",
        "balance_set": "已将 {user} 的余额设为 {new}（原为 {old}）。",
        "balance_added": "已为 {user} 充值 {amount}：{old} → {new}。",
        "balance_deducted": "已从 {user} 的余额扣除 {amount}：{old} → {new}。",
        "user_blocked_done": "已禁用 {user}：在解除禁用前，其对话请求都会被拒绝。",
        "user_unblocked_done": "已解除禁用 {user}，可以继续对话。",
        "user_already_blocked": "{user} 已处于禁用状态，未做更改。",
        "user_already_unblocked": "{user} 未被禁用，未做更改。",
        "price_set": (
            "{model} 的价格：输入 {input}、输出 {output}、缓存输入 {cached}（每 1M Token）；每条消息 {per_msg}。"
        ),
        "price_cleared": "已删除 {model} 的管理员价格；现在按其基础模型、连接或默认价格计费。",
        "price_not_set": "{model} 没有管理员设置的价格，未做更改。",
        "price_copied": (
            "已将 {source} 的价格复制到 {model}：输入 {input}、输出 {output}、缓存输入 {cached}（每 1M Token）；"
            "每条消息 {per_msg}。"
        ),
        "prices_inherited": "已为 {count} 个工作区模型复制基础模型的价格：{models}。",
        "prices_inherited_none": "没有需要继承基础模型价格的工作区模型，未做更改。",
        "import_done": (
            "已导入 {users} 个用户、{usage} 条用量记录、{prices} 个价格和 {ledger} 条账目（来源：{source}）。"
            "原有数据已全部替换。"
        ),
        "import_backup": "原有数据已备份到 {path}。",
        "import_source_embedded": "OpenWebUI Monitor（内嵌版）导出文件",
        "import_source_original": "OpenWebUI-Monitor 备份文件",
        "export_csv_done": "用量记录（CSV）：{link}",
        "export_json_done": "完整数据库（JSON）：{link}",
        "reconcile_ok": "全部 {total} 个余额都与账本一致。",
        "reconcile_found": "{total} 个余额中有 {count} 个与账本不一致；未做任何更改。",
        "reconcile_hint": "发送 `/reconcile repair` 把它们设为各自的账本合计（以账本为准，账本本身不变）。",
        "reconcile_repaired": "已修复 {total} 个余额中的 {count} 个：现在都等于各自的账本合计。账本未改动。",
        "reconcile_holds": "进行中的对话有 {count} 笔预扣，共 {amount}，已记入账本。",
        "col_cached_balance": "缓存余额",
        "col_balance_before": "修复前余额",
        "col_ledger_sum": "账本合计",
        "col_difference": "差额",
        # action
        "message_not_billed": "这条消息从未计费：没有它的用量记录。",
        "usage_tokens_detail": "Token: 输入 {input}，输出 {output}，缓存 {cached}，推理 {reasoning}",
        "usage_price_source": "价格来源: {source}",
        "usage_balance_after": "之后余额: {amount}",
        "button_admin_only": "抱歉，此按钮仅供管理员使用；没有任何更改。",
        "button_cancelled": "已取消；没有任何更改。",
        "dialog_unavailable": "此按钮需要在浏览器中打开对话才能提问（{error}）。",
        "dash_title": "用量仪表盘",
        "dash_range_prompt": "哪个时间段？today、7d、30d、month、last month、all 或 2026-11-01..2026-11-28",
        "dash_ranking": "花费最多的用户",
        "dash_done": "{range} 的仪表盘见下方。",
        "topup_title": "余额或封禁",
        "topup_user_prompt": "哪个用户？输入邮箱或名字。",
        "topup_amount_prompt": (
            "{user}：余额 {balance}，{state}。输入要增加的金额（5）、要扣除的负数（-2）、"
            "=10 设置余额，或 block / unblock。"
        ),
        "confirm_add": "给 {user} 的余额增加 {amount}？",
        "confirm_deduct": "从 {user} 的余额扣除 {amount}？",
        "confirm_set": "把 {user} 的余额设为 {amount}？",
        "confirm_block": "封禁 {user}？解封前其对话将被拒绝。",
        "confirm_unblock": "解封 {user}？",
        "prices_button_title": "模型价格",
        "prices_model_prompt": (
            "哪个模型？输入 id 或名称，输入 inherit 继承基础模型价格，输入 sync 固定连接报价，"
            "输入 catalogue 固定目录价格，或输入 undo 撤销上一次价格变更。"
        ),
        "prices_values_prompt": "{current} 输入每 1M token 的新价格：输入 输出 [每条消息]；- 保持不变，off 清除。",
        "confirm_price": "设置 {model} 的价格：{prices}？",
        "confirm_inherit": "把基础模型价格复制到：{models}？",
        "catalogue_intro": "价格目录：{source}，{date}。",
        "catalogue_new": "新价格：{models}。",
        "catalogue_changed": "变更的价格（将替换管理员价格）：{models}。",
        "catalogue_apply_hint": "发送 `/price catalogue apply` 把它们固定为管理员价格；`/price undo` 可撤销整次同步。",
        "catalogue_near": "目录中没有、但与某条目相近（接受前不会按其计价）：{models}。接受示例：`{example}`。",
        "catalogue_synced": "已为 {count} 个模型固定目录价格：{models}。`/price undo` 可撤销。",
        "catalogue_synced_none": "目录中能对应的模型都已是目录价格，无需固定。",
        "price_accepted": (
            "{model} 已采用目录中 {source} 的价格：每 1M token 输入 {input}，输出 {output}，缓存输入 {cached}。"
        ),
        "price_accept_usage": "请指明模型和目录条目：`/price accept 模型 目录ID`。",
        "price_undone": "已撤销上一次价格变更（{action}），涉及 {count} 个模型：{models}。",
        "price_undo_none": "没有可撤销的价格变更。",
        "price_undo_moved_on": "在此期间有另一项价格变更，因此未撤销任何内容。请再按一次查看。",
        "price_history_none": "还没有价格变更记录。",
        "price_history_title": "价格变更（最新在前）",
        "price_history_undone": "（已撤销）",
        "price_history_hint": "`/price undo` 撤销最近一次未撤销的变更。",
        "price_more_rates": "推理每 1M token {reasoning}，每次请求 {request}。",
        "source_catalogue": "价格目录",
        "source_catalogue_base": "基础模型 {base} 的目录价格",
        "confirm_catalogue": "把这些目录价格固定为管理员价格？\n\n{summary}",
        "confirm_undo": "撤销上一次价格变更（{action}）：{models}？",
        "test_title": "模型测试",
        "test_none": "没有可测试的模型。",
        "test_progress": "正在测试模型：{done}/{total}…",
        "test_done": "{total} 个模型中 {ok} 个有回答。",
        "test_ok": "正常",
        "test_failed": "错误",
        "test_timeout": "{seconds:.0f} 秒内无回答",
        "col_latency": "延迟",
        "col_error": "错误",
    },
    "es": {
        # commands
        "prices_synced": "Precios de la conexión fijados como precios de administrador en {count} modelo(s): {models}.",
        "prices_synced_none": "Los precios de la conexión ya coinciden con los del administrador; no se cambió nada.",
        "prices_sync_preview": "Se fijarían los precios de la conexión para: {models}. Envíe `/price sync apply`.",
        "confirm_sync": "¿Fijar los precios de la conexión como precios de administrador para: {models}?",
        "import_needs_one": "adjunte un archivo JSON o pegue el JSON en un bloque ```json debajo de /import.",
        "chat_title": "Monitor de uso",
        "help_intro": "Soy el **Monitor de uso**. Pregúnteme por su uso; periodos: `hoy`, `semana`, `mes`, "
        "`semana pasada`, `7d`, `todo`, `2026-11-01..2026-11-28`.",
        "help_unknown": "No entendí “{text}”.",
        "help_user": (
            "| Comando | Qué muestra |\n|---|---|\n"
            "| `/uso [periodo]` | su saldo, gasto y tokens, por modelo y por día, con gráficos |\n"
            "| `/modelos [periodo]` | su gasto por modelo |\n"
            "| `/días [periodo]` | su gasto por día |\n"
            "| `/registros [periodo] [sort:time/cost/tokens/balance] [asc] [page:N]` | sus últimas respuestas |\n"
            "| `/saldo` | su saldo |\n"
            "| `/ayuda` | esta lista |"
        ),
        "help_admin": (
            "**Administradores**\n\n| Comando | Qué hace |\n|---|---|\n"
            "| `/top [periodo] [by calls]` | informe, reparto por modelo, ranking de usuarios |\n"
            "| `/records [periodo] user:NOMBRE model:ID sort:cost` | registros de todos, filtrados |\n"
            "| `/users [búsqueda]` | usuarios con saldo, gasto y bloqueo |\n"
            "| `/balance set USUARIO IMPORTE`, `/balance add USUARIO IMPORTE` | fijar o recargar un saldo |\n"
            "| `/block USUARIO`, `/unblock USUARIO` | impedir o permitir el chat |\n"
            "| `/prices` | el precio de cada modelo y su origen |\n"
            "| `/price set MODELO ENTRADA SALIDA [msg:X] [cached:Y]` | precios por 1M tokens (o por mensaje) |\n"
            "| `/price clear MODELO`, `/price copy DE A`, `/price inherit` | borrar, copiar, heredar precios |\n"
            "| `/price sync [apply]` | ver y luego fijar los precios de la conexión como de administrador |\n"
            "| `/price catalogue [apply]`, `/price accept MODELO ID` | ver y luego fijar los precios del catálogo "
            "incluido; aceptar una entrada parecida |\n"
            "| `/price undo`, `/price history` | deshacer el último cambio de precios (toda una sincronización), "
            "ver cambios |\n"
            "| `/export csv [periodo]`, `/export json` | registros en CSV, la base de datos en JSON |\n"
            "| `/import` + un archivo JSON o JSON pegado | restaurar una copia o la exportación del Monitor "
            "original |\n"
            "| `/reconcile [repair]` | comprobar cada saldo con el libro; `repair` fija los distintos en su suma |\n"
            "| `/budget`, `/budget group NOMBRE init IMPORTE` | ver presupuestos; saldo inicial de un grupo |\n"
            "| `/budget group NOMBRE daily/weekly/monthly reset/add IMPORTE`, `/budget user CORREO …` | asignación |\n"
            "| `/budget clear group NOMBRE [init/allowance]`, `/budget clear user CORREO` | quitar un presupuesto |"
        ),
        "summary_title": "**Su uso** · saldo {balance}",
        "summary_header": "| Periodo | Respuestas | Tokens de entrada | Tokens de salida | Costo |",
        "period_today": "Hoy",
        "period_30d": "Últimos 30 días",
        "period_all": "Todo",
        "message_usage": "{tokens} | {cost} | precio: {source}",
        "no_usage_for_message": "No hay uso registrado para este mensaje.",
        "allowance_reset": "restablecer a {amount} {period}",
        "allowance_add": "añadir {amount} {period}",
        "period_day": "cada día (UTC)",
        "period_week": "cada semana (lunes, UTC)",
        "period_month": "cada mes (UTC)",
        "allowance_line": "**Asignación:** {allowance}; próxima recarga {when}.",
        "budget_group": "grupo {name}",
        "budget_user": "usuario {name}",
        "budget_init_set": "Saldo inicial de {target}: {amount} (lo reciben los miembros que aún no han chateado).",
        "budget_allowance_set": "Asignación de {target}: {allowance}; próxima recarga {when}.",
        "budget_cleared": "Presupuesto de {target} borrado.",
        "budget_not_set": "{target} no tiene ese presupuesto; no cambió nada.",
        "budget_list_title": "**Presupuestos**",
        "budget_list_header": "| Se aplica a | Saldo inicial | Asignación | Próxima recarga |",
        "budget_none": "Aún no hay presupuestos. Ejemplo: `/budget group Staff daily reset 1`.",
        "budget_rules": "Un miembro de varios grupos recibe el mayor saldo inicial; la asignación propia de un usuario "
        "gana a la de sus grupos, y entre grupos gana el mayor importe. Se recarga en la primera petición del periodo.",
        "range_today": "Hoy ({day})",
        "range_yesterday": "Ayer ({day})",
        "range_week": "Esta semana ({first} – {last})",
        "range_month": "Este mes ({first} – {last})",
        "range_days": "Últimos {days} días ({first} – {last})",
        "range_all": "Todo el tiempo",
        "range_custom": "{first} – {last}",
        "no_usage": "No hay uso en este periodo.",
        "rows_hidden": "… y {count} más que no se muestran.",
        "earlier_hidden": "No se muestran {count} filas anteriores; el gráfico las incluye todas.",
        "summary_not_seen": "Aún no ha chateado: su saldo se asigna en su primer chat.",
        "col_metric": "Métrica",
        "col_value": "Valor",
        "col_model": "Modelo",
        "col_replies": "Respuestas",
        "col_input": "Tokens de entrada",
        "col_output": "Tokens de salida",
        "col_cached": "Tokens en caché",
        "col_reasoning": "Tokens de razonamiento",
        "col_tokens": "Tokens",
        "col_cost": "Costo",
        "col_share": "Porcentaje",
        "col_day": "Día",
        "col_month": "Mes",
        "col_year": "Año",
        "col_time": "Hora",
        "col_user": "Usuario",
        "col_email": "Correo",
        "col_balance": "Saldo",
        "col_name": "Nombre",
        "col_role": "Rol",
        "col_spent": "Gastado",
        "col_last_used": "Último uso",
        "col_status": "Estado",
        "col_price_input": "Entrada / 1M",
        "col_price_output": "Salida / 1M",
        "col_price_cached": "Entrada en caché / 1M",
        "col_price_msg": "Por mensaje",
        "col_price_reasoning": "Razonamiento / 1M",
        "col_price_request": "Por solicitud",
        "col_source": "Origen",
        "totals_title": "Uso · {range}",
        "card_title": "Informe de uso · {range}",
        "card_cost": "Costo total",
        "card_tokens_value": "{total} (entrada {input} · salida {output})",
        "card_users": "Usuarios activos",
        "card_models": "Modelos usados",
        "card_top_model": "Modelo más usado",
        "card_top_model_value": "{model} · {calls} respuestas",
        "card_top_spender": "Mayor gasto",
        "card_estimated": "Respuestas con tokens estimados",
        "by_model_title": "Uso por modelo · {range}",
        "by_day_title_day": "Uso por día · {range}",
        "by_day_title_month": "Uso por mes · {range}",
        "by_day_title_year": "Uso por año · {range}",
        "chart_cost_day": "Costo por día",
        "chart_cost_month": "Costo por mes",
        "chart_cost_year": "Costo por año",
        "chart_axis_cost": "Costo ({symbol})",
        "chart_share_cost": "Costo por modelo",
        "chart_share_calls": "Respuestas por modelo",
        "share_title_cost": "Reparto del costo por modelo · {range}",
        "share_title_calls": "Reparto de respuestas por modelo · {range}",
        "others": "Otros ({count} modelos)",
        "records_title": "Registros de uso · {range}",
        "records_filter_user": "Usuario: {user}",
        "records_filter_model": "Modelo: {model}",
        "records_sorted": "ordenado por {sort}, {direction}",
        "sort_time": "hora",
        "sort_cost": "costo",
        "sort_tokens": "tokens",
        "sort_balance": "saldo",
        "dir_desc": "descendente",
        "dir_asc": "ascendente",
        "records_page": "Página {page} de {pages} · {total} registros",
        "ranking_title_cost": "Usuarios con más gasto · {range}",
        "ranking_title_calls": "Usuarios con más respuestas · {range}",
        "users_title": "Usuarios ({total})",
        "users_title_search": "Usuarios que coinciden con “{search}” ({total})",
        "users_none": "Nadie coincide.",
        "users_page": "Página {page} de {pages} · {total} usuarios",
        "status_active": "activo",
        "status_blocked": "bloqueado",
        "status_not_seen": "aún sin uso",
        "status_gone": "ya no está en Open WebUI",
        "prices_title": "Precios de los modelos (por 1M de tokens o por mensaje)",
        "prices_none": "No se encontraron modelos.",
        "price_unlisted": "no está en la lista de modelos",
        "source_admin": "fijado por un administrador",
        "source_admin_base": "precio de administrador del modelo base {base}",
        "source_connection": "de la conexión",
        "source_connection_base": "precio de la conexión del modelo base {base}",
        "source_default": "por defecto",
        # admin
        "not_set": "sin definir",
        "balance_set": "Saldo de {user} fijado en {new} (antes {old}).",
        "balance_added": "Se añadió {amount} al saldo de {user}: {old} → {new}.",
        "balance_deducted": "Se descontó {amount} del saldo de {user}: {old} → {new}.",
        "user_blocked_done": "{user} está bloqueado: sus chats se rechazarán hasta que se desbloquee.",
        "user_unblocked_done": "{user} está desbloqueado y puede volver a chatear.",
        "user_already_blocked": "{user} ya estaba bloqueado; no se cambió nada.",
        "user_already_unblocked": "{user} no estaba bloqueado; no se cambió nada.",
        "price_set": (
            "Precios de {model}: entrada {input}, salida {output}, entrada en caché {cached} por 1M de tokens;"
            " por mensaje {per_msg}."
        ),
        "price_cleared": (
            "Se eliminaron los precios de administrador de {model}; ahora se cobra según su modelo base,"
            " su conexión o los valores por defecto."
        ),
        "price_not_set": "{model} no tenía precio de administrador; no se cambió nada.",
        "price_copied": (
            "Se copiaron los precios de {source} a {model}: entrada {input}, salida {output}, entrada en caché"
            " {cached} por 1M de tokens; por mensaje {per_msg}."
        ),
        "prices_inherited": (
            "Se copiaron los precios del modelo base a {count} modelo(s) del espacio de trabajo: {models}."
        ),
        "prices_inherited_none": "Ningún modelo sin precios tiene un modelo base con precios; no se cambió nada.",
        "import_done": (
            "Se importaron {users} usuarios, {usage} registros de uso, {prices} precios y {ledger} asientos"
            " desde {source}. Todo lo anterior ha sido reemplazado."
        ),
        "import_backup": "Los datos anteriores se guardaron en {path}.",
        "import_source_embedded": "una exportación de OpenWebUI Monitor (integrado)",
        "import_source_original": "una copia de seguridad de OpenWebUI-Monitor",
        "export_csv_done": "Registros de uso en CSV: {link}",
        "export_json_done": "Toda la base de datos en JSON: {link}",
        "reconcile_ok": "Todos los saldos ({total}) coinciden con el libro de movimientos.",
        "reconcile_found": "{count} de {total} saldos no coinciden con el libro de movimientos; no se cambió nada.",
        "reconcile_hint": (
            "Envíe `/reconcile repair` para fijar cada uno en la suma de su libro (el libro manda y no se modifica)."
        ),
        "reconcile_repaired": (
            "Se repararon {count} de {total} saldos: cada uno es ahora la suma de su libro de movimientos."
            " El libro no se modificó."
        ),
        "reconcile_holds": "{count} retención(es) de chats abiertos, {amount} en total, ya están en el libro.",
        "col_cached_balance": "Saldo en caché",
        "col_balance_before": "Saldo anterior",
        "col_ledger_sum": "Suma del libro",
        "col_difference": "Diferencia",
        # action
        "message_not_billed": "Este mensaje nunca se facturó: no hay registro de uso.",
        "usage_tokens_detail": "Tokens: entrada {input}, salida {output}, en caché {cached}, razonamiento {reasoning}",
        "usage_price_source": "precio: {source}",
        "usage_balance_after": "saldo después: {amount}",
        "button_admin_only": "Lo siento, este botón es para administradores; no se cambió nada.",
        "button_cancelled": "Cancelado; no se cambió nada.",
        "dialog_unavailable": "Este botón necesita el chat abierto en el navegador para preguntar ({error}).",
        "dash_title": "Panel de uso",
        "dash_range_prompt": "¿Qué periodo? today, 7d, 30d, month, last month, all o 2026-11-01..2026-11-28",
        "dash_ranking": "Usuarios con más gasto",
        "dash_done": "El panel de {range} está abajo.",
        "topup_title": "Saldo o bloqueo",
        "topup_user_prompt": "¿Qué usuario? Escribe un correo o un nombre.",
        "topup_amount_prompt": (
            "{user}: saldo {balance}, {state}. Escribe un importe a sumar (5), uno negativo a restar (-2),"
            " =10 para fijar el saldo, o block / unblock."
        ),
        "confirm_add": "¿Sumar {amount} al saldo de {user}?",
        "confirm_deduct": "¿Restar {amount} del saldo de {user}?",
        "confirm_set": "¿Fijar el saldo de {user} en {amount}?",
        "confirm_block": "¿Bloquear a {user}? Sus chats se rechazarán hasta desbloquearlo.",
        "confirm_unblock": "¿Desbloquear a {user}?",
        "prices_button_title": "Precios de modelos",
        "prices_model_prompt": (
            "¿Qué modelo? Escribe su id o nombre, inherit para heredar del"
            " modelo base, sync para fijar los de la conexión, catalogue para fijar los del catálogo"
            " o undo para deshacer el último cambio de precios."
        ),
        "prices_values_prompt": (
            "{current} Escribe precios nuevos por 1M tokens: entrada salida [por mensaje]; - conserva, off quita."
        ),
        "confirm_price": "¿Fijar los precios de {model}: {prices}?",
        "confirm_inherit": "¿Copiar precios del modelo base a: {models}?",
        "catalogue_intro": "Catálogo de precios: {source}, {date}.",
        "catalogue_new": "Precios nuevos: {models}.",
        "catalogue_changed": "Precios que cambian (sustituyen un precio de administrador): {models}.",
        "catalogue_apply_hint": (
            "Envíe `/price catalogue apply` para fijarlos como precios de administrador; `/price undo` deshace toda "
            "la sincronización."
        ),
        "catalogue_near": (
            "No están en el catálogo, pero se parecen a una entrada (sin precio de ella hasta que acepte una): "
            "{models}. Para aceptar: `{example}`."
        ),
        "catalogue_synced": "Precios del catálogo fijados en {count} modelo(s): {models}. `/price undo` lo deshace.",
        "catalogue_synced_none": "Todos los modelos que el catálogo nombra ya tienen su precio; nada que fijar.",
        "price_accepted": (
            "{model} tiene ahora los precios de catálogo de {source}: entrada {input}, salida {output}, entrada en "
            "caché {cached} por 1M tokens."
        ),
        "price_accept_usage": "Indique el modelo y la entrada del catálogo: `/price accept MODELO ID-CATÁLOGO`.",
        "price_undone": "Deshecho el último cambio de precios ({action}) en {count} modelo(s): {models}.",
        "price_undo_none": "No hay ningún cambio de precios que deshacer.",
        "price_undo_moved_on": (
            "Mientras tanto se hizo otro cambio de precios, así que no se deshizo nada. Pulse de nuevo para verlo."
        ),
        "price_history_none": "Aún no hay cambios de precios registrados.",
        "price_history_title": "Cambios de precios, el más reciente primero",
        "price_history_undone": "(deshecho)",
        "price_history_hint": "`/price undo` deshace el cambio más reciente aún no deshecho.",
        "price_more_rates": "Razonamiento {reasoning} por 1M tokens, {request} por solicitud.",
        "source_catalogue": "catálogo de precios",
        "source_catalogue_base": "precio de catálogo del modelo base {base}",
        "confirm_catalogue": "¿Fijar estos precios del catálogo como precios de administrador?\n\n{summary}",
        "confirm_undo": "¿Deshacer el último cambio de precios ({action}) de: {models}?",
        "test_title": "Prueba de modelos",
        "test_none": "No hay modelos que probar.",
        "test_progress": "Probando modelos: {done}/{total}…",
        "test_done": "{ok} de {total} modelos respondieron.",
        "test_ok": "ok",
        "test_failed": "error",
        "test_timeout": "sin respuesta en {seconds:.0f} s",
        "col_latency": "Latencia",
        "col_error": "Error",
    },
}

i18n.extend(REPORT_MESSAGES)
