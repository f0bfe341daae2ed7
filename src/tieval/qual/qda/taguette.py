"""Taguette highlight exports (CSV and XLSX).

Format, as taguette/export.py writes it (``highlights_csv``, ``highlights_xslx``): header
``id, document, tag, content``; one row per highlight and tag, so a highlight with two tags
is two rows with the same id (and the same document and content); a highlight without a
tag is one row with an empty tag; ``tag`` is the tag's full path; ``content`` is the
highlighted snippet converted from HTML to plain text.  The CSV is UTF-8 without a BOM
(``text/csv; charset=utf-8``), CRLF line ends (Python's csv.writer); the XLSX has one
worksheet, ``highlights``, ids written as text.  There is no coder column.
"""

from __future__ import annotations

from pathlib import Path

from tieval.errors import InputError
from tieval.qual.qda.project import (
    CODE_COLUMNS,
    CODING_COLUMNS,
    ISSUE_COLUMNS,
    SOURCE_COLUMNS,
    QdaProject,
    _frame,
)
from tieval.qual.qda.sheets import _header_index, is_xlsx, read_rows

__all__ = ["read_taguette", "read_taguette_csv"]

TAGUETTE_COLUMNS = ["id", "document", "tag", "content"]


def read_taguette(path: str | Path, coder: str = "") -> QdaProject:
    """Read Taguette's highlights export, CSV or XLSX (columns id, document, tag, content).

    Taguette writes no coder: pass ``coder`` to name whose highlights these are.  Each
    document becomes a source (its full text is not in the export); each row a coding
    carrying the highlighted text but no offsets, ``where`` naming its row.  Rows without a
    tag are listed in ``issues``.  Raises :class:`InputError` (file, row, column) for a
    missing column, a tagged highlight with no text, or rows of one highlight id that
    disagree on document or text.
    """
    path = Path(path)
    rows = read_rows(path)
    kind = "XLSX" if is_xlsx(path) else "CSV"
    if not rows:
        raise InputError(
            path, "a Taguette highlights export: header id, document, tag, content", row=1, found="an empty file"
        )
    col = _header_index(rows[0], TAGUETTE_COLUMNS, path, "a Taguette highlights export")
    sources, codes, codings, issues = {}, {}, [], []
    seen: dict[str, tuple[int, str, str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(rows[0]) - len(row))
        hid, document = cells[col["id"]].strip(), cells[col["document"]]
        tag, content = cells[col["tag"]].strip(), cells[col["content"]]
        if not hid:
            raise InputError(path, "a highlight id", row=number, column="id", found="")
        first = seen.setdefault(hid, (number, document, content))
        for column, value, earlier in (("document", document, first[1]), ("content", content, first[2])):
            if value != earlier:
                raise InputError(
                    path,
                    f"the {column} of highlight {hid} as on row {first[0]} ({earlier[:30]!r})",
                    row=number,
                    column=column,
                    found=value,
                )
        sources.setdefault(document, {"source_id": document, "name": document, "text": "", "description": ""})
        if not tag:
            issues.append({"where": f"row {number}", "issue": f"highlight {hid} has no tag"})
            continue
        if not content.strip():
            raise InputError(path, f"the highlighted text of highlight {hid}", row=number, column="content", found="")
        codes.setdefault(
            tag, {"code_id": tag, "name": tag, "parent_id": "", "path": tag, "description": "", "codable": True}
        )
        codings.append(
            {
                "coding_id": f"{hid}:{tag}",
                "selection_id": hid,
                "source_id": document,
                "code_id": tag,
                "start": None,
                "end": None,
                "text": content,
                "coder": coder,
                "note": "",
                "where": f"row {number}",
            }
        )
    return QdaProject(
        name=path.stem,
        origin=f"Taguette highlights {kind}",
        codes=_frame(list(codes.values()), CODE_COLUMNS, bools=("codable",)),
        sources=_frame(list(sources.values()), SOURCE_COLUMNS),
        codings=_frame(codings, CODING_COLUMNS, ints=("start", "end")),
        issues=_frame(issues, ISSUE_COLUMNS),
        path=str(path),
    )


#: The same reader under its first name (it reads XLSX too).
read_taguette_csv = read_taguette
