"""The cells of a workbook as text: ``.xlsx`` (openpyxl) and the old ``.xls`` (xlrd).

Each cell becomes the text a CSV export of it would hold: a whole number without ``.0`` (Excel
stores every number as a float), a date as ISO text, an empty cell as ``''``.  Trailing empty rows
and columns (a sheet's formatted but unused range) are dropped.

Which sheet (:func:`pick_sheet`): the one ``survey.sheet`` of study.yml names (a hidden sheet too,
since it is named), else the workbook's only visible sheet.  A hidden sheet is never chosen
unnamed, and a workbook with several visible sheets and no ``survey.sheet`` is a one-line error
naming them and the key.

Merged cells of an ``.xlsx`` (:attr:`Sheet.merged`): openpyxl reads every cell of a merged range
but its top-left one as empty.  :func:`fill_header_merges` fills a range lying in the header rows
along its top row from its top-left value (SurveyMonkey merges a question's text over its
sub-answer columns) and refuses a range that reaches an answer row, whose cells cannot be read
with certainty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from tieval.errors import InputError
from tieval.survey.exports.layouts import column_letter

__all__ = ["cell_text", "read_grid", "read_sheet", "pick_sheet", "Sheet", "Merge", "fill_header_merges"]

#: The study.yml key that names the sheet to read.
SHEET_KEY = "survey.sheet"


def cell_text(value) -> str:
    """A cell value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Merge:
    """A merged range of cells (1-based rows and columns, inclusive), e.g. ``C1:E1``."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def ref(self) -> str:
        """The range as a spreadsheet shows it, e.g. ``C1:E1``."""
        first = f"{column_letter(self.min_col - 1)}{self.min_row}"
        return f"{first}:{column_letter(self.max_col - 1)}{self.max_row}"


@dataclass
class Sheet:
    """The sheet read from a workbook: its title, its cells as text, its merged ranges."""

    title: str
    grid: list[list[str]]
    merged: list[Merge] = field(default_factory=list)


def pick_sheet(path: Path, names: list[str], hidden: list[bool], wanted: str | None) -> int:
    """The position of the sheet to read among ``names`` (``hidden[i]``: sheet ``i`` is hidden or very
    hidden): the one named ``wanted`` (hidden or not: it is named), else the only visible sheet.

    A one-line :class:`InputError` names the file, the sheets and the key to set when ``wanted`` is
    not a sheet, when no sheet is visible, or when several are and none is named."""
    if wanted:
        if wanted not in names:
            raise InputError(path, f"a sheet named {wanted!r} ({SHEET_KEY} in study.yml)", found=", ".join(names))
        return names.index(wanted)
    visible = [i for i, h in enumerate(hidden) if not h]
    if len(visible) == 1:
        return visible[0]
    shown = ", ".join(repr(names[i]) for i in visible)
    concealed = [repr(n) for n, h in zip(names, hidden) if h]
    also = f" (hidden: {', '.join(concealed)})" if concealed else ""
    if not visible:
        raise InputError(
            path,
            f"a visible sheet of answers, or the sheet to read named by {SHEET_KEY} in study.yml (a hidden "
            "sheet is read only when named)",
            found=f"only hidden sheets {', '.join(concealed)}",
        )
    raise InputError(
        path,
        f"one visible sheet, or the sheet to read named by {SHEET_KEY} in study.yml",
        found=f"{len(visible)} visible sheets {shown}{also}",
    )


#: Bytes of a worksheet's XML scanned at a time for merged ranges.
MERGE_BLOCK = 1 << 20

#: A ``<mergeCell ref="C1:E1"/>`` element of a worksheet's XML (any namespace prefix).
_MERGE_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")


def _merges(workbook, ws) -> list[Merge]:
    """The merged ranges of a read-only openpyxl worksheet (which does not parse them), from the
    ``<mergeCell ref=...>`` elements of its XML, scanned in blocks (a block's last bytes are scanned
    again with the next, so an element split between two blocks is found once)."""
    from openpyxl.utils.cell import range_boundaries  # noqa: PLC0415 - see _xlsx

    refs: dict[int, bytes] = {}
    keep, offset, tail = 256, 0, b""
    with workbook._archive.open(ws._worksheet_path) as handle:
        while block := handle.read(MERGE_BLOCK):
            buffer = tail + block
            start = offset - len(tail)
            for match in _MERGE_CELL.finditer(buffer):
                refs[start + match.start()] = match.group(1)
            offset += len(block)
            tail = buffer[-keep:]
    found = []
    for ref in refs.values():
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
        found.append(Merge(min_row, min_col, max_row, max_col))
    return sorted(found, key=lambda m: (m.min_row, m.min_col))


def _xlsx(path: Path, sheet: str | None) -> Sheet:
    import openpyxl  # noqa: PLC0415 - heavy reader, loaded only for workbooks

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        hidden = [ws.sheet_state != "visible" for ws in workbook.worksheets]
        ws = workbook.worksheets[pick_sheet(path, workbook.sheetnames, hidden, sheet)]
        grid = [[cell_text(v) for v in row] for row in ws.iter_rows(min_row=1, values_only=True)]
        return Sheet(ws.title, grid, _merges(workbook, ws))
    finally:
        workbook.close()


def _xls_value(book, cell):
    import xlrd  # noqa: PLC0415 - see _xls

    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    return cell.value


def _xls(path: Path, sheet: str | None) -> Sheet:
    import xlrd  # noqa: PLC0415 - heavy reader, loaded only for old workbooks

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # noqa: BLE001 - xlrd raises several types (XLRDError, CompDocError, ...)
        raise InputError(
            path,
            "a readable old-style Excel .xls file (an OLE2 file that is not a workbook: a Word .doc, an "
            "Outlook message or a password-protected workbook?)",
            found=f"{type(exc).__name__}: {' '.join(str(exc).split())}",
        ) from None
    try:
        names = book.sheet_names()
        hidden = [bool(v) for v in getattr(book, "_sheet_visibility", [0] * len(names))]
        index = pick_sheet(path, names, hidden, sheet)
        ws = book.sheet_by_index(index)
        grid = [[cell_text(_xls_value(book, c)) for c in ws.row(r)] for r in range(ws.nrows)]
        return Sheet(names[index], grid)
    finally:
        book.release_resources()


def read_sheet(path: Path, kind: str, sheet: str | None = None) -> Sheet:
    """The sheet to read (:func:`pick_sheet`) of an ``xlsx`` or ``xls`` workbook: its rows as lists of
    text of one width, trailing empty rows and columns dropped, and its merged ranges (``.xlsx``)."""
    read = _xlsx(path, sheet) if kind == "xlsx" else _xls(path, sheet)
    grid = read.grid
    while grid and not any(c.strip() for c in grid[-1]):
        grid.pop()
    if not grid:
        raise InputError(path, "a survey export with a header row and responses; found an empty sheet")
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    while width > 1 and not grid[0][width - 1].strip() and not any(r[width - 1].strip() for r in grid):
        width -= 1
    read.grid = [r[:width] for r in grid]
    return read


def read_grid(path: Path, kind: str, sheet: str | None = None) -> list[list[str]]:
    """The sheet's rows as lists of text of one width (:func:`read_sheet`, merged ranges not applied)."""
    return read_sheet(path, kind, sheet).grid


