"""Tidy tables <-> project: the study's excerpts, codings and codebook as a REFI-QDA project, and a project's codings tied back to the study's excerpts."""

from __future__ import annotations

import pandas as pd

from tieval.errors import InputError
from tieval.qual.qda.project import (
    CASE_COLUMNS,
    CODE_COLUMNS,
    CODING_COLUMNS,
    EXCERPT_VARIABLE,
    ORIGIN,
    SET_COLUMNS,
    SET_FIELDS,
    SOURCE_COLUMNS,
    UNMATCHED_COLUMNS,
    QdaProject,
    QdaTables,
    _frame,
    normalise_text,
)
from tieval.schema import CODEBOOK, CODINGS, EXCERPTS, require_columns

__all__ = [
    "project_from_tables",
    "tables_from_project",
    "match_codings",
]


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.fillna("").astype("str")


def project_from_tables(
    excerpts: pd.DataFrame, codings: pd.DataFrame, codebook: pd.DataFrame | None = None, *, name: str = "tieval"
) -> QdaProject:
    """The study's excerpts, codings and (flat) codebook as a project ready for :func:`write_qdpx`.

    Layout (see the module docstring): one TextSource per excerpt, named by its id, with
    the excerpt's columns as source variables and its note as Description; one selection
    over the whole excerpt carrying a Coding per (code, coder); speakers as Cases; codes
    named by label, nested by ``parent``, grouped into Sets by theme/construct/subconstruct.
    Raises :class:`InputError` for duplicate excerpt ids, codings of unknown excerpts, or
    (when a codebook is given) codes missing from it.
    """
    require_columns(excerpts, ["excerpt_id", "text"], "excerpts table")
    require_columns(codings, ["excerpt_id", "code_id"], "codings table")
    excerpts = _text_frame(excerpts)
    codings = _text_frame(codings)
    if "coder" not in codings.columns:
        codings = codings.assign(coder="")
    duplicated = excerpts["excerpt_id"][excerpts["excerpt_id"].duplicated()]
    if len(duplicated):
        raise InputError("excerpts table", "unique excerpt ids", column="excerpt_id", found=duplicated.iloc[0])
    unknown = sorted(set(codings["excerpt_id"]) - set(excerpts["excerpt_id"]))
    if unknown:
        raise InputError(
            "codings table", "excerpt ids listed in the excerpts table", column="excerpt_id", found=unknown[0]
        )

    codes, sets = _codes_from_codebook(codebook, codings)
    known = set(codes["code_id"])
    missing = sorted(set(codings["code_id"]) - known)
    if missing:
        raise InputError("codings table", "code ids listed in the codebook", column="code_id", found=missing[0])

    variables = [EXCERPT_VARIABLE] + [c for c in excerpts.columns if c not in (EXCERPT_VARIABLE, "text", "note")]
    sources = pd.DataFrame(
        {
            "source_id": excerpts["excerpt_id"],
            "name": excerpts["excerpt_id"],
            "text": excerpts["text"],
            "description": excerpts["note"] if "note" in excerpts.columns else "",
        }
    )
    for variable in variables:
        sources[variable] = excerpts[variable]

    coded = codings[["excerpt_id", "code_id", "coder"]].drop_duplicates()
    coded = coded.merge(excerpts[["excerpt_id", "text"]], on="excerpt_id", how="left")
    coding_frame = pd.DataFrame(
        {
            "coding_id": coded["excerpt_id"] + "|" + coded["code_id"] + "|" + coded["coder"],
            "selection_id": "",
            "source_id": coded["excerpt_id"],
            "code_id": coded["code_id"],
            "start": pd.array([0] * len(coded), dtype="Int64"),
            "end": pd.array(coded["text"].str.len().tolist(), dtype="Int64"),
            "text": coded["text"],
            "coder": coded["coder"],
            "note": "",
            "where": "",
        },
        columns=CODING_COLUMNS,
    )

    cases = _frame([], CASE_COLUMNS)
    if "speaker" in excerpts.columns:
        spoken = excerpts[excerpts["speaker"] != ""]
        cases = pd.DataFrame(
            {"case_id": "speaker:" + spoken["speaker"], "name": spoken["speaker"], "source_id": spoken["excerpt_id"]},
            columns=CASE_COLUMNS,
        )
    return QdaProject(
        name=name,
        origin=ORIGIN,
        codes=codes,
        sources=_frame(sources.to_dict("records"), SOURCE_COLUMNS + variables),
        codings=_frame(coding_frame.to_dict("records"), CODING_COLUMNS, ints=("start", "end")),
        cases=_frame(cases.to_dict("records"), CASE_COLUMNS),
        sets=sets,
    )


