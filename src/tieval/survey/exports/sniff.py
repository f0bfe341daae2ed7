"""What a survey file is, from its first bytes (magic numbers), never from its name.

:func:`sniff` returns the container a reader can open: ``text`` (with its encoding: UTF-8 with or
without a byte-order mark, or UTF-16 with a BOM, as Qualtrics' TSV download and Excel's "Unicode
text" write it), ``xlsx``, ``xls`` (the old OLE2 workbook, read with xlrd) or ``sav`` (SPSS).
Anything else is named as what it is in a one-line :class:`tieval.errors.InputError`: a Stata
``.dta`` or SAS file, an OpenDocument spreadsheet, a PDF, a Word document, an Apple Numbers
file, a Qualtrics survey definition (``.qsf``) instead of its responses, an HTML page saved in
place of a download, the zip a download came in, or binary data.

Signatures: ``PK\\x03\\x04`` zip (OOXML/ODF/Numbers told apart by their members),
``\\xD0\\xCF\\x11\\xE0`` OLE2, ``$FL2``/``$FL3`` SPSS system file, ``<stata_dta>`` (Stata 13+) or a
release byte 0x66-0x73 followed by a byte-order byte (older Stata), ``%PDF``, ``\\x1f\\x8b`` gzip,
``PAR1`` Parquet.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tieval.errors import InputError

__all__ = ["Sniffed", "sniff"]

_HEAD = 4096


@dataclass(frozen=True)
class Sniffed:
    """The container of a survey file: ``kind`` is text, xlsx, xls or sav; for text, its encoding
    (``utf-8`` or ``utf-16``) and the length of its byte-order mark."""

    kind: str
    encoding: str = "utf-8"
    bom: int = 0


def _zip_kind(path: Path) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            mimetype = archive.read("mimetype")[:80].decode("ascii", "replace") if "mimetype" in members else ""
    except zipfile.BadZipFile as exc:
        raise InputError(path, "a readable XLSX workbook (the zip container is damaged)", found=str(exc)) from None
    if "xl/workbook.xml" in members:
        return Sniffed("xlsx")
    if "opendocument.spreadsheet" in mimetype:
        raise InputError(path, "a CSV or an .xlsx workbook; found an OpenDocument spreadsheet (.ods): save it as .xlsx")
    if mimetype.startswith("application/vnd.oasis.opendocument"):
        raise InputError(path, "a CSV or an .xlsx workbook; found an OpenDocument document, not a spreadsheet")
    if "word/document.xml" in members:
        raise InputError(path, "a CSV or an .xlsx workbook; found a Word document (.docx)")
    if "ppt/presentation.xml" in members:
        raise InputError(path, "a CSV or an .xlsx workbook; found a PowerPoint presentation (.pptx)")
    if any(m.startswith("Index/") and m.endswith(".iwa") for m in members):
        raise InputError(path, "a CSV or an .xlsx workbook; found an Apple Numbers file: export it as CSV or Excel")
    inner = [m for m in members if m.lower().endswith((".csv", ".xlsx", ".tsv", ".sav", ".xls"))]
    if inner:
        raise InputError(
            path,
            "the export itself, not a zip download (unzip it and use the file inside)",
            found=", ".join(sorted(inner)[:3]),
        )
    raise InputError(path, "a CSV or an .xlsx workbook; found a zip archive that is not a workbook")


def _is_old_stata(head: bytes) -> bool:
    """Stata 4-12 ``.dta``: a release byte (0x66-0x73), byte order (1 or 2), file type 1."""
    return len(head) >= 4 and 0x66 <= head[0] <= 0x73 and head[1] in (1, 2) and head[2] == 1 and head[3] == 0


def sniff(path: Path) -> Sniffed:
    """The container of ``path`` from its first bytes; :class:`InputError` for a file that is not
    a survey export tieval reads, named as what it is."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Sniffed("xls")
    if head.startswith((b"$FL2", b"$FL3")):
        return Sniffed("sav")
    if head.startswith(b"<stata_dta>") or _is_old_stata(head):
        raise InputError(
            path, "a CSV, .xlsx or SPSS .sav export; found a Stata .dta file (export the survey as CSV or .sav)"
        )
    if head.startswith(b"%PDF"):
        raise InputError(path, "a survey export (CSV, .xlsx or .sav); found a PDF document (a report, not the data)")
    if head.startswith(b"\x1f\x8b"):
        raise InputError(path, "a survey export (CSV, .xlsx or .sav); found a gzip-compressed file (decompress it)")
    if head.startswith(b"PAR1"):
        raise InputError(path, "a survey export (CSV, .xlsx or .sav); found a Parquet file")
    if head[:32].startswith(b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xc2\xea\x81\x60"):
        raise InputError(path, "a survey export (CSV, .xlsx or .sav); found a SAS data set (.sas7bdat)")
    return _text_kind(path, head)


#: At most this many NUL bytes in the first block of a file that is otherwise UTF-8 text.
_STRAY_NULS = 8


def _text_with_stray_nuls(head: bytes) -> bool:
    """Whether ``head`` is UTF-8 text but for a few NUL bytes (a broken export, not binary data)."""
    if head.count(0) > _STRAY_NULS:
        return False
    try:
        head.replace(b"\x00", b"").decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end of the block is text
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


def _text_kind(path: Path, head: bytes) -> Sniffed:
    """A text file's encoding, or the error for text that is not a survey export."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Sniffed("text", "utf-16", 2)
    bom = 3 if head.startswith(codecs.BOM_UTF8) else 0
    if b"\x00" in head:
        odd = head[1::2]
        if len(odd) > 8 and odd.count(0) > 0.9 * len(odd) or head[0::2].count(0) > 0.9 * len(head[0::2]):
            raise InputError(
                path, "UTF-8 comma-separated text; found UTF-16 text without a byte-order mark (export again as CSV)"
            )
        if not _text_with_stray_nuls(head):
            raise InputError(
                path,
                "a text CSV file (this is binary data: an image, a PDF or another kind of file?)",
                found=f"byte 0x00 at offset {head.index(0)}",
            )
        # text with a NUL or two (a broken export): read on, and the cell holding it is named
        # (tieval.store.check_cells, run on every column kept)
    start = head[bom : bom + 600].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head")):
        raise InputError(
            path, "a survey export; found an HTML web page (a login or error page saved instead of the download?)"
        )
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise InputError(path, "a CSV or an .xlsx workbook; found an Excel 2003 XML spreadsheet: save it as .xlsx")
    if start.startswith(b"{\\rtf"):
        raise InputError(path, "a survey export; found a rich-text (.rtf) document")
    if start.startswith(b"{") and re.search(rb'"(SurveyEntry|SurveyElements)"', head):
        raise InputError(
            path,
            "a survey export (the responses); found a Qualtrics survey definition (.qsf): export the responses "
            "from Data & Analysis",
        )
    return Sniffed("text", "utf-8", bom)
