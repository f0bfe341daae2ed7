"""The one error type for bad input: it names the file, the row, the column and what was expected.

Every reader and validator in `tieval` raises :class:`InputError` (or its
subclass :class:`ConfigError` for ``study.yml`` problems) instead of letting a
``KeyError`` or a parser traceback escape.  ``str(error)`` is a single line a
researcher can act on, e.g.::

    data/lancashire-tiat/raw/survey.csv, row 12, column Q2_1: expected one of
    'Strongly disagree', 'Disagree', ... ; found 'Agre'

Rows are counted as the user sees them in a spreadsheet: the first line of
the file is row 1, so the first Qualtrics answer row is row 4.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["InputError", "ConfigError", "display_path"]


def display_path(path: str | Path | None) -> str:
    """Return ``path`` relative to the working directory when it lies below it."""
    if path is None:
        return "<input>"
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


class InputError(ValueError):
    """A problem with an input file, located as precisely as the input allows.

    Parameters
    ----------
    file:
        The file that holds the problem.
    expected:
        What the file should have held, in words.
    row:
        Spreadsheet row number (1 = first line of the file), if known.
    column:
        Column name (or key) that holds the problem, if known.
    found:
        The offending value, shown quoted and shortened.
    """

    def __init__(self, file, expected: str, *, row: int | None = None, column: str | None = None, found=None):
        self.file = display_path(file)
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        super().__init__(self._message())

    def _message(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row:,}".replace(",", ""))
        if self.column is not None:
            where.append(f"{self._column_word()} {self.column}")
        text = ", ".join(where) + f": expected {self.expected}"
        if self.found is not None:
            found = str(self.found).replace("\n", "\\n")
            if len(found) > 60:
                found = found[:57] + "..."
            text += f"; found {found!r}"
        return text

    def _column_word(self) -> str:
        return "column"

    def one_line(self) -> str:
        """The message as printed by the command line and the build."""
        return f"error: {self}"


class ConfigError(InputError):
    """A problem in a study's configuration (``study.yml``, codebook, triangulation file).

    ``column`` holds the dotted key path, e.g. ``instrument.items[3].scale``.
    """

    def _column_word(self) -> str:
        return "key"
