"""What every Function may say, the Filter included, in every language (`words/<code>/common.py`).

`i18n` loads this table itself; it is the only table in the Filter's generated file.
"""

from __future__ import annotations

from . import Table
from .en import common as en
from .es import common as es
from .zh import common as zh

COMMON = Table("words.common", {"en": en.MESSAGES, "zh": zh.MESSAGES, "es": es.MESSAGES})
