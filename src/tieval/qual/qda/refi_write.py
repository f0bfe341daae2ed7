"""Writing REFI-QDA projects (.qdpx): deterministic, standard offsets (Unicode code points).

The free texts a project carries besides its sources (source descriptions and coding notes)
are redacted as they are written (:func:`tieval.survey.redact.redact_text`: e-mail addresses,
URLs, IP addresses, phone numbers and detected personal names), because an exported project
is an output like any other; source texts keep their bytes (coding offsets point into them):
the pipeline redacts them, with the study's ``redact_names``, before building the project."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd

from tieval import store
from tieval.errors import InputError
from tieval.qual.qda.project import (
    NAMESPACE,
    ORIGIN,
    ZIP_DATE,
    QdaProject,
    _guid_for,
    _norm_guid,
    _q,
    stable_guid,
)
from tieval.survey.redact import redact_text

__all__ = [
    "write_qdpx",
    "qdpx_bytes",
]


def write_qdpx(project: QdaProject, path: str | Path) -> Path:
    """Write ``project`` as a REFI-QDA project (.qdpx), atomically. Returns the path.

    Deterministic: GUIDs are kept when the ids already are GUIDs and otherwise derived
    from the ids (uuid5), zip entries are sorted and dated 1980-01-01, and nothing depends
    on the clock, so the same project always gives the same bytes.  Source texts are stored
    as UTF-8 files ``Sources/<guid>.txt`` and codings on the same span share one
    PlainTextSelection.
    """
    data = qdpx_bytes(project)
    with store.atomic_write(path, "wb") as handle:
        handle.write(data)
    return store.note_output(path)


def qdpx_bytes(project: QdaProject) -> bytes:
    """The bytes :func:`write_qdpx` writes."""
    entries = _project_entries(project)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name], compresslevel=9)
    return buffer.getvalue()


def _sub(parent: ET.Element, tag: str, attrib: dict | None = None, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), {k: v for k, v in (attrib or {}).items() if v != ""})
    if text is not None:
        element.text = text
    return element


def _project_entries(project: QdaProject) -> dict[str, bytes]:
    """project.qde and the source text files of ``project``, by archive path."""
    codings = project.codings
    if len(codings) and (codings["start"].isna().any() or codings["end"].isna().any()):
        raise InputError(
            project.name or "<project>",
            "codings with character offsets; projects read from a Taguette or "
            "QualCoder CSV carry none: tie them to excerpts with match_codings() and "
            "build the project with project_from_tables()",
            column="start",
            found="empty",
        )
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_q("Project"), {"name": project.name or "tieval", "origin": ORIGIN})
    users = {coder: stable_guid("user", coder) for coder in project.coders}
    if users:
        users_el = _sub(root, "Users")
        for coder, guid in users.items():
            _sub(users_el, "User", {"guid": guid, "name": coder})

    code_guid = {cid: _guid_for("code", cid) for cid in project.codes["code_id"]}
    if len(project.codes):
        _write_codes(_sub(_sub(root, "CodeBook"), "Codes"), project.codes, code_guid)

    variables = {name: stable_guid("variable", name) for name in project.variables}
    if variables:
        variables_el = _sub(root, "Variables")
        for name, guid in variables.items():
            _sub(variables_el, "Variable", {"guid": guid, "name": name, "typeOfVariable": "Text"})

    source_guid = {sid: _guid_for("source", sid) for sid in project.sources["source_id"]}
    _write_cases(root, project, source_guid)

    entries: dict[str, bytes] = {}
    notes: list[tuple[str, str]] = []
    if len(project.sources):
        sources_el = _sub(root, "Sources")
        by_source = {sid: rows for sid, rows in codings.groupby("source_id", sort=False)}
        for row in project.sources.to_dict("records"):
            sid = row["source_id"]
            guid = source_guid[sid]
            entries[f"Sources/{guid}.txt"] = row["text"].encode("utf-8")
            source_el = _sub(
                sources_el, "TextSource", {"guid": guid, "name": row["name"], "plainTextPath": f"internal://{guid}.txt"}
            )
            if row["description"]:
                _sub(source_el, "Description", text=redact_text(row["description"]))
            rows = by_source.get(sid)
            if rows is not None:
                notes += _write_selections(source_el, guid, rows, code_guid, users)
            _write_values(source_el, row, variables)
    unknown = sorted(set(codings["source_id"]) - set(source_guid))
    if unknown:
        raise InputError(
            project.name or "<project>", "codings on the project's sources", column="source_id", found=unknown[0]
        )

    if notes:
        notes_el = _sub(root, "Notes")
        for guid, text in notes:
            note_el = _sub(notes_el, "Note", {"guid": guid, "name": "Coding note"})
            _sub(note_el, "PlainTextContent", text=redact_text(text))

    _write_sets(root, project, code_guid)

    ET.indent(root, space="  ")
    entries["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
    return entries


def _write_groups(
    root: ET.Element, rows: pd.DataFrame, kind: str, key: str, member: tuple[str, str], guids: dict
) -> None:
    """``<Cases>`` or ``<Sets>``: one element per ``key`` group of ``rows`` (``kind``: Case or Set), named
    by its first row, with a reference (``member``: the element and the column it takes ids from)
    to each member that has a guid."""
    if not len(rows):
        return
    group_el = _sub(root, f"{kind}s")
    ref, column = member
    for group_id, group in rows.groupby(key, sort=False):
        el = _sub(group_el, kind, {"guid": _guid_for(kind.lower(), group_id), "name": group["name"].iloc[0]})
        for mid in group[column]:
            if mid in guids:
                _sub(el, ref, {"targetGUID": guids[mid]})


def _write_cases(root: ET.Element, project: QdaProject, source_guid: dict) -> None:
    _write_groups(root, project.cases, "Case", "case_id", ("SourceRef", "source_id"), source_guid)


def _write_sets(root: ET.Element, project: QdaProject, code_guid: dict) -> None:
    _write_groups(root, project.sets, "Set", "set_id", ("MemberCode", "code_id"), code_guid)


def _write_values(source_el: ET.Element, row: dict, variables: dict) -> None:
    for name, variable_guid in variables.items():
        value = row.get(name, "")
        if value:
            value_el = _sub(source_el, "VariableValue")
            _sub(value_el, "VariableRef", {"targetGUID": variable_guid})
            _sub(value_el, "TextValue", text=value)


def _write_codes(parent_el: ET.Element, codes: pd.DataFrame, code_guid: dict) -> None:
    ids = set(codes["code_id"])
    children: dict[str, list] = {}
    for row in codes.itertuples(index=False):
        parent = row.parent_id if row.parent_id in ids and row.parent_id != row.code_id else ""
        children.setdefault(parent, []).append(row)

    def add(element: ET.Element, parent: str, seen: frozenset) -> None:
        for row in children.get(parent, []):
            if row.code_id in seen:
                continue
            code_el = _sub(
                element,
                "Code",
                {"guid": code_guid[row.code_id], "name": row.name, "isCodable": "true" if row.codable else "false"},
            )
            if row.description:
                _sub(code_el, "Description", text=row.description)
            add(code_el, row.code_id, seen | {row.code_id})

    add(parent_el, "", frozenset())


def _write_selections(
    source_el: ET.Element, source_guid: str, rows: pd.DataFrame, code_guid: dict, users: dict
) -> list[tuple[str, str]]:
    """Write one PlainTextSelection per span (or per selection id); return the notes to write."""
    notes = []
    keyed = rows.assign(
        _guid=[
            _norm_guid(sel) or stable_guid("selection", f"{source_guid}:{start}:{end}:{sel}")
            for sel, start, end in zip(rows["selection_id"], rows["start"], rows["end"])
        ]
    )
    keyed = keyed.sort_values(["start", "end", "_guid"], kind="stable")
    for guid, group in keyed.groupby("_guid", sort=False):
        start, end = int(group["start"].iloc[0]), int(group["end"].iloc[0])
        coders = set(group["coder"]) - {""}
        label = " ".join(str(group["text"].iloc[0]).split())
        selection_el = _sub(
            source_el,
            "PlainTextSelection",
            {
                "guid": guid,
                "name": label if len(label) <= 60 else label[:57] + "...",
                "startPosition": str(start),
                "endPosition": str(end),
                "creatingUser": users[coders.pop()] if len(coders) == 1 else "",
            },
        )
        for coding in group.itertuples(index=False):
            if coding.code_id not in code_guid:
                raise InputError(
                    "<project>",
                    "codings whose code_id is one of the project's codes",
                    column="code_id",
                    found=coding.code_id,
                )
            coding_guid = _guid_for("coding", coding.coding_id)
            coding_el = _sub(selection_el, "Coding", {"guid": coding_guid, "creatingUser": users.get(coding.coder, "")})
            _sub(coding_el, "CodeRef", {"targetGUID": code_guid[coding.code_id]})
            if coding.note:
                note_guid = stable_guid("note", coding_guid)
                _sub(coding_el, "NoteRef", {"targetGUID": note_guid})
                notes.append((note_guid, coding.note))
    return notes
