"""One place that makes user-supplied strings safe in each output format (docs/security.md, "Output policy").

Every name, id, description, note and explanation that can carry text from an input passes through one of
these before it reaches a terminal, a text or Markdown report, a CSV cell or an error message:

* :func:`escape_text` — text, terminal and error messages: control characters (C0, DEL, C1: ESC, CR, LF,
  TAB, NUL, BEL …) and the bidirectional overrides (U+200E/F, U+202A–E, U+2066–9) become visible escapes
  such as ``\\x1b`` or ``\\u202e``, so no string can move the cursor, set a window title, hide text or start
  a new line. Everything printable is kept as written (``Mr Wong (trader)`` stays as it is).
* :func:`escape_markdown` — Markdown (CommonMark/GFM) inline text: :func:`escape_text`, then only what is
  markup in that position: ``\\``, backticks, ``*``, ``~``, ``[`` and ``]`` (no links or images), ``|`` (no
  new table cells), ``<`` and ``>`` as entities (no raw HTML such as ``<img onerror=…>``, no autolinks), an
  ``&`` that would start an entity, ``_`` where it could open or close emphasis (not inside a word: ``a_b``
  stays), and a block marker at the start (``#``, ``>``, ``-``, ``+``, ``=``, ``1.``), so a name cannot start
  a heading, a quote or a list. Parentheses are not markup on their own and are kept.
* :func:`escape_csv` — a CSV cell: :func:`escape_text`, then a leading ``= + - @`` is neutralised with an
  apostrophe (:func:`neutralise_formula`; numbers hkvatax writes stay numbers). Every CSV hkvatax writes
  goes through :func:`hkvatax.io.safe_csv.write_csv`, which applies it to each cell.
* HTML output escapes with :func:`html.escape` in :mod:`hkvatax.render.html` (quote=True), unchanged.

Each function is a single regular-expression pass with a fast path for strings without anything to escape.
"""

from __future__ import annotations

import re

__all__ = ["escape_lines", "escape_text", "escape_markdown", "escape_csv", "neutralise_formula", "CONTROL"]

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""The characters :func:`escape_text` makes visible."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_text(value: object) -> str:
    """``value`` as one line of plain text with every control character made visible.

    Examples:
        >>> print(escape_text("Ann" + chr(27) + "[2J" + chr(10) + "Bob"))
        Ann\\x1b[2J\\nBob
    """
    text = "" if value is None else str(value)
    return CONTROL.sub(_visible, text) if CONTROL.search(text) else text


_NOT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_lines(text: str) -> str:
    """A whole text, Markdown, CSV or HTML document as it goes to a terminal or a file: every control
    character except the line feeds between its lines made visible (the last line of defence behind the
    per-field escaping; JSON is left to :mod:`json`, which escapes control characters itself).

    Examples:
        >>> print(escape_lines("line 1" + chr(10) + "line" + chr(7) + " 2"))
        line 1
        line\\x07 2
    """
    return _NOT_NEWLINE.sub(_visible, text) if _NOT_NEWLINE.search(text) else text


_MD_INLINE = re.compile(r"[\\`*~\[\]|<>]|&(?=#?[A-Za-z0-9]+;)|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_MD_BLOCK = re.compile(r"^(\s*)(?:([#+=-])|(\d{1,9})([.)]))")


def _md_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _MD_ENTITY.get(ch) or "\\" + ch


def escape_markdown(value: object) -> str:
    """``value`` as Markdown inline text that renders as the text itself: no HTML, links, images,
    emphasis, table cells, headings, quotes or list items can come from it.

    Examples:
        >>> print(escape_markdown("<img src=x onerror=alert(1)> *bold* # not a heading"))
        &lt;img src=x onerror=alert(1)&gt; \\*bold\\* # not a heading
        >>> print(escape_markdown("# Heading"))
        \\# Heading
    """
    text = escape_text(value)
    text = _MD_INLINE.sub(_md_char, text)
    block = _MD_BLOCK.match(text)
    if block:
        if block.group(2):
            text = f"{block.group(1)}\\{block.group(2)}{text[block.end():]}"
        else:
            text = f"{block.group(1)}{block.group(3)}\\{block.group(4)}{text[block.end():]}"
    return text


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def neutralise_formula(value: object) -> str:
    """The cell text, with a leading apostrophe if a spreadsheet could read it as a formula (OWASP "CSV
    injection"); a number such as ``-1234.50`` is left a number (``+5`` is written ``5``).

    Examples:
        >>> neutralise_formula("=HYPERLINK(1)"), neutralise_formula("-1234.50"), neutralise_formula("+5")
        ("'=HYPERLINK(1)", '-1234.50', '5')
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA):
        if _NUMBER.match(text):
            return text[1:] if text.startswith("+") else text
        return "'" + text
    return text


def escape_csv(value: object) -> str:
    """A CSV cell: control characters visible, a leading formula character neutralised.

    Examples:
        >>> escape_csv("@SUM(A1)"), escape_csv("BTC" + chr(13))
        ("'@SUM(A1)", 'BTC\\\\r')
    """
    return neutralise_formula(escape_text(value))
