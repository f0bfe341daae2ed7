"""The cells of a workbook as text: ``.xlsx`` (openpyxl) and the old ``.xls`` (xlrd).

Each cell becomes the text a CSV export of it would hold: a whole number without ``.0`` (Excel
stores every number as a float), a date as ISO text, an empty cell as ``''``.  Trailing empty rows
and columns (a sheet's formatted but unused range) are dropped.  The sheet is ``survey.sheet`` of
study.yml, else the first one.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from tieval.errors import InputError

__all__ = ["cell_text", "read_grid"]


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


def _pick(path: Path, names: list[str], wanted: str | None) -> int:
    if wanted and wanted not in names:
        raise InputError(path, f"a sheet named {wanted!r} (survey.sheet in study.yml)", found=", ".join(names))
    return names.index(wanted) if wanted else 0


def _xlsx(path: Path, sheet: str | None) -> list[list[str]]:
    import openpyxl  # noqa: PLC0415 - heavy reader, loaded only for workbooks

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = workbook.worksheets[_pick(path, workbook.sheetnames, sheet)]
        return [[cell_text(v) for v in row] for row in ws.iter_rows(min_row=1, values_only=True)]
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


def _xls(path: Path, sheet: str | None) -> list[list[str]]:
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
        ws = book.sheet_by_index(_pick(path, book.sheet_names(), sheet))
        return [[cell_text(_xls_value(book, c)) for c in ws.row(r)] for r in range(ws.nrows)]
    finally:
        book.release_resources()


def read_grid(path: Path, kind: str, sheet: str | None = None) -> list[list[str]]:
    """The sheet's rows as lists of text of one width, trailing empty rows and columns dropped."""
    grid = _xlsx(path, sheet) if kind == "xlsx" else _xls(path, sheet)
    while grid and not any(c.strip() for c in grid[-1]):
        grid.pop()
    if not grid:
        raise InputError(path, "a survey export with a header row and responses; found an empty sheet")
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    while width > 1 and not grid[0][width - 1].strip() and not any(r[width - 1].strip() for r in grid):
        width -= 1
    return [r[:width] for r in grid]
