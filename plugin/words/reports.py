"""What the report model and the buttons say, in every language (`words/<code>/reports.py`).

Kept apart from `common` so the Filter's generated file does not carry it: Open WebUI re-reads every active
Function's whole text on every chat. The front-ends that speak these messages load them once, explicitly:
`i18n.load(REPORTS)` (functions/pipe.py, functions/action.py, the command line).
"""

from __future__ import annotations

from . import LANGUAGES, Table
from .en import console as en_console
from .en import reports as en
from .es import console as es_console
from .es import reports as es
from .zh import console as zh_console
from .zh import reports as zh

_BY_LANGUAGE = {"en": en, "zh": zh, "es": es}
_CONSOLE = {"en": en_console, "zh": zh_console, "es": es_console}  # the console page's words, kept in their own files
REPORTS = Table(
    "words.reports", {lang: {**_BY_LANGUAGE[lang].MESSAGES, **_CONSOLE[lang].MESSAGES} for lang in LANGUAGES}
)
