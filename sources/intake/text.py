"""Text from a submission made safe to print on a terminal.

A file may hold terminal escape sequences (ESC [ 2 J clears the screen, ESC ] 8 writes links, ESC ] 52
writes the clipboard), other control characters or bidirectional overrides that make a value read
backwards. Anything printed from a file (`dti validate`, `dti rejects`) goes through `safe_text`, which
replaces each such character by its visible escape (`\\x1b`, `\\u202e`), so the officer sees what the file
holds and the terminal does nothing with it.
"""

from __future__ import annotations

import re

# C0 and C1 control characters and DEL, line and paragraph separators, and the bidirectional
# embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069, marks U+200E/U+200F, U+061C).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEPING_LINES = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: object, keep_newlines: bool = False) -> str:
    """`text` as a string with every control or bidi-override character shown as its escape.

    With `keep_newlines`, line feeds are kept (for a block of several lines); everything else that a
    terminal would act on is escaped, carriage returns included."""
    if text is None:
        return ""
    return (_UNSAFE_KEEPING_LINES if keep_newlines else _UNSAFE).sub(_escape, str(text))


def has_control_characters(text: object) -> bool:
    """Whether `text` holds a character that `safe_text` would escape (a tab or line break counts)."""
    return text is not None and _UNSAFE.search(str(text)) is not None
