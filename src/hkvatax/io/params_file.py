"""A user's parameter file (``--params FILE``): read here, in the io layer, by the bounded TOML reader.

The rules never open a file (tests/test_layers.py); :func:`load_params` reads the file's bytes within the
document size limit, parses them with :func:`hkvatax.documents.read_toml` (depth, dotted keys, integer
length) and lays the values over the shipped tables (:meth:`hkvatax.rules.params.ParamStore.overlay_toml`,
decision 0122). Every failure is one :class:`~hkvatax.errors.ParamsFileError` (``bad_params_file``).
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from ..documents import MAX_DOCUMENT_CHARS
from ..errors import ParamsFileError
from ..rules.params import ParamStore, default_params

__all__ = ["load_params"]


def load_params(file: str | PathLike[str], base: ParamStore | None = None) -> ParamStore:
    """The shipped tables (or ``base``) with the values of the user's TOML file ``file`` laid over them.

    The file has the format of the shipped tables; every entry needs ``from``, ``value``, ``citation`` and
    ``status``. Each value replaces the base only for the years it covers, and names the file as its origin.
    A parameter hkvatax does not know, a file beyond a limit, or a file that cannot be read is a
    :class:`ParamsFileError`.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from hkvatax.periods import YearOfAssessment
        >>> file = Path(tempfile.mkdtemp()) / "rates.toml"
        >>> _ = file.write_text('[[profits_tax.corporation.standard_rate]]\\nfrom = "2027/28"\\nvalue = "0.17"\\n'
        ...                     'citation = "a Budget proposal"\\nstatus = "proposed"\\n', encoding="utf-8")
        >>> store = load_params(file)
        >>> rate = store.at("profits_tax.corporation.standard_rate", YearOfAssessment.parse("2027/28"))
        >>> rate.value, rate.status, rate.origin
        (Decimal('0.17'), 'proposed', 'user file rates.toml')
        >>> store.at("profits_tax.corporation.standard_rate", YearOfAssessment.parse("2026/27")).value
        Decimal('0.165')
    """
    path = Path(file)
    try:
        if path.stat().st_size > MAX_DOCUMENT_CHARS:
            raise ParamsFileError(f"{path.name}: the parameter file is larger than {MAX_DOCUMENT_CHARS:,} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParamsFileError(f"{path}: cannot read the parameter file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ParamsFileError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    return (base if base is not None else default_params()).overlay_toml(text, path.name)