def _codes_from_codebook(codebook: pd.DataFrame | None, codings: pd.DataFrame):
    """Project codes (and code Sets) from a flat codebook, or from the codes used if none."""
    if codebook is None:
        ids = sorted(set(codings["code_id"]))
        book = pd.DataFrame({c: ids if c == "code_id" else [""] * len(ids) for c in CODEBOOK})
    else:
        require_columns(codebook, ["code_id"], "codebook table")
        book = _text_frame(codebook)
        for column in CODEBOOK:
            if column not in book.columns:
                book[column] = ""
        duplicated = book["code_id"][book["code_id"].duplicated()]
        if len(duplicated):
            raise InputError("codebook table", "unique code ids", column="code_id", found=duplicated.iloc[0])
    ids = set(book["code_id"])
    rows = []
    for parent in dict.fromkeys(p for p in book["parent"] if p and p not in ids):
        rows.append({"code_id": parent, "name": parent, "parent_id": "", "description": "", "codable": False})
    for row in book.itertuples(index=False):
        rows.append(
            {
                "code_id": row.code_id,
                "name": row.label or row.code_id,
                "parent_id": row.parent,
                "description": row.description,
                "codable": True,
            }
        )
    by_id = {r["code_id"]: r for r in rows}
    for r in rows:
        r["path"] = _path_of(r["code_id"], by_id)
    sets = []
    for column in SET_FIELDS:
        for row in book.itertuples(index=False):
            value = getattr(row, column)
            if value:
                sets.append({"set_id": f"{column}:{value}", "name": f"{column}: {value}", "code_id": row.code_id})
    sets.sort(key=lambda s: (s["set_id"], s["code_id"]))
    return (_frame(rows, CODE_COLUMNS, bools=("codable",)), _frame(sets, SET_COLUMNS))


def _path_of(code_id: str, by_id: dict) -> str:
    names, seen, current = [], set(), code_id
    while current in by_id and current not in seen:
        seen.add(current)
        names.append(by_id[current]["name"])
        current = by_id[current]["parent_id"]
    if current and current not in by_id:
        names.append(current)
    return "/".join(reversed(names))


def _code_map(project: QdaProject, codebook: pd.DataFrame | None) -> dict[str, str]:
    """Project code_id -> study code_id (codable codes only); unmapped codes are absent."""
    codable = project.codes[project.codes["codable"]]
    if codebook is None:
        return dict(zip(codable["code_id"], codable["path"]))
    book = _text_frame(codebook)
    for column in ("label", "parent"):
        if column not in book.columns:
            book[column] = ""
    by_id = {r.code_id: {"name": r.label or r.code_id, "parent_id": r.parent} for r in book.itertuples(index=False)}
    by_path: dict[str, list] = {}
    by_label: dict[str, list] = {}
    for cid in by_id:
        by_path.setdefault(_path_of(cid, by_id), []).append(cid)
        by_label.setdefault(by_id[cid]["name"], []).append(cid)
    mapping = {}
    for row in codable.itertuples(index=False):
        for candidates in (
            by_path.get(row.path, []),
            by_label.get(row.name, []),
            [row.name] if row.name in by_id else [],
        ):
            if len(candidates) == 1:
                mapping[row.code_id] = candidates[0]
                break
    return mapping


