"""What every Function may say in Chinese (Simplified), the Filter included: refusals, the status line, input errors.

Only these reach the Filter's generated file (Open WebUI re-reads it on every chat); the report model's and the
buttons' messages are in `reports`. Every language has the same keys and the same {placeholders}."""

MESSAGES: dict[str, str] = {
    "invalid_range": "无法识别时间范围“{text}”。可以用 今天、本周、本月、7天、全部 或 2026-11-01..2026-11-28。",
    "admin_only": "该命令仅限管理员使用。下面是您自己的用量。",
    "unknown_user": "没有与“{query}”匹配的用户。",
    "ambiguous_user": "“{query}”匹配到多个用户，请用邮箱指明：\n{candidates}",
    "invalid_amount": "“{text}”不是有效的金额。",
    "unknown_model": "没有与“{model}”匹配的模型。",
    "invalid_import": "未导入任何数据：{reason}",
    "tokens": "Token: {input}+{output}",
    "estimated": "（估算）",
    "stopped_notice": "已停止：{notice}",
    "cost": "费用: {amount}",
    "balance": "余额: {amount}",
    "time": "耗时: {seconds}s",
    "speed": "{rate} T/s",
    "low_balance_refill": "⚠ 余额偏低 — 下次补充 {when}",
    "low_balance_redeem": "⚠ 余额偏低 — 兑换充值码：在 Usage Monitor 中发送 /redeem 兑换码",
    "insufficient_balance": (
        "余额不足：本次回复开始前需要预留最多 {needed}，当前余额为 {balance}。未用完的部分会在回复结束时退回。"
        "请联系管理员充值。"
    ),
    "empty_balance": "余额不足：您的余额已用完（{balance}）。请联系管理员充值。",
    "user_blocked": "您的账户已被禁止使用对话，请联系管理员。",
    "reply_in_progress": "这条回复仍在生成中，请稍候再试。",
    "message_not_yours": "这条消息属于另一个对话，请新建对话。",
    "misconfigured_valve": "计费配置有误（{valve}），请告知管理员。",
    "error_generic": "计费服务暂不可用，请稍后重试或联系管理员。",
    "billing_failed": "本条回复的用量未能记录，管理员可在日志中查看原因。",
    "db_unavailable": "计费已暂停：用量数据库暂时无法写入，消息未发送。请稍后重试或告知管理员。",
    # budgets
    "next_refill": "下次补充: {when}",
    "code_in_chat": "这看起来是兑换码，因此没有发送给模型。请在 Usage Monitor 模型中兑换：/redeem 兑换码。",
    "refusal_redeem": "或在 Usage Monitor 中发送 /redeem 兑换码。",
    "refusal_next_refill": "你的额度将于 {when} 补充。",
    "release_unbilled": "未计费：Open WebUI {version} 允许浏览器填写计费用量，OpenWebUI Monitor 在此版本上不计费。"
    "请将 Open WebUI 升级到 {oldest} 或更高版本。",
    "not_recorded": "未记录：用量数据库暂时不可用，本条回复未计费。",
    "invalid_budget": "无法识别预算“{text}”。试试 `/budget group 名称 init 5`、`/budget group 名称 daily reset 1`、"
    "`/budget user 邮箱 weekly add 2` 或 `/budget clear group 名称`。",
    "unknown_group": "没有与“{query}”匹配的 Open WebUI 用户组。",
    "ambiguous_group": "“{query}”匹配多个用户组；请使用用户组 id：\n{candidates}",
    # reports
    "invalid_sort": "无法按“{text}”排序。可以用：{choices}。",
    "negative_balance": "未做更改：扣除 {amount} 会使 {user} 的余额变为负数（当前余额 {balance}）。",
    "no_admin_price": "{model} 没有管理员设置的价格，无可复制。",
    "unknown_catalogue_entry": "价格目录中没有 {entry}。",
}

# Words written after an amount for its currency ("10元", "10 USD"); the symbols ($, ¥, €, £) are in money.py.
AMOUNT_SUFFIXES: tuple[str, ...] = ("元",)
