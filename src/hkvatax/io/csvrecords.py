"""CSV records, one per physical line: the one record reader of every CSV file hkvatax reads.

A CSV record never spans lines here (decision 0150). A quote that a line opens and does not close — a
note written ``"from HashKey`` — would make Python's :mod:`csv` read on to the next line that ends a
field in ``"`` and merge every row in between into one cell: rows vanish and nothing is said. Instead the
line is refused at its own row as ``unclosed_quote`` and the next line is read as the record it is. A
quoted cell holding a line break is the same case: refused, never read as one cell (hkvatax writes none:
its CSV writer makes line breaks visible, docs/security.md).

:class:`Records` is a drop-in for ``csv.reader`` (``next``, ``line_num``): the C reader reads lines in the
usual case, and only a record the C reader would have run over several lines is taken apart and each of
its lines read on its own. So every line is read independently of the ones before it, in linear time.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator

from ..errors import Problem, SourceRef

__all__ = ["Records", "LineRefused", "UnclosedQuote", "RowTooLong", "UNCLOSED_QUOTE", "MAX_ROW_CHARS", "records",
           "unclosed_problem"]

#: The error code of a line that opens a quote it does not close.
UNCLOSED_QUOTE = "unclosed_quote"
_SENTINEL = "x"
#: Longest CSV line read (characters): a longer line is ``row_too_long``, never split (a 200 MB line of
#: commas used to become 200 million cells, 6 GB).
MAX_ROW_CHARS = 1024 * 1024


class LineRefused(Exception):
    """A line that is not read (``line``: its 1-based number; ``code``: the problem's code).

    Examples:
        >>> refused = RowTooLong(7)
        >>> isinstance(refused, LineRefused), refused.line, refused.code
        (True, 7, 'row_too_long')
    """

    code = "bad_row"

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}: {self.message}")
        self.line = line

    @property
    def message(self) -> str:
        raise NotImplementedError


class UnclosedQuote(LineRefused):
    """A line opens a quoted cell and does not close it.

    Examples:
        >>> reader = Records('a,b\\n"open,1\\nc,2\\n')
        >>> next(reader)
        ['a', 'b']
        >>> try:
        ...     next(reader)
        ... except UnclosedQuote as exc:
        ...     print(exc.line, exc.code)
        2 unclosed_quote
        >>> next(reader)  # the next line is read as the record it is
        ['c', '2']
    """

    code = UNCLOSED_QUOTE

    @property
    def message(self) -> str:
        return ("a cell opens a quote (\") that this line does not close; a cell cannot run over several "
                "lines: close the quote, or write the cell without it (a quote inside a cell is doubled: \"\")")


class RowTooLong(LineRefused):
    """A line longer than :data:`MAX_ROW_CHARS`: refused before it is split into cells.

    Examples:
        >>> reader = Records("h\\n" + "a," * MAX_ROW_CHARS + "\\nok\\n")
        >>> next(reader)
        ['h']
        >>> try:
        ...     next(reader)
        ... except RowTooLong as exc:
        ...     print(exc)
        line 2: the line is longer than 1,048,576 characters; it is not read
        >>> next(reader)
        ['ok']
    """

    code = "row_too_long"

    @property
    def message(self) -> str:
        return f"the line is longer than {MAX_ROW_CHARS:,} characters; it is not read"


def _alone(line: str) -> list[str] | None:
    """The cells of one line read on its own, or None if it leaves a quote open."""
    rows = list(csv.reader([line, _SENTINEL]))
    if len(rows) != 2:  # the open quote swallowed the sentinel
        return None
    return rows[0]


class Records:
    """``csv.reader`` over ``text`` with one record per physical line (``\\n``, ``\\r\\n`` or ``\\r``).

    ``next()`` returns a line's cells or raises :class:`UnclosedQuote` for a line that opens a quote it does
    not close (reading may continue with the next line), or :class:`csv.Error` as ``csv.reader`` does
    (a cell over the field size limit). ``line_num`` is the number of the line last returned or refused.

    Examples:
        >>> reader = Records('date,note\\r\\n2024-05-01,"a, b"\\r\\n')
        >>> next(reader), reader.line_num
        (['date', 'note'], 1)
        >>> next(reader), reader.line_num
        (['2024-05-01', 'a, b'], 2)
    """

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text, newline="")
        self._taken: list[str] = []
        self._last = False
        self._too_long: set[int] = set()
        self._reader = csv.reader(self._feed())
        self._queue: deque[str] = deque()  # lines of a record the C reader ran over, to be read one by one
        self._next_line = 1  # number of the next line to hand out
        self.line_num = 0

    def _feed(self) -> Iterator[str]:
        previous = self._line()
        fed = 0
        while previous is not None:
            line = self._line()
            self._last = line is None
            fed += 1
            if len(previous) > MAX_ROW_CHARS and len(previous.rstrip("\r\n")) > MAX_ROW_CHARS:  # refused unsplit
                self._too_long.add(fed)
                previous = "\n"
            self._taken.append(previous)
            yield previous
            previous = line

    def _line(self) -> str | None:
        line = self._lines.readline(MAX_ROW_CHARS + 3)
        if len(line) > MAX_ROW_CHARS + 2:  # skip the rest of the line without holding it
            while line[-1:] not in ("\n", "\r") and (more := self._lines.readline(MAX_ROW_CHARS)):
                line = line[:MAX_ROW_CHARS + 1] + more[-1:]
        return line or None

    def __iter__(self) -> Records:
        return self

    def _hand(self, line: str) -> list[str]:
        number = self._next_line
        self._next_line += 1
        self.line_num = number
        if number in self._too_long:
            raise RowTooLong(number)
        cells = _alone(line)
        if cells is None:
            raise UnclosedQuote(number)
        return cells

    def __next__(self) -> list[str]:
        if self._queue:
            return self._hand(self._queue.popleft())
        self._taken.clear()
        try:
            cells = next(self._reader)  # StopIteration passes through
        except csv.Error:
            if len(self._taken) > 1:  # the C reader ran over several lines (a quote left open): each on its own
                self._queue = deque(self._taken[1:])
                return self._hand(self._taken[0])
            self.line_num = self._next_line  # the line that cannot be read: refused, and reading goes on with
            self._next_line += 1  # the next line (the C reader starts a new record after an error)
            raise
        taken = self._taken
        if len(taken) == 1:
            line = taken[0]
            if (self._last and '"' in line) or self._next_line in self._too_long:  # (a quote left open at the
                return self._hand(line)  # end of the file is closed there silently by the csv module)
            self._next_line += 1
            self.line_num = self._next_line - 1
            return cells
        self._queue = deque(taken[1:])
        return self._hand(taken[0])


def unclosed_problem(file: str | None, line: int) -> Problem:
    """The problem of a line that opens a quote it does not close.

    Examples:
        >>> problem = unclosed_problem("ledger.csv", 2)
        >>> problem.code, problem.source.file, problem.source.row
        ('unclosed_quote', 'ledger.csv', 2)
    """
    return Problem(UNCLOSED_QUOTE, UnclosedQuote(line).message, SourceRef(file=file, row=line))


def records(reader: Records, file: str | None) -> Iterator[tuple[int, list[str] | Problem]]:
    """The rest of ``reader``'s lines as (line, cells), or (line, problem): ``unclosed_quote`` for a line that
    leaves a quote open, ``bad_row`` for a line ``csv`` cannot read (a cell over its field size limit); in both
    cases the next line is read.

    Examples:
        >>> for line, item in records(Records('a,b\\n"open,1\\nc,2\\n'), "ledger.csv"):
        ...     print(line, item if isinstance(item, list) else item.code)
        1 ['a', 'b']
        2 unclosed_quote
        3 ['c', '2']
    """
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except LineRefused as exc:
            yield exc.line, Problem(exc.code, exc.message, SourceRef(file=file, row=exc.line))
            continue
        except csv.Error as exc:
            yield reader.line_num, Problem("bad_row", f"not readable as CSV: {exc}; this line is not read, the "
                                           "next ones are", SourceRef(file=file, row=reader.line_num))
            continue
        yield reader.line_num, cells