def _codebook_from_project(project: QdaProject, mapping: dict[str, str]) -> pd.DataFrame:
    """The project's codable codes as a flat codebook (schema.CODEBOOK), sorted by code_id."""
    codes = project.codes
    names = dict(zip(codes["code_id"], codes["name"]))
    set_values: dict[tuple[str, str], list[str]] = {}
    for row in project.sets.itertuples(index=False):
        column, sep, value = row.name.partition(": ")
        if sep and column in SET_FIELDS:
            set_values.setdefault((row.code_id, column), []).append(value)
    rows = []
    for row in codes[codes["codable"]].itertuples(index=False):
        if row.code_id not in mapping:
            continue
        parent = ""
        if row.parent_id:
            parent = mapping.get(row.parent_id, names.get(row.parent_id, ""))
        entry = {"code_id": mapping[row.code_id], "label": row.name, "parent": parent, "description": row.description}
        for column in SET_FIELDS:
            entry[column] = "; ".join(sorted(set_values.get((row.code_id, column), [])))
        rows.append(entry)
    book = _frame(rows, CODEBOOK)
    return book.sort_values("code_id", kind="stable").drop_duplicates("code_id").reset_index(drop=True)


def _unmatched(rows: list[dict]) -> pd.DataFrame:
    return _frame(rows, UNMATCHED_COLUMNS)


def _tidy_codings(rows: list[dict]) -> pd.DataFrame:
    frame = _frame(rows, CODINGS).drop_duplicates()
    return frame.sort_values(CODINGS, kind="stable").reset_index(drop=True)


def _excerpt_variable(project: QdaProject) -> dict[str, str]:
    """source_id -> excerpt id, for sources carrying a non-empty excerpt_id variable."""
    if EXCERPT_VARIABLE not in project.sources.columns:
        return {}
    marked = project.sources[project.sources[EXCERPT_VARIABLE] != ""]
    return dict(zip(marked["source_id"], marked[EXCERPT_VARIABLE]))


def _unmatched_row(coding, names: dict, code_names: dict, reason: str) -> dict:
    where = getattr(coding, "where", "")
    return {
        "where": where,
        "coding_id": coding.coding_id,
        "source": names.get(coding.source_id, coding.source_id),
        "code": code_names.get(coding.code_id, coding.code_id),
        "coder": coding.coder,
        "text": coding.text,
        "reason": f"{where}: {reason}" if where else reason,
    }


#: The column holding the coded text and the code, by export (for errors naming a CSV row).
_TEXT_AND_CODE_COLUMNS = {"Taguette": ("content", "tag"), "QualCoder coded-text": ("Coded", "Codename")}


def _raise_unmatched(project: QdaProject, row: dict, what: str, *, text_or_code: str) -> None:
    """InputError for one coding that cannot be tied to the study (strict :func:`match_codings`)."""
    where = row["where"]
    number = int(where.removeprefix("row ")) if where.startswith("row ") else None
    columns = next((c for k, c in _TEXT_AND_CODE_COLUMNS.items() if project.origin.startswith(k)), None)
    if columns is not None:
        column = columns[0] if text_or_code == "text" else columns[1]
    else:
        column = where or f"coding {row['coding_id']}"
    raise InputError(
        project.path or project.name or "<project>",
        what,
        row=number,
        column=column,
        found=row["text"] if text_or_code == "text" else row["code"],
    )


def tables_from_project(project: QdaProject, codebook: pd.DataFrame | None = None) -> QdaTables:
    """The project as tidy tables: excerpts, codings (excerpt_id, code_id, coder) and a flat codebook.

    Sources written by :func:`project_from_tables` (marked by their ``excerpt_id``
    variable) come back as exactly the excerpts they were made from.  Other sources give
    one new excerpt per coded selection (see the module docstring).  With ``codebook``,
    codes are mapped to its ``code_id`` by label path; codings of codes it lacks go to
    ``unmatched``.  Excerpts keep the sources' order; codings and codebook are sorted.
    """
    mapping = _code_map(project, codebook)
    marked = _excerpt_variable(project)
    names = dict(zip(project.sources["source_id"], project.sources["name"]))
    code_names = dict(zip(project.codes["code_id"], project.codes["path"]))
    extra = [v for v in project.variables if v not in EXCERPTS]
    columns = [c for c in EXCERPTS if c != "study" or "study" in project.variables] + extra

    excerpt_rows: dict[str, dict] = {}
    for row in project.sources.to_dict("records"):
        if row["source_id"] in marked:
            entry = {c: row.get(c, "") for c in columns}
            entry.update(excerpt_id=marked[row["source_id"]], text=row["text"], note=row["description"])
            excerpt_rows.setdefault(entry["excerpt_id"], entry)
    coding_rows, unmatched = [], []
    for coding in project.codings.itertuples(index=False):
        if coding.source_id in marked:
            excerpt_id = marked[coding.source_id]
        else:
            source_name = names.get(coding.source_id, coding.source_id)
            if pd.isna(coding.start):
                excerpt_id = f"{source_name}#{coding.selection_id or coding.coding_id}"
            else:
                excerpt_id = f"{source_name}:{coding.start}-{coding.end}"
            entry = {c: "" for c in columns}
            entry.update(excerpt_id=excerpt_id, attribution=source_name, text=coding.text)
            excerpt_rows.setdefault(excerpt_id, entry)
        if coding.code_id not in mapping:
            unmatched.append(_unmatched_row(coding, names, code_names, "code not in the codebook"))
            continue
        coding_rows.append({"excerpt_id": excerpt_id, "code_id": mapping[coding.code_id], "coder": coding.coder})
    return QdaTables(
        excerpts=_frame(list(excerpt_rows.values()), columns),
        codings=_tidy_codings(coding_rows),
        codebook=_codebook_from_project(project, mapping),
        unmatched=_unmatched(unmatched),
    )


