"""QualCoder coded-text CSV export (coding report).

Format, as QualCoder's report_codes.py ``export_csv_file`` writes it: UTF-8 with BOM, all
cells quoted, header ``File`` (or ``Case`` followed by ``Filename``; older versions
``File/case``), ``Coder``, ``Coded``, ``Id`` (``ctid:<n>`` for text, ``imid:``/``avid:`` for
images and audio/video, whose Coded cell is ``image`` or ``a/v``), ``Codename``,
``Coded_Memo``, then one ``Category`` column per level of the deepest code's categories,
nearest category first, then optional ``FileVar_<name>``/``CaseVar_<name>`` columns.
QualCoder does not pad the categories: a code with fewer categories than the deepest has a
shorter row, and its variable values move left under the Category headings.  The reader
therefore counts a row's categories from its length (cells - fixed columns - variables).
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
from tieval.qual.qda.sheets import _header_index, _read_csv_rows

__all__ = [
    "read_qualcoder_csv",
]


def read_qualcoder_csv(path: str | Path) -> QdaProject:
    """Read QualCoder's coding report exported as CSV (File, Coder, Coded, Id, Codename, Category...).

    The categories (nearest first) nest each code: code ``Sub`` with categories
    ``Theme, Top`` gets the path ``Top/Theme/Sub``; categories become non-codable codes.
    Image and audio/video codings (Id ``imid:``/``avid:``) are listed in ``issues``.
    """
    path = Path(path)
    rows = _read_csv_rows(path)
    if not rows:
        raise InputError(
            path, "a QualCoder coded-text export: header File, Coder, Coded, Id, Codename", row=1, found="an empty file"
        )
    header = [h.strip() for h in rows[0]]
    col = _header_index(header, ["Coder", "Coded", "Codename"], path, "a QualCoder coded-text export")
    first = header[0].lower() if header else ""
    if "filename" in col:
        document_col = col["filename"]
    elif first in ("file", "file/case", "case"):
        document_col = 0
    else:
        raise InputError(
            path,
            "a QualCoder coded-text export whose first column is File (or Case followed by Filename)",
            row=1,
            column=header[0] if header else "",
            found=header[0] if header else "",
        )
    category_cols = [i for i, h in enumerate(header) if h.lower() == "category"]
    variables = [h for h in header if h.startswith(("FileVar_", "CaseVar_"))]
    fixed = len(header) - len(category_cols) - len(variables)
    sources, codes, codings, issues = {}, {}, [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        levels = len(row) - fixed - len(variables) if variables else min(len(row) - fixed, len(category_cols))
        if not 0 <= levels <= len(category_cols):
            raise InputError(
                path,
                f"{fixed} fixed columns, up to {len(category_cols)} categories and {len(variables)} variables",
                row=number,
                found=f"{len(row)} cells",
            )
        cells = row + [""] * (len(header) - len(row))
        coding_key = cells[col["id"]].strip() if "id" in col else ""
        if coding_key.lower().startswith(("imid:", "avid:")):
            issues.append({"where": f"row {number}", "issue": f"{coding_key} skipped: only text codings are read"})
            continue
        document = cells[document_col]
        name = cells[col["codename"]].strip()
        if not name:
            raise InputError(path, "a code name", row=number, column="Codename", found="")
        chain = [cells[i].strip() for i in category_cols[:levels] if cells[i].strip()][::-1]
        coded = cells[col["coded"]]
        if not coded.strip():
            raise InputError(path, "the coded text", row=number, column="Coded", found="")
        parent = ""
        for depth in range(len(chain)):
            cat_path = "/".join(chain[: depth + 1])
            codes.setdefault(
                cat_path,
                {
                    "code_id": cat_path,
                    "name": chain[depth],
                    "parent_id": parent,
                    "path": cat_path,
                    "description": "",
                    "codable": False,
                },
            )
            parent = cat_path
        code_path = "/".join(chain + [name])
        entry = codes.setdefault(
            code_path,
            {
                "code_id": code_path,
                "name": name,
                "parent_id": parent,
                "path": code_path,
                "description": "",
                "codable": True,
            },
        )
        entry["codable"] = True
        source = sources.setdefault(document, {"source_id": document, "name": document, "text": "", "description": ""})
        for j, variable in enumerate(variables):
            if variable.startswith("FileVar_"):
                source[variable.removeprefix("FileVar_")] = (
                    row[fixed + levels + j] if fixed + levels + j < len(row) else ""
                )
        codings.append(
            {
                "coding_id": coding_key or f"row{number}",
                "selection_id": coding_key,
                "source_id": document,
                "code_id": code_path,
                "start": None,
                "end": None,
                "text": coded,
                "coder": cells[col["coder"]].strip(),
                "note": cells[col["coded_memo"]] if "coded_memo" in col else "",
                "where": f"row {number}",
            }
        )
    return QdaProject(
        name=path.stem,
        origin="QualCoder coded-text CSV",
        codes=_frame(list(codes.values()), CODE_COLUMNS, bools=("codable",)),
        sources=_frame(
            list(sources.values()),
            SOURCE_COLUMNS + [v.removeprefix("FileVar_") for v in variables if v.startswith("FileVar_")],
        ),
        codings=_frame(codings, CODING_COLUMNS, ints=("start", "end")),
        issues=_frame(issues, ISSUE_COLUMNS),
        path=str(path),
    )
