"""The file access policy: which files a profile may make hkvatax read (docs/security.md, "File policy").

A profile (JSON or TOML) may name files — today ``rates_file``. hkvatax reads such a file only if:

* without an allow-list: the name is **relative** (no drive, no leading ``/``), has **no ``..``** part,
  and the file it resolves to — following every symbolic link — lies **inside the profile's own folder**;
  a profile given as a mapping (no file, so no folder) may name no file at all;
* with an allow-list (``allow_files=[...]`` in Python, ``--allow-file PATH`` on the command line, each a
  file or a folder): the file resolves (links followed) to an allowed file or to a file inside an allowed
  folder; the name may then be absolute, and a relative name is taken from the profile's folder (the
  current folder for a mapping);
* and in both cases it is a **regular file** (no FIFO, device such as ``/dev/zero``, socket or folder) of at
  most :data:`MAX_NAMED_FILE_BYTES` bytes.

Anything else is ``file_not_allowed`` (outside the policy) or ``bad_file`` (missing, not a regular file,
too large), checked before a byte is read. Messages name the file as given (control characters made
visible, at most 120 characters) and never quote its content. Nothing else is read unasked: there is no
discovery of profiles beside a ledger (docs/decisions/0146-file-access-policy.md).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path, PurePath

from ..errors import InputError, Problem, SourceRef
from ..escape import escape_text

__all__ = ["MAX_NAMED_FILE_BYTES", "MAX_NAME_CHARS", "AllowFiles", "named_file"]

MAX_NAMED_FILE_BYTES = 1 << 30
"""Largest file a profile may name (1 GiB)."""
MAX_NAME_CHARS = 1024
"""Longest file name a profile may give."""

AllowFiles = Sequence[str | Path] | None
"""An explicit allow-list of files and folders, or None for the default policy (the profile's folder)."""


def _shown(name: str) -> str:
    text = escape_text(name)
    return text if len(text) <= 120 else text[:117] + "…"


def named_file(name: object, *, folder: Path | None, allow: AllowFiles = None, profile: str | None = None,
               field: str = "rates_file") -> Path:
    """The resolved path of the file a profile names in ``field``, if the policy lets hkvatax read it;
    else an :class:`~hkvatax.errors.InputError` (``file_not_allowed`` or ``bad_file``). ``folder``: the
    profile's folder (None for a profile given as a mapping).

    Examples:
        >>> from hkvatax.examples import example_path
        >>> folder = example_path("corporation").parent
        >>> named_file("corporation.json", folder=folder).name
        'corporation.json'
        >>> try:
        ...     named_file("../secret.csv", folder=folder)
        ... except InputError as exc:
        ...     print(exc.problems[0].code)
        file_not_allowed
    """
    where = SourceRef(file=profile)

    def refuse(code: str, message: str, suggestion: str | None = None) -> InputError:
        return InputError([Problem(code, message, where, field, suggestion)])

    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS or "\x00" in name:
        raise refuse("file_not_allowed", f"{field} must be a file name of 1 to {MAX_NAME_CHARS} characters")
    pure = PurePath(name)
    if allow is None:
        if folder is None:
            raise refuse("file_not_allowed", f"a profile given as a mapping has no folder, so it cannot name "
                         f"{_shown(name)!r}", "give the rates inline, or pass allow_files / --allow-file")
        if pure.is_absolute() or pure.anchor or Path(name).is_absolute():
            raise refuse("file_not_allowed", f"{_shown(name)!r} is an absolute path: a profile may name files only "
                         "inside its own folder", "give a path relative to the profile, or pass --allow-file")
        if ".." in pure.parts:
            raise refuse("file_not_allowed", f"{_shown(name)!r} leaves the profile's folder (..)",
                         "give a path inside the profile's folder, or pass --allow-file")
    base = folder if folder is not None else Path.cwd()
    candidate = Path(name) if pure.is_absolute() else base / name
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a link loop, no permission
        raise refuse("bad_file", f"cannot read {_shown(name)!r}: no such file") from None
    if allow is None:
        assert folder is not None
        inside = folder.resolve()
        if not resolved.is_relative_to(inside):
            raise refuse("file_not_allowed", f"{_shown(name)!r} is a link to a file outside the profile's folder",
                         "copy the file into the profile's folder, or pass --allow-file")
    else:
        roots = [Path(a).resolve() for a in allow]
        if not any(resolved == r or resolved.is_relative_to(r) for r in roots):
            raise refuse("file_not_allowed", f"{_shown(name)!r} is not in the allowed files or folders",
                         "add it (or its folder) with --allow-file")
    try:
        info = os.stat(resolved)
    except OSError:
        raise refuse("bad_file", f"cannot read {_shown(name)!r}") from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse("bad_file", f"{_shown(name)!r} is not a regular file (a folder, device, FIFO or socket)")
    if info.st_size > MAX_NAMED_FILE_BYTES:
        raise refuse("bad_file", f"{_shown(name)!r} has {info.st_size} bytes: more than the {MAX_NAMED_FILE_BYTES} "
                     "a profile may name")
    return resolved
