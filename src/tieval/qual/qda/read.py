"""read_codings: any supported coding-software export, the reader chosen by content."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tieval.errors import InputError
from tieval.qual.qda.project import QdaProject
from tieval.qual.qda.qualcoder import read_qualcoder_csv
from tieval.qual.qda.refi import read_qdpx
from tieval.qual.qda.sheets import is_xlsx, read_rows
from tieval.qual.qda.taguette import read_taguette

__all__ = ["read_codings"]


def read_codings(path: str | Path, *, coder: str = "") -> QdaProject:
    """Read any supported export, choosing the reader by content.

    An XLSX workbook or a CSV whose header has id, document, tag, content ->
    :func:`~tieval.qual.qda.taguette.read_taguette` (with ``coder``); any other zip (``.qdpx``)
    or a ``.qde`` -> :func:`~tieval.qual.qda.refi.read_qdpx`; a CSV whose header has Coder, Coded,
    Codename -> :func:`~tieval.qual.qda.qualcoder.read_qualcoder_csv`.  Anything else raises
    :class:`InputError` showing the header it found.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "an existing .qdpx, CSV or XLSX export")
    xlsx = is_xlsx(path)
    if not xlsx and (path.suffix.lower() in (".qdpx", ".qde") or zipfile.is_zipfile(path)):
        return read_qdpx(path)
    rows = read_rows(path)
    header = {h.strip().lower() for h in (rows[0] if rows else [])}
    if {"id", "document", "tag", "content"} <= header:
        return read_taguette(path, coder=coder)
    if {"coder", "coded", "codename"} <= header and not xlsx:
        return read_qualcoder_csv(path)
    raise InputError(
        path,
        "a REFI-QDA .qdpx, a Taguette highlights CSV or XLSX (id, document, tag, "
        "content) or a QualCoder coded-text CSV (File, Coder, Coded, Id, Codename)",
        row=1,
        found=",".join(rows[0]) if rows else "an empty file",
    )
