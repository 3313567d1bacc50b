"""Text from documents, file names, questions and servers, made safe to print on a terminal.

A document can hold escape sequences (an OSC 8 link to another site, a clear-screen, an OSC 52
clipboard write), bidi overrides that show text in another order than it is read, or invisible
characters. None of them may reach a terminal as a control. Two ways to make text safe:

- ``safe_text`` for prose (answers, quotes, passages): escape sequences and invisible characters are
  removed, so the words read as the terminal would have shown them, without the effect; carriage
  returns, form and line feeds stay white space; any other control character is shown as ``\\xNN``.
- ``safe_line`` for one-line fields (file names, locations, questions, error messages): every control
  and invisible character is shown as an escape (``\\n``, ``\\x1b``, ``\\u202e``), so a name stays on one
  line and two names that look alike can be told apart.

``--json`` output does not come through here: it keeps the exact text, with JSON's own escaping.
"""

from __future__ import annotations

import re

# A string sequence (OSC, DCS, SOS, PM, APC; 7-bit or C1) runs to its terminator, BEL or ST. One left
# unterminated is not matched here: only its introducer goes (below), and the rest is plain text.
_STRING = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
_CSI = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
_ESCAPE = r"\x1b[ -/]*[0-~]?"  # a two-character escape (ESC 7, ESC ( B, an introducer), or ESC alone
_SEQUENCE = re.compile(f"{_STRING}|{_CSI}|{_ESCAPE}")

_CONTROL = "\x00-\x1f\x7f-\x9f"
# Invisible by design: bidi embeddings, overrides, isolates and marks; zero-width spaces and joiners;
# word joiner and invisible operators; the byte-order mark; interlinear annotations; tag characters.
_BIDI_AND_INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufff9-\ufffb\U000e0000-\U000e007f"
)
_JOINERS = "\u200c\u200d"  # shape emoji and scripts such as Persian in prose; shown in names
_SEPARATORS = "\u2028\u2029"  # Unicode line and paragraph separators

_PROSE_SPACE = re.compile(f"[\r\x0b\x0c{_SEPARATORS}]")
_PROSE_INVISIBLE = re.compile(f"[{_BIDI_AND_INVISIBLE}]")
_PROSE_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LINE_SHOWN = re.compile(f"[{_CONTROL}{_BIDI_AND_INVISIBLE}{_JOINERS}{_SEPARATORS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def safe_text(text: str) -> str:
    """Prose without a single control: sequences and invisible characters removed, other controls
    shown; new lines and tabs kept."""
    text = _SEQUENCE.sub("", text)
    text = _PROSE_INVISIBLE.sub("", text)
    text = _PROSE_SPACE.sub(" ", text)
    return _PROSE_CONTROL.sub(_shown, text)


def without_sequences(text: str) -> str:
    """The text with every terminal escape sequence removed whole ("\x1b[31m" leaves nothing, not "[31m")."""
    return _SEQUENCE.sub("", text)


def safe_line(text: str) -> str:
    """One line with every control and invisible character shown as an escape, never obeyed."""
    return _LINE_SHOWN.sub(_shown, text)
