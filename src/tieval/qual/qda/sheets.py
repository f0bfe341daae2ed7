"""Export tables (CSV, XLSX) read as rows of strings, for the Taguette and QualCoder readers.

CSV: UTF-8, a leading byte-order mark dropped (QualCoder writes one, Taguette none).
XLSX: the first worksheet (Taguette's is named ``highlights``), every cell as text:
numbers written as numbers (an ``id`` typed by hand, or re-saved by Excel) are shown
the way a spreadsheet shows them (``3``, not ``3.0``), empty cells are ``""``.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from tieval import store
from tieval.errors import InputError

__all__ = ["read_rows", "is_xlsx"]


def is_xlsx(path: Path) -> bool:
    """Whether ``path`` is an Office Open XML workbook (a zip holding xl/workbook.xml)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return "xl/workbook.xml" in archive.namelist()


def read_rows(path: Path) -> list[list[str]]:
    """All rows of a CSV or XLSX export, header included, as strings, or InputError."""
    if not path.is_file():
        raise InputError(path, "an existing CSV or XLSX file")
    if is_xlsx(path):
        return _read_xlsx_rows(path)
    return _read_csv_rows(path)


def _read_csv_rows(path: Path) -> list[list[str]]:
    """All rows of a CSV (UTF-8, optional BOM), header included, or InputError."""
    if not path.is_file():
        raise InputError(path, "an existing CSV file")
    store.note_input(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    except UnicodeDecodeError:
        raise InputError(path, "a CSV file encoded as UTF-8") from None
    except csv.Error as exc:
        raise InputError(path, "a well-formed CSV file", found=str(exc)) from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx_rows(path: Path) -> list[list[str]]:
    """The first worksheet of an XLSX workbook as rows of strings."""
    import openpyxl  # noqa: PLC0415 - heavy optional reader, only for XLSX exports

    store.note_input(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputError(path, "a readable XLSX workbook", found=type(exc).__name__) from None
    try:
        sheet = workbook.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _header_index(header: list[str], required: list[str], path: Path, what: str) -> dict[str, int]:
    """Map lower-cased column names to positions; InputError (row 1) for a missing one."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        index.setdefault(name.strip().lower(), i)
    for name in required:
        if name.lower() not in index:
            raise InputError(path, f"{what}: columns {', '.join(required)}", row=1, column=name, found="missing")
    return index
