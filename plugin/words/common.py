"""What every Function may say, the Filter included, in every language (`words/<code>/common.py`), and the few
words the base layer reads (currency words after an amount).

`i18n` loads this table itself; it is the only table in the Filter's generated file.
"""

from __future__ import annotations

from . import LANGUAGES, Table
from .en import common as en
from .es import common as es
from .zh import common as zh

_BY_LANGUAGE = {"en": en, "zh": zh, "es": es}
_ALL = tuple(_BY_LANGUAGE[lang] for lang in LANGUAGES)  # a language without its file fails here, at import

COMMON = Table("words.common", {lang: _BY_LANGUAGE[lang].MESSAGES for lang in LANGUAGES})
AMOUNT_SUFFIXES = tuple(suffix for m in _ALL for suffix in m.AMOUNT_SUFFIXES)  # money.parse_amount
