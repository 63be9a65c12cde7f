"""Text people typed (names, e-mails, model ids, queries), made harmless before it is shown back.

It sits at the bottom with `money` and `errors` because an error's parameters are shown as they are given: a
domain module raising `UnknownUser(query=...)` must be able to quote the query without knowing the answer is
Markdown-rendered by the presentation layer (`ui.markdown.cell` is this plus its "—" for an empty cell).
"""

from __future__ import annotations

import re
from typing import Any

QUOTE_CAP = 80  # characters of typed text quoted back in a message

# Characters with a meaning in Markdown (or GFM tables, or Open WebUI's $...$ math) that a name must not trigger.
# `ESCAPED` reads them back: an HTML card (`ui.dashboard.note`) shows the character, not its backslash. An opening
# `[` is left alone: Open WebUI 0.12.4 draws `\[...\]` as a KaTeX formula (seen in Chromium), and an escaped `]`
# alone already stops every link, image and reference.
SPECIAL = r"\\`*_\]<>|~$&"
_MARKDOWN = re.compile(f"([{SPECIAL}])")
ESCAPED = re.compile(rf"\\([{SPECIAL}])")

# What Markdown would still act on without a special character: a bare address becomes a link (GFM autolinks) and
# `{{HTML_FILE_ID_x}}` an embedded file (Open WebUI replaces it before Markdown). A zero-width space breaks each,
# invisibly and without a backslash for `ESCAPED` to read back.
ACTIVE = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=\{)(?=\{)", re.IGNORECASE)
INERT = "\u200b"


def plain(value: Any, limit: int) -> str:
    """One line of printable text, at most `limit` characters."""
    text = "".join(ch for ch in " ".join(str(value).split()) if ch.isprintable())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escaped(value: Any, limit: int) -> str:
    """One line, at most `limit` characters, with every character Markdown would read escaped (may be "")."""
    return ACTIVE.sub(INERT, _MARKDOWN.sub(r"\\\1", plain(value, limit)))


DASH = "—"  # what a name made only of invisible characters is shown as


def quoted(value: Any, limit: int = QUOTE_CAP) -> str:
    """What someone typed, quoted back harmlessly in a message; nothing typed stays empty, and text with nothing
    printable (a zero-width space, control characters) is shown as a dash rather than vanishing."""
    return (escaped(value, limit) or DASH) if str(value or "").strip() else ""
