"""Every importer's test file (tests/data/importers/), mutated as *text*: characters, quotes, fields, lines.

tests/hostile/test_hostile_inputs.py edits cells and writes the file back with a correct CSV writer; here the
file itself is damaged the way a hand-edited or truncated export is — an unbalanced quote, a stray comma, a
deleted or doubled line, a cut-off last line, a byte-order mark, CRLF line ends, a damaged header — and the
result is checked against the lines that were written (:func:`check_rows_accounted`): every written line is
used or reported, a record that swallowed several written lines is reported, never merged silently.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hkvatax.io.importers import IMPORTERS, import_file

from .harness import case, check_rows_accounted, hostile_settings
from .test_hostile_inputs import DATA, FILES, _check_result, _run_ledger_too

#: What a damaged cell or a stray keystroke may hold (never a line break: the generator knows its lines).
CHARS = st.sampled_from(['"', '"', ",", ";", "\t", " ", "\x00", "\u202e", "\ufeff", "e", "E", "-", "+", ".",
                         "0", "9", "'", "=", "\\", "١", "０", "€", "$", "%"])
FIELDS = st.sampled_from(['"', '""', '"unterminated', 'note "quoted" inside', '"a""b"', "1.000,50", "1,5",
                          "$1.112,40", "-0", "1e-999999", "1E+30", "9" * 60, "0." + "0" * 40 + "1",
                          "20240501", "2023-05-01 08:00:00.123456789", "2023-13-01 00:00:00", "NaN", "-1",
                          "=1+1", "", "  ", "BTC", "btc", "B TC", "ETH", "USDT", "HKD", "Buy", "SELL", "trade"])


def _lines(fmt: str) -> tuple[list[str], int]:
    """The file's lines (without line ends) and the index of its header line."""
    lines = (DATA / FILES[fmt]).read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("ID,")) if fmt == "coinbase" else 0
    return lines, header_at


def _mutate_line(data: st.DataObject, line: str) -> str:
    op = data.draw(st.integers(0, 4), label="line edit")
    at = data.draw(st.integers(0, len(line)), label="at")
    if op == 0:  # a stray character
        return line[:at] + data.draw(CHARS) + line[at:]
    if op == 1:  # characters deleted
        return line[:at] + line[at + data.draw(st.integers(1, 8)):]
    cells = line.split(",")  # naive on purpose: a hand edit does not respect quoting
    i = data.draw(st.integers(0, len(cells) - 1), label="cell")
    if op == 2:  # a field replaced, raw
        cells[i] = data.draw(FIELDS)
    elif op == 3:  # a quote opened at the start of a field (a note that begins with ")
        cells[i] = '"' + cells[i].lstrip('"')
    else:  # a field removed or doubled
        if data.draw(st.booleans()) and len(cells) > 1:
            del cells[i]
        else:
            cells.insert(i, cells[i])
    return ",".join(cells)


def _text_test(fmt: str) -> Any:
    original, header_at = _lines(fmt)

    @hostile_settings(f"text-{fmt}", 400)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        with case(f"text-{fmt}"):
            lines = list(original)
            for _ in range(data.draw(st.integers(1, 4), label="edits")):
                body = list(range(header_at + 1, len(lines)))
                op = data.draw(st.integers(0, 9), label="op")
                if op <= 5 and body:
                    i = data.draw(st.sampled_from(body))
                    lines[i] = _mutate_line(data, lines[i])
                elif op == 6 and len(body) > 1:  # a line deleted
                    i = data.draw(st.sampled_from(body))
                    del lines[i]
                elif op == 7 and body:  # a line doubled
                    i = data.draw(st.sampled_from(body))
                    lines.insert(i, lines[i])
                elif op == 8 and body:  # two lines swapped
                    i, j = data.draw(st.sampled_from(body)), data.draw(st.sampled_from(body))
                    lines[i], lines[j] = lines[j], lines[i]
                else:  # the header damaged
                    lines[header_at] = _mutate_line(data, lines[header_at])
            text = "\n".join(lines) + "\n"
            if data.draw(st.integers(0, 7), label="cut") == 0:  # a truncated download
                text = text[: data.draw(st.integers(0, len(text)))]
            written = [n + 1 for n in range(header_at + 1, len(lines)) if lines[n].strip()]
            ending = data.draw(st.sampled_from(["\n", "\n", "\r\n"]), label="line end")
            if ending != "\n":
                text = text.replace("\n", ending)
            if data.draw(st.integers(0, 9), label="bom") == 0:
                text = "\ufeff" + text
            result = import_file(fmt, text=text, file=f"text-{fmt}.csv")
            _check_result(result)
            cut = text.lstrip("\ufeff").replace("\r\n", "\n")
            complete = cut.count("\n")  # lines that survived a truncation whole
            check_rows_accounted(result, cut, [n for n in written if n <= complete])
            _run_ledger_too(result)

    return run


for _fmt in sorted(IMPORTERS):
    if _fmt in FILES:
        globals()[f"test_text_mutations_{_fmt.replace('-', '_')}"] = _text_test(_fmt)


def test_every_importer_has_a_test_file_that_is_mutated() -> None:
    assert set(FILES) == set(IMPORTERS)
