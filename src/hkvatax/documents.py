"""The one bounded reader of JSON and TOML documents (decision 0152).

Every JSON or TOML document hkvatax reads from a user — a JSON scenario, a JSON or TOML profile, a user
parameter file (``--params``) — is parsed here, with limits checked before or while the standard parser
runs, each with a named error (:class:`DocumentError`, a registered code):

* at most :data:`MAX_DOCUMENT_CHARS` characters (``file_too_large``);
* nesting at most :data:`MAX_DEPTH` arrays/objects/tables deep, and a TOML key of at most
  :data:`MAX_KEY_SEGMENTS` dotted parts (``too_deep``: 50,000 nested arrays hit Python's recursion limit,
  and a 195 KiB dotted key took tomllib 3 GB);
* an integer of at most :data:`MAX_INT_DIGITS` digits (``number_too_long``; Python refuses 4,300 digits
  with a bare ``ValueError``);
* no key twice in one JSON object (``duplicate_key``; the last used to win silently — TOML forbids it and
  tomllib refuses it, ``bad_file``);
* JSON: ``NaN``/``Infinity`` refused (not JSON: ``bad_file``); a number with a fraction arrives as a float (then refused for money
  as ``float_money`` by the models).

The pre-scans are single passes of regular expressions without backtracking over the text, so the whole
read is linear in the document's size. Nothing here opens a file: the caller (:mod:`hkvatax.io`) reads
the bytes.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from typing import Any

__all__ = ["MAX_DOCUMENT_CHARS", "MAX_DEPTH", "MAX_KEY_SEGMENTS", "MAX_INT_DIGITS", "DocumentError", "read_json",
           "read_toml"]

#: Largest document read (characters): 256 Mi.
MAX_DOCUMENT_CHARS = 256 * 1024 * 1024
#: Deepest nesting of arrays and objects (tables).
MAX_DEPTH = 64
#: Most dotted parts of one TOML key.
MAX_KEY_SEGMENTS = 64
#: Most digits of one integer.
MAX_INT_DIGITS = 100


class DocumentError(ValueError):
    """A document is beyond a limit or not readable: ``code`` is a registered error code.

    Examples:
        >>> try:
        ...     read_json('{"a": 1, "a": 2}')
        ... except DocumentError as exc:
        ...     print(exc.code, isinstance(exc, ValueError))
        duplicate_key True
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)
_BRACKETS = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_TOML_SKIP = re.compile(r'"""(?:[^"\\]++|\\.|"(?!""))*+"""|\'\'\'(?:[^\']++|\'(?!\'\'))*+\'\'\'|'
                        r'"(?:[^"\\\n]++|\\.)*+"|\'[^\'\n]*+\'|#[^\n]*+', re.S)
_TOML_DOTTED = re.compile(r"(?<![A-Za-z0-9_-])(?:[A-Za-z0-9_-]++[ \t]*+\.[ \t]*+){" + str(MAX_KEY_SEGMENTS) + "}")
_TOML_DIGITS = re.compile(r"[0-9_]{" + str(MAX_INT_DIGITS + 1) + ",}")


def _size(text: str) -> None:
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentError("file_too_large", f"a document of {len(text):,} characters (at most "
                                              f"{MAX_DOCUMENT_CHARS:,})")


def _depth(skeleton: str) -> None:
    brackets = _BRACKETS.sub("", skeleton)
    if brackets and max(itertools.accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH:
        raise DocumentError("too_deep", f"nested more than {MAX_DEPTH} arrays or objects deep")


class FloatLiteral(float):
    """A JSON number with a fraction: a float, so that the models refuse it for money (``float_money``)."""


def _float(text: str) -> float:
    return FloatLiteral(text)


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise DocumentError("number_too_long", f"an integer of {len(text.lstrip('-')):,} digits (at most "
                                               f"{MAX_INT_DIGITS})")
    return int(text)


def _constant(text: str) -> Any:
    raise json.JSONDecodeError(f"{text} is not allowed in hkvatax JSON", text, 0)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise DocumentError("duplicate_key", f"the key {twice[:60]!r} is given twice in one object (which "
                                             "value is meant cannot be known)")
    return out


def read_json(text: str) -> Any:
    """``text`` as JSON within the limits; :class:`DocumentError` (a limit) or :class:`json.JSONDecodeError`
    (not JSON) otherwise.

    Examples:
        >>> read_json('{"amount": "1.50", "n": [1, 2]}')
        {'amount': '1.50', 'n': [1, 2]}
        >>> isinstance(read_json("0.1"), float)  # a fraction arrives as a float, refused for money later
        True
        >>> for text in ('{"a": 1, "a": 2}', "[" * 65 + "]" * 65):
        ...     try:
        ...         read_json(text)
        ...     except DocumentError as exc:
        ...         print(exc.code)
        duplicate_key
        too_deep
    """
    _size(text)
    try:
        data = json.loads(text, parse_float=_float, parse_int=_int, parse_constant=_constant,
                          object_pairs_hook=_pairs)
    except (ValueError, RecursionError):  # (DocumentError and JSONDecodeError are ValueErrors)
        _depth(_JSON_STRING.sub("", text))  # too deep is the problem named first, as when it was checked first
        raise
    if _nesting(data) > MAX_DEPTH:  # the parsed document's depth is its brackets' (walked, not re-scanned)
        raise DocumentError("too_deep", f"nested more than {MAX_DEPTH} arrays or objects deep")
    return data


def _nesting(data: Any) -> int:
    """How deep arrays and objects nest in a parsed JSON document (a scalar: 0), stopping past MAX_DEPTH."""
    deepest = 0
    todo: list[tuple[Any, int]] = [(data, 1)] if type(data) in (dict, list) else []
    while todo:
        node, level = todo.pop()
        if level > deepest:
            deepest = level
            if deepest > MAX_DEPTH:
                break
        for child in (node.values() if type(node) is dict else node):
            if type(child) is dict or type(child) is list:
                todo.append((child, level + 1))
    return deepest


def read_toml(text: str) -> dict[str, Any]:
    """``text`` as TOML within the limits; :class:`DocumentError` (a limit) or :class:`tomllib.TOMLDecodeError`
    (not TOML, including a key given twice) otherwise.

    Examples:
        >>> read_toml('[rates]\\nstandard = "0.165"\\n')
        {'rates': {'standard': '0.165'}}
        >>> for text in ("a." * 64 + "b = 1", "x = " + "9" * 101):
        ...     try:
        ...         read_toml(text)
        ...     except DocumentError as exc:
        ...         print(exc.code)
        too_deep
        number_too_long
    """
    _size(text)
    skeleton = _TOML_SKIP.sub("s", text)
    _depth(skeleton)
    if _TOML_DOTTED.search(skeleton):
        raise DocumentError("too_deep", f"a key of more than {MAX_KEY_SEGMENTS} dotted parts")
    if _TOML_DIGITS.search(skeleton):
        raise DocumentError("number_too_long", f"a number of more than {MAX_INT_DIGITS} digits")
    return tomllib.loads(text)
