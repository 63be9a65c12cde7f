"""What a redemption code looks like, and nothing else: pure, so the Filter can carry it to keep codes out of the
models' conversations (a code pasted into an ordinary chat would go to that model's provider), and the pipe's parser
can find codes in what people type.

A code reads `OWM-XXXX-XXXX-XXXX`: twelve letters from an alphabet of 32 without the look-alikes 0/O and 1/I (60
bits). People type it forgivingly: any case, spaces or dashes anywhere (a word processor's too), the `OWM` or not.
"""

from __future__ import annotations

import re

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 letters: no 0, O, 1 or I
GROUPS, GROUP = 3, 4
LETTERS = GROUPS * GROUP
PREFIX = "OWM"
_SEPARATORS = " -_\u00a0\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASHES = "-\u2010-\u2015\u2212"

# A code, or nearly one, anywhere in a text: the prefix and three groups (the last one a letter short or long, as
# typed; any dash), or three dashed groups of the code's own letters in capitals without the prefix.
NEAR_CODE = re.compile(
    rf"(?<![0-9A-Z])OWM[{_DASHES}\s]?(?:[0-9A-Z]{{4}}[{_DASHES}\s]?){{2}}[0-9A-Z]{{3,5}}(?![0-9A-Z])", re.IGNORECASE
)
GROUPED_CODE = re.compile(  # not part of a longer dashed token: "ABCD-EFGH-JKLM-NPQR" is no code
    rf"(?<![0-9A-Za-z])(?<![0-9A-Za-z][{_DASHES}])(?:[2-9A-HJ-NP-Z]{{4}}[{_DASHES}]){{2}}[2-9A-HJ-NP-Z]{{4}}"
    rf"(?![{_DASHES}]?[0-9A-Za-z])"
)


def shown(letters: str) -> str:
    return "-".join([PREFIX, *(letters[i : i + GROUP] for i in range(0, LETTERS, GROUP))])


def letters_of(text: str) -> str | None:
    """The twelve letters of a code as typed, or None when the text cannot be a code."""
    packed = "".join(char for char in str(text or "").upper() if char not in _SEPARATORS)
    if len(packed) == LETTERS + len(PREFIX) and packed.startswith(PREFIX):
        packed = packed[len(PREFIX) :]
    if len(packed) != LETTERS or any(char not in ALPHABET for char in packed):
        return None
    return packed


# What each pattern cannot match without, found by a fast scan first: the Filter asks of every new message, and the
# patterns above cost 0.6 ms over a 20,000-character prompt, these about 20 µs (an ASCII text has only ASCII dashes).
_MIDDLE_ASCII = re.compile(r"-[2-9A-HJ-NP-Z]{4}-")
_MIDDLE = re.compile(rf"[{_DASHES}][2-9A-HJ-NP-Z]{{4}}[{_DASHES}]")


def code_in(text: str) -> str:
    """The first code (or near code) anywhere in `text`, every line of it; "" when there is none."""
    found = NEAR_CODE.search(text) if "owm" in text.casefold() else None
    if found is None and (_MIDDLE_ASCII if text.isascii() else _MIDDLE).search(text):
        found = GROUPED_CODE.search(text)
    return found.group() if found else ""
