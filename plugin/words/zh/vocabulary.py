"""The words people type in Chinese (Simplified): command names, sub-commands, options, report qualifiers,
range names, budget words, confirmations.

Every language's words are accepted whatever the reader's language: `words/vocabulary.py` joins them, English first.
A key missing here has no words in this language. Only the pipe and the action read these (never the Filter).
"""

from __future__ import annotations

# Words that name a command.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "usage": ("用量", "使用", "使用量", "统计", "花费", "消费", "账单"),
    "models": ("模型", "按模型"),
    "days": ("每天", "每日", "按天"),
    "records": ("记录", "明细", "历史"),
    "balance": ("余额", "额度"),
    "help": ("帮助", "命令"),
    "users": ("用户", "用户列表"),
    "top": ("总览", "排行", "排名", "概览"),
    "prices": ("价格", "价格表", "定价"),
    "price": ("价格设置", "设置价格"),
    "block": ("封禁", "禁用", "拉黑"),
    "unblock": ("解封", "启用", "解除封禁"),
    "export": ("导出", "备份", "下载"),
    "import": ("导入", "恢复"),
    "reconcile": ("对账", "核对余额"),
    "budget": ("预算", "配额"),
}

# Filler people put around a command: "show me my usage for the last 7 days".
FILLER: tuple[str, ...] = ("查看", "看看", "我的", "请", "显示", "一下", "的")

# Budget targets: `/budget group NAME ...`, `/budget user EMAIL ...` (also `/budget`'s sub-commands).
BUDGET_SCOPES: dict[str, tuple[str, ...]] = {"group": ("组", "用户组", "群组"), "user": ("用户",)}

# A command's sub-commands (`/price set`, `/balance add`, `/budget group`, ...).
SUBCOMMANDS: dict[str, dict[str, tuple[str, ...]]] = {
    "price": {
        "set": ("设置", "设"),
        "clear": ("清除", "删除"),
        "copy": ("复制",),
        "inherit": ("继承",),
        "sync": ("同步",),
        "catalogue": ("价格目录", "目录"),
        "accept": ("接受", "采用"),
        "undo": ("撤销", "撤回"),
        "history": ("历史", "变更"),
    },
    "balance": {"set": ("设置", "设为"), "add": ("充值", "增加", "加")},
    "reconcile": {"repair": ("修复",)},
    "budget": {**BUDGET_SCOPES, "clear": ("清除", "删除")},
    "export": {"csv": ("记录",), "json": ("数据库", "全部")},
}

# `name:value` options (`user:ana`, `sort:cost`).
OPTION_NAMES: dict[str, tuple[str, ...]] = {
    "user": ("用户",),
    "model": ("模型",),
    "sort": ("排序",),
    "page": ("页",),
    "size": ("每页",),
    "range": ("时间", "范围"),
    "input": ("输入",),
    "output": ("输出",),
    "cached": ("缓存",),
    "msg": ("每条",),
    "reasoning": ("推理",),
    "request": ("每次请求",),
}

# Words that qualify a report rather than name its range: "/top 30d by calls", "/records 7d cost asc".
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "calls": ("次数", "调用"),
    "cost": ("费用", "金额"),
    "time": ("时间",),
    "balance": ("余额",),
    "asc": ("升序",),
    "desc": ("降序",),
}

# Words that confirm a preview: `/price catalogue apply`.
APPLY_WORDS: tuple[str, ...] = ("执行", "确认")

# How an admin sets (rather than adds to) a balance in the top-up form: `=10`, `set 10`.
SET_PREFIXES: tuple[str, ...] = ("设置", "设为")

# Words that clear one price (resolution falls through to the next source).
CLEAR_WORDS: tuple[str, ...] = ("关", "关闭", "无", "清除")

# Budget allowances: the period, whether a refill resets or adds, and the parts of a budget.
PERIOD_WORDS: dict[str, tuple[str, ...]] = {
    "day": ("每天", "每日", "天"),
    "week": ("每周", "周"),
    "month": ("每月", "月"),
}

MODE_WORDS: dict[str, tuple[str, ...]] = {"reset": ("重置", "设为"), "add": ("增加", "加")}

INIT_WORDS: tuple[str, ...] = ("初始", "初始余额")

ALLOWANCE_WORDS: tuple[str, ...] = ("额度", "补充")

# Named time ranges: `today`, `last week`, `all`.
RANGE_NAMES: dict[str, tuple[str, ...]] = {
    "today": ("今天", "今日"),
    "yesterday": ("昨天", "昨日"),
    "week": ("本周", "这周", "周"),
    "month": ("本月", "这个月", "月"),
    "last_week": ("上周", "上星期"),
    "last_month": ("上月", "上个月"),
    "all": ("全部", "所有", "总计"),
}
