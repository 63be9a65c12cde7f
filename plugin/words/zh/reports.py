"""What the report model and the buttons say in Chinese (Simplified), and the words people type to them.

Loaded by the front-ends that speak them (the pipe, the action, the command line) with `i18n.load(REPORTS)`;
the typed words are joined over every language by `words/vocabulary.py` (a reader's language never limits
what they may type). The Filter carries neither: its words are `common.py`'s.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
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
    "help_closest": "最接近的命令：{commands}。",
    "help_examples": "也可以直接问，例如：“我这周花了多少？”、“昨天 gpt-4o 用了多少 token？”、“我还剩多少钱？”",
    "answer_cost": "{range}：你花费了 {cost}，共 {replies}（{tokens} 个 token）。",
    "answer_cost_model": "{range}：你在 {model} 上花费了 {cost}，共 {replies}（{tokens} 个 token）。",
    "answer_tokens": "{range}：你用了 {tokens} 个 token（输入 {input}，输出 {output}），共 {replies}，{cost}。",
    "answer_tokens_model": (
        "{range}：你在 {model} 上用了 {tokens} 个 token（输入 {input}，输出 {output}），共 {replies}，{cost}。"
    ),
    "answer_calls": "{range}：你收到了 {replies}（{tokens} 个 token，{cost}）。",
    "answer_calls_model": "{range}：{model} 给了你 {replies}（{tokens} 个 token，{cost}）。",
    "replies_one": "{count} 条回复",
    "replies": "{count} 条回复",
    "answer_balance": "你的余额是 {balance}。",
    "question_no_model": "没有叫“{model}”的模型，所以这些数字是你所有模型的。",
    "assistant_failed": "助手无法回答：{reason}",
    "assistant_missing": "没有名为“{model}”的模型（管理员的 assistant_model 设置）。",
    "assistant_itself": "“{model}” 就是用量监控本身；助手必须是另一个模型。",
    "assistant_working": "正在用 {model} 查询…（{round}）",
    "assistant_timeout": "用时超过 {seconds} 秒。",
    "assistant_error": "模型出错（{detail}）。",
    "assistant_error_hidden": "模型出错（管理员可以在 Open WebUI 的日志中查看原因）。",
    "assistant_rounds": "查询了 {rounds} 轮仍未完成。",
    "assistant_refused": "{reason}",
    "assistant_language": "简体中文 (Simplified Chinese)",
    "assistant_no_words": "助手没有给出文字；以下是它查询到的数据。",
    "assistant_footer": "由 {model} 回答 · {tokens} 个 token · {cost}",
    "assistant_footer_free": "由 {model} 回答 · {tokens} 个 token · {cost}，不扣费",
    # 兑换码（issue 20）
    "code_not_a_code": "“{text}”不是兑换码：兑换码的格式是 OWM-XXXX-XXXX-XXXX。",
    "code_unknown": "没有兑换码 {code}：请检查后重试。",
    "code_used": "兑换码 {code} 已被使用。",
    "code_yours_already": "你已经兑换过 {code}。",
    "code_revoked": "兑换码 {code} 已被管理员作废。",
    "code_expired": "兑换码 {code} 已过期。",
    "code_too_many_guesses": "错误的兑换码太多：请 {minutes} 分钟后再试。",
    "code_invalid_count": "{count}：每次可生成 1 到 {most} 个兑换码。",
    "code_bad_expiry": "{text} 不是将来的日期：请写 过期:YYYY-MM-DD。",
    "code_balance_full": "兑换 {code} 会使余额超过上限；请联系管理员。",
    "code_redeemed": "已兑换 {code}：增加 {amount}。当前余额 {balance}。",
    "redeem_usage": "兑换方式：`/兑换 OWM-XXXX-XXXX-XXXX`。",
    "codes_minted": "**新生成 {count} 个兑换码，每个 {amount}**",
    "codes_minted_one": "**新生成 {count} 个兑换码，每个 {amount}**",
    "codes_valid_through": "有效期至 {date}",
    "codes_with_note": "备注：{note}",
    "codes_shown_once": "这些兑换码只显示这一次（只保存最后一组字符）：请现在发放，或保存 {link}。",
    "codes_mint_usage": "生成兑换码：`/兑换码 生成 金额 [数量:N] [过期:YYYY-MM-DD] [备注:文字]`。",
    "codes_revoke_usage": "作废兑换码：`/兑换码 作废 兑换码`，或整批：`/兑换码 作废 备注:文字`。",
    "codes_revoke_none": "没有与 {target} 匹配的兑换码或备注。",
    "codes_revoke_nothing_open": "没有可作废的：这些兑换码已被兑换或已作废。",
    "codes_revoked": "已作废 {count} 个（共 {found} 个）。",
    "codes_shown_once_no_file": "这些兑换码只显示这一次，且文件未能保存：请现在复制。",
    "confirm_mint_one": "生成 {count} 个兑换码，每个 {amount}？",
    "codes_revoked_one": "已作废 {count} 个（共 {found} 个）。",
    "codes_title": "兑换码 · {total}",
    "codes_title_search": "匹配 {search} 的兑换码 · {total}",
    "codes_none": "还没有兑换码。生成：`/兑换码 生成 5 数量:10`。",
    "codes_page": "第 {page} / {pages} 页 · 共 {total} 个兑换码",
    "codes_page_one": "第 {page} / {pages} 页 · 共 {total} 个兑换码",
    "codes_guessers_title": "最近 {minutes} 分钟内输错的兑换码",
    "codes_guesser": "{user}：输错 {count} 次，最近一次 {when}",
    "codes_guesser_locked": "{user}：输错 {count} 次，最近一次 {when}，已被要求等待",
    "code_status_open": "未使用",
    "code_status_redeemed": "已兑换",
    "code_status_revoked": "已作废",
    "code_status_expired": "已过期",
    "col_code": "兑换码",
    "col_amount": "金额",
    "col_note": "备注",
    "col_expires": "有效期至",
    "col_redeemed_by": "兑换人",
    "col_redeemed_at": "兑换时间",
    "codes_button_prompt": "生成兑换码：先写每个的金额，再写选项，例如 5 数量:10 过期:2027-01-31 备注:春季",
    "confirm_mint": "生成 {count} 个兑换码，每个 {amount}？",
    "range_last_week": "上周（{first} – {last}）",
    "range_last_month": "上个月（{first} – {last}）",
    "help_user": (
        "| 命令 | 内容 |\n|---|---|\n"
        "| `/用量 [范围]` | 余额、花费和 Token，按模型和按天，附图表 |\n"
        "| `/模型 [范围]` | 各模型花费 |\n"
        "| `/每天 [范围]` | 每日花费 |\n"
        "| `/记录 [范围] [sort:time/cost/tokens/balance] [asc] [page:N]` | 最近的回复记录 |\n"
        "| `/余额` | 当前余额 |\n"
        "| `/兑换 兑换码` | 把兑换码的金额加到余额 |\n"
        "| `/对账单 [YYYY-MM]` | 月度对账单：期初余额、充值、额度补充、各模型花费、期末余额，附 CSV"
        "（管理员：`/对账单 用户 YYYY-MM`） |\n"
        "| `/控制台` | 控制台：可点击浏览用量的页面（管理员：用户、价格、所有人的用量） |\n"
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
        "| `/test 模型`、`/test all` | 向一个或所有模型发送极短的测试提示（不计费） |\n"
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
        "| `/budget clear group 名称 [init/allowance]`、`/budget clear user 邮箱` | 删除预算 |\n"
        "| `/兑换码 [搜索]` | 兑换码（隐去大部分字符）、兑换人、输错记录 |\n"
        "| `/兑换码 生成 金额 [数量:N] [过期:YYYY-MM-DD] [备注:文字]` | 生成兑换码，只显示一次，附 CSV 文件 |\n"
        "| `/兑换码 作废 兑换码`、`/兑换码 作废 备注:文字` | 作废一个兑换码，或按备注作废一批 |"
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
    "range_day_before": "前天（{day}）",
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
    "import_done": ("已导入 {users}、{usage}、{prices}和 {ledger}（来源：{source}）。原有数据已全部替换。"),
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
    "usage_title": "本条消息的用量",
    "export_title": "导出用量",
    "dash_title": "用量仪表盘",
    "dash_range_prompt": (
        "哪个时间段？today、7d、30d、month、last month、all 或 2026-11-01..2026-11-28；输入“控制台”打开可点击的控制台"
    ),
    "dash_ranking": "花费最多的用户",
    "dash_done": "{range} 的仪表盘见下方。",
    "topup_title": "余额或封禁",
    "topup_user_prompt": "哪个用户？输入邮箱或名字（或输入 兑换码 来生成兑换码）。",
    "topup_amount_prompt": (
        "{user}：余额 {balance}，{state}。输入要增加的金额（5）、要扣除的负数（-2）、=10 设置余额，或 block / unblock。"
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
    # 图表与复数（issue 18）：中文名词不随数量变化，`_one` 与不带后缀的文本相同（见 i18n.tn）。
    "chart_with_unit": "{chart}（{symbol}）",
    "row_total": "合计",
    "count_users": "{count} 个用户",
    "count_users_one": "{count} 个用户",
    "count_usage": "{count} 条用量记录",
    "count_usage_one": "{count} 条用量记录",
    "count_prices": "{count} 个价格",
    "count_prices_one": "{count} 个价格",
    "count_ledger": "{count} 条账目",
    "count_ledger_one": "{count} 条账目",
    "replies_count": "{count} 次回复",
    "replies_count_one": "{count} 次回复",
    "card_top_model_value_one": "{model} · {calls} 次回复",
    "others_one": "其他（{count} 个模型）",
    "earlier_hidden_one": "更早的 {count} 行未在此显示；图表中包含全部数据。",
    "records_page_one": "第 {page} / {pages} 页 · 共 {total} 条记录",
    "users_page_one": "第 {page} / {pages} 页 · 共 {total} 位用户",
    "range_days_one": "最近 {days} 天（{first} – {last}）",
    "prices_synced_one": "已将 {count} 个模型的连接报价固定为管理员价格：{models}。",
    "prices_inherited_one": "已为 {count} 个工作区模型复制基础模型的价格：{models}。",
    "catalogue_synced_one": "已为 {count} 个模型固定目录价格：{models}。`/price undo` 可撤销。",
    "price_undone_one": "已撤销上一次价格变更（{action}），涉及 {count} 个模型：{models}。",
    "reconcile_ok_one": "全部 {total} 个余额都与账本一致。",
    "reconcile_found_one": "{total} 个余额中有 {count} 个与账本不一致；未做任何更改。",
    "reconcile_holds_one": "进行中的对话有 {count} 笔预扣，共 {amount}，已记入账本。",
    "test_done_one": "{total} 个模型中 {ok} 个有回答。",
    # Statements (issue 20)
    "statement_title": "**对账单 · {month}**",
    "statement_title_user": "**对账单 · {month}** · {user}",
    "statement_in_progress": "本月尚未结束：期末余额为目前的余额。",
    "statement_opening": "{day} 期初余额：**{amount}**",
    "statement_closing": "期末余额：**{amount}**",
    "statement_no_entries": "本月没有充值、兑换、额度补充或其他变动。",
    "statement_spend_title": "**各模型对话花费**",
    "statement_no_spend": "本月没有对话花费。",
    "statement_col_entry": "项目",
    "statement_col_detail": "说明",
    "statement_col_by": "操作人",
    "statement_col_requests": "请求数",
    "statement_col_amount": "金额",
    "statement_kind_initial": "初始余额",
    "statement_kind_topup": "充值",
    "statement_kind_redemption": "兑换码",
    "statement_kind_refill": "额度补充",
    "statement_kind_reset": "额度重置",
    "statement_kind_set": "余额设定",
    "statement_kind_deduction": "扣除",
    "statement_kind_block": "封禁",
    "statement_kind_unblock": "解封",
    "statement_kind_other": "其他变动",
    "statement_system": "系统",
    "statement_unknown_model": "（无记录的模型）",
    "statement_opening_row": "期初余额",
    "statement_closing_row": "期末余额",
    "statement_chat_row": "对话花费",
    "statement_zone": "时区：{zone}。",
    "statement_server_zone": "服务器时区",
    "statement_csv": "同样内容的 CSV：{link}",
    "statement_bad_month": "“{text}”不是可以出具对账单的月份：请写成 YYYY-MM，例如 `/对账单 2026-11`。",
}


# -- the words people type --------------------------------------------------------------------------------------
# The words people type in Chinese (Simplified): command names, sub-commands, options, report qualifiers,
# range names, budget words, confirmations.
#
# Every language's words are accepted whatever the reader's language: `words/vocabulary.py` joins them, English first.
# A key missing here has no words in this language. Only the pipe and the action read these (never the Filter).

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
    "codes": ("兑换码", "卡密", "兑换码列表"),
    "redeem": ("兑换", "使用兑换码", "兑换卡密"),
    "statement": ("对账单", "月账单", "月度账单", "月结单"),
    "console": ("控制台", "管理面板"),
    "test": ("测试",),
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
    "console": {"users": ("用户",), "models": ("模型", "价格"), "usage": ("用量", "记录")},
    "test": {"all": ("全部", "所有")},
    "codes": {"mint": ("生成", "创建", "新建"), "revoke": ("作废", "撤销")},
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
    "count": ("数量", "个数"),
    "expires": ("过期", "有效期", "到期"),
    "note": ("备注",),
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
    "day_before": ("前天",),
    "week": ("本周", "这周", "周", "这星期", "本星期", "这个星期"),
    "month": ("本月", "这个月", "月"),
    "last_week": ("上周", "上星期", "上个星期"),
    "last_month": ("上月", "上个月"),
    "all": ("全部", "所有", "总计", "一共", "总共"),
}


# fmt: off

# The words around a counted range ("最近3天", "过去2周"), read by domain/ranges.py: before the number, the units.
RANGE_COUNT_WORDS: dict[str, tuple[str, ...]] = {
    "last": ("最近", "过去", "近"),
    "days": ("天", "日"),
    "weeks": ("周", "星期"),
}

# The numbers a count may be written in ("最近三天", "过去两周"), by their digits ("一" is none: "这一周" is this week).
RANGE_NUMBERS: dict[str, tuple[str, ...]] = {
    "2": ("两", "二"), "3": ("三",), "4": ("四",), "5": ("五",), "6": ("六",), "7": ("七",), "8": ("八",),
    "9": ("九",), "10": ("十",),
}

# Everyday Chinese words that another language's typed words also spell (none: Chinese is told by its characters).
SHARED_WORDS: tuple[str, ...] = ()

# Plain questions (ui/question.py): the words that ask for one number (balance first: "还剩多少钱" asks the balance).
METRIC_WORDS: dict[str, tuple[str, ...]] = {
    "balance": ("余额", "剩", "额度"),
    "tokens": ("token", "tokens", "令牌", "词元"),
    "calls": ("回复", "回答", "几次", "多少次", "次数", "条消息", "消息", "请求", "调用", "对话"),
    "cost": ("花", "钱", "费用", "花费", "消费", "开销", "成本", "用量", "用了", "使用", "账单", "统计"),
}

# Words a question carries that say nothing by themselves ("我这周花了多少").
QUESTION_FILLER: tuple[str, ...] = (
    "我", "这", "了", "多少", "几", "呢", "吗", "啊", "在", "上",
    "用", "的", "是", "有", "还", "给", "查", "问", "请问", "帮我", "个", "到",
    "共", "里", "内", "期间", "模型", "条", "现在", "目前", "一下", "看看",
)
# fmt: on