def _column_name(grid: list[list[str]], col: int) -> str:
    """A 1-based column as errors name it: its header text and letter (``Q9_TEXT (AU)``), or the letter."""
    name = grid[0][col - 1].strip() if grid else ""
    return f"{name} ({column_letter(col - 1)})" if name else column_letter(col - 1)


def fill_header_merges(path: Path, sheet: Sheet, header_rows: int) -> list[list[str]]:
    """``sheet.grid`` with each merged range that lies in the first ``header_rows`` rows filled along
    its top row from its top-left value (a question's text merged over its sub-answer columns); the
    rows below the top of such a range stay as read (empty: the header cell spans them).

    A merged range reaching a row below the header (an answer) is a one-line :class:`InputError`
    naming the file, the sheet and the range: which answer its cells hold cannot be known."""
    grid = [list(r) for r in sheet.grid]
    width = len(grid[0]) if grid else 0
    for merge in sheet.merged:
        if merge.min_row > len(grid) or merge.min_col > width:
            continue  # formatting beyond the cells read (trailing empty rows or columns)
        if merge.max_row > header_rows:
            raise InputError(
                path,
                f"one answer per cell below the {header_rows} header row(s) (sheet {sheet.title!r} merges "
                f"{merge.ref}: unmerge the cells and give each its own value)",
                row=max(merge.min_row, header_rows + 1),
                column=_column_name(grid, merge.min_col),
                found=f"merged cells {merge.ref}",
            )
        row = grid[merge.min_row - 1]
        for col in range(merge.min_col, min(merge.max_col, width) + 1):
            row[col - 1] = row[merge.min_col - 1]
    return grid