def match_codings(
    project: QdaProject, excerpts: pd.DataFrame, codebook: pd.DataFrame | None = None, *, strict: bool = False
) -> QdaTables:
    """Tie each coding of ``project`` (e.g. a second coder's export) to one of the study's ``excerpts``.

    Matching order: the source's ``excerpt_id`` variable, the source's name, the coded
    text equal to one excerpt's text after :func:`normalise_text`, the coded text inside
    exactly one excerpt.  Codings matching no excerpt or several, and codings of codes the
    codebook lacks, are returned in ``unmatched`` with the reason (prefixed by where the
    coding came from: ``row 6`` of a CSV, ``PlainTextSelection <guid>`` of a .qdpx).  With
    ``strict=True`` the first of them raises :class:`InputError` instead, naming the export,
    its row and column, what was expected and what was found.  ``excerpts`` in the result
    is the input, unchanged.
    """
    require_columns(excerpts, ["excerpt_id", "text"], "excerpts table")
    excerpts = _text_frame(excerpts)
    ids = list(excerpts["excerpt_id"])
    id_set = set(ids)
    normalised = [normalise_text(t) for t in excerpts["text"]]
    by_text: dict[str, list[str]] = {}
    for eid, text in zip(ids, normalised):
        by_text.setdefault(text, []).append(eid)
    mapping = _code_map(project, codebook)
    marked = _excerpt_variable(project)
    names = dict(zip(project.sources["source_id"], project.sources["name"]))
    code_names = dict(zip(project.codes["code_id"], project.codes["path"]))

    coding_rows, unmatched = [], []
    for coding in project.codings.itertuples(index=False):
        excerpt_id, reason = None, ""
        if marked.get(coding.source_id) in id_set:
            excerpt_id = marked[coding.source_id]
        elif names.get(coding.source_id) in id_set:
            excerpt_id = names[coding.source_id]
        else:
            text = normalise_text(coding.text)
            candidates = by_text.get(text, []) if text else []
            if not candidates and text:
                candidates = [eid for eid, whole in zip(ids, normalised) if text in whole]
            if len(candidates) == 1:
                excerpt_id = candidates[0]
            elif candidates:
                reason = f"text found in {len(candidates)} excerpts: {', '.join(candidates[:5])}"
            else:
                reason = "no excerpt holds this text"  # after normalise_text on both sides
        if excerpt_id is None:
            unmatched.append(_unmatched_row(coding, names, code_names, reason))
            if strict:
                expected = "coded text that lies in exactly one of the study's excerpts"
                _raise_unmatched(project, unmatched[-1], f"{expected} ({reason})", text_or_code="text")
        elif coding.code_id not in mapping:
            unmatched.append(_unmatched_row(coding, names, code_names, "code not in the codebook"))
            if strict:
                _raise_unmatched(project, unmatched[-1], "a code of the study's codebook", text_or_code="code")
        else:
            coding_rows.append({"excerpt_id": excerpt_id, "code_id": mapping[coding.code_id], "coder": coding.coder})
    return QdaTables(
        excerpts=excerpts,
        codings=_tidy_codings(coding_rows),
        codebook=_codebook_from_project(project, mapping),
        unmatched=_unmatched(unmatched),
    )
