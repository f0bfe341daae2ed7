"""Reading REFI-QDA projects (.qdpx, .qde) as NVivo, ATLAS.ti, MAXQDA and QualCoder write them.

Format (Project.xsd, 18 March 2019; namespace ``urn:QDA-XML:project:1.0``):
Project(Users, CodeBook, Variables, Cases, Sources, Notes, Links, Sets, Graphs, Description);
Code(guid, name, isCodable, color; Description, NoteRef, Code*); TextSource(guid, name,
plainTextPath | PlainTextContent; Description, PlainTextContent, PlainTextSelection*, Coding*,
NoteRef*, VariableValue*); PlainTextSelection(guid, name, startPosition, endPosition,
creatingUser; Description, Coding*, NoteRef*); Coding(guid, creatingUser; CodeRef, NoteRef*).

What the writers do differently, and how it is read:

- The archive holds ``project.qde``; ATLAS.ti names it after the project (``<name>.qde``,
  as atlas_qdpx reads it): a single ``*.qde`` entry is taken when ``project.qde`` is absent.
  A bare ``.qde`` file is read too, its texts from the ``Sources/`` folder beside it.
- Source texts are ``internal://<file>`` entries of ``Sources/`` (NVivo) or ``sources/``
  (MAXQDA, ATLAS.ti, QualCoder; the standard's 8.1).  They are UTF-8, QualCoder's with a
  byte-order mark (``utf-8-sig``), which is dropped before counting; a file starting with
  a UTF-16 byte-order mark is decoded as UTF-16.  Line ends are kept as stored.
- Offsets: see :mod:`tieval.qual.qda.offsets` -- NVivo counts UTF-16 code units, ATLAS.ti
  and MAXQDA count a CRLF once; the reading is chosen from the ``origin`` attribute and
  checked against word boundaries and any selection text stored in ``name`` (QualCoder
  writes the selected text there).  ``start``/``end`` in the result are always code points.
- GUIDs are upper case (NVivo, ATLAS.ti), lower case (QualCoder) or in braces: all are read.
- Notes hold their text inline or in a ``plainTextPath`` file (ATLAS.ti, NVivo); a note with
  rich text only is listed in ``issues``.  MAXQDA writes PlainTextSelections with a
  Description but no Coding (memos on text): they are listed in ``issues``, not codings.
- Picture, PDF, audio and video sources are listed in ``issues``.
- The XML must not declare a DOCTYPE or entities (REFI-QDA uses none): such a file is
  refused before parsing, so entity-expansion and external-entity attacks never run.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from xml.parsers import expat

from tieval import store
from tieval.errors import InputError
from tieval.qual.qda.offsets import Selection, resolve_readings
from tieval.qual.qda.project import (
    CASE_COLUMNS,
    CODE_COLUMNS,
    CODING_COLUMNS,
    ISSUE_COLUMNS,
    NAMESPACE,
    SET_COLUMNS,
    SOURCE_COLUMNS,
    QdaProject,
    _frame,
    _norm_guid,
    _q,
)

__all__ = ["read_qdpx"]

#: Namespace of a REFI-QDA codebook (.qdc): codes only, no codings.
CODEBOOK_NAMESPACE_PREFIX = "urn:QDA-XML:codebook:"

_INTERNAL_RE = re.compile(r"^internal://(.+)$", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Folder:
    """The files beside a bare .qde, offered like a zip archive (namelist, read)."""

    def __init__(self, base: Path):
        self.base = base
        self.names = sorted(
            p.relative_to(base).as_posix()
            for folder in ("Sources", "sources")
            if (base / folder).is_dir()
            for p in (base / folder).rglob("*")
            if p.is_file()
        )

    def namelist(self) -> list[str]:
        return self.names

    def read(self, name: str) -> bytes:
        return (self.base / name).read_bytes()


def read_qdpx(path: str | Path) -> QdaProject:
    """Read a REFI-QDA project (.qdpx, or a bare .qde) exported by NVivo, ATLAS.ti, MAXQDA, QualCoder or tieval.

    Text sources are read (inline ``PlainTextContent`` or an ``internal://`` file); each
    coding's text is cut from its source where the writing program meant it (see the
    module docstring and :mod:`tieval.qual.qda.offsets`).  Raises :class:`InputError`
    naming the file (and, for XML, the element and its guid) when the archive, the XML,
    a reference or an offset in it is not what REFI-QDA prescribes.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "an existing .qdpx file")
    store.note_input(path)
    if path.suffix.lower() == ".qde":
        folder = _Folder(path.parent)
        root = _parse_xml(path.read_bytes(), path, path.name)
        return _project_from_xml(root, path, lambda ref, where: _internal_text(folder, ref, where, path))
    return _read_archive(path, path)


def read_qdpx_bytes(data: bytes, name: str | Path = "project.qdpx") -> QdaProject:
    """:func:`read_qdpx` of a .qdpx held in memory (e.g. one just written by
    :func:`tieval.qual.qda.qdpx_bytes`); ``name`` is what errors call it.  Reads no file."""
    return _read_archive(io.BytesIO(data), Path(name))


def _read_archive(source, path: Path) -> QdaProject:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise InputError(
            path, "a REFI-QDA project: a zip archive (.qdpx) holding project.qde", found="not a zip archive"
        ) from None
    with archive:
        _refuse_huge(archive, path)
        qde = _find_qde(archive.namelist())
        if qde is None:
            listing = ", ".join(sorted(archive.namelist())[:4]) or "an empty archive"
            raise InputError(path, "a project.qde file inside the .qdpx archive", found=listing)
        root = _parse_xml(archive.read(qde), path, qde)
        return _project_from_xml(root, path, lambda ref, where: _internal_text(archive, ref, where, path))


#: Largest uncompressed member and archive a project may declare (a zip bomb declares far more).
MAX_MEMBER_BYTES = 256 << 20
MAX_ARCHIVE_BYTES = 1 << 30


def _refuse_huge(archive: zipfile.ZipFile, path: Path) -> None:
    """Refuse an archive whose members would unpack to more than the limits, before reading any
    (zipfile stops a member at its declared size, so the declaration is what bounds memory)."""
    infos = archive.infolist()
    big = next((i for i in infos if i.file_size > MAX_MEMBER_BYTES), None)
    total = sum(i.file_size for i in infos)
    if big is not None or total > MAX_ARCHIVE_BYTES:
        raise InputError(
            path,
            f"a REFI-QDA project whose files unpack to at most {MAX_MEMBER_BYTES >> 20} MB each and "
            f"{MAX_ARCHIVE_BYTES >> 20} MB in all (a larger one is refused, as a zip bomb would be)",
            column=big.filename if big is not None else None,
            found=f"{(big.file_size if big is not None else total) >> 20} MB uncompressed",
        )


def _find_qde(names: list[str]) -> str | None:
    """``project.qde`` (case-insensitive, nearest the root), else the archive's only ``*.qde``."""
    hits = sorted((n for n in names if n.rsplit("/", 1)[-1].lower() == "project.qde"), key=lambda n: (n.count("/"), n))
    if hits:
        return hits[0]
    others = [n for n in names if n.lower().endswith(".qde")]
    return others[0] if len(others) == 1 else None


class _Refused(Exception):
    pass


def _refuse_declarations(data: bytes, path: Path, entry: str) -> None:
    """Scan the XML with expat, stopping at a DOCTYPE or entity declaration (InputError)."""
    parser = expat.ParserCreate()

    def refuse(what: str):
        def handler(*_args):
            raise _Refused(what)

        return handler

    parser.StartDoctypeDeclHandler = refuse("a DOCTYPE declaration")
    parser.EntityDeclHandler = refuse("an ENTITY declaration")
    parser.ExternalEntityRefHandler = refuse("an external entity reference")
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        raise InputError(
            path,
            "XML without DOCTYPE or entity declarations (REFI-QDA uses none; refused for safety)",
            column=entry,
            found=str(refused),
        ) from None
    except expat.ExpatError as exc:
        raise InputError(path, "well-formed XML", column=entry, found=str(exc)) from None


def _parse_xml(data: bytes, path: Path, entry: str) -> ET.Element:
    _refuse_declarations(data, path, entry)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(path, "well-formed XML", column=entry, found=str(exc)) from None


def _internal_text(archive, ref: str, where: str, path: Path) -> str:
    """The text of an ``internal://`` file, looked up in Sources/ or sources/ (or anywhere by name)."""
    match = _INTERNAL_RE.match(ref.strip())
    if not match:
        raise InputError(
            path,
            "a plainTextPath of the form internal://<file> (text stored inside the .qdpx)",
            column=where,
            found=ref,
        )
    names = archive.namelist()
    fname = match.group(1).lstrip("/")
    preferred = [f"Sources/{fname}", f"sources/{fname}"]
    entry = next((n for n in preferred if n in names), None)
    if entry is None:
        folded = [n for n in names if n.lower() == f"sources/{fname}".lower()]
        anywhere = [n for n in names if n.rsplit("/", 1)[-1] == fname.rsplit("/", 1)[-1]]
        entry = (sorted(folded) or sorted(anywhere) or [None])[0]
    if entry is None:
        raise InputError(path, f"the source text Sources/{fname} inside the archive", column=where, found="missing")
    return decode_text(archive.read(entry), path, where, entry)


def decode_text(data: bytes, path: Path, where: str, entry: str) -> str:
    """A source text file's text: UTF-8 (a leading BOM dropped) or UTF-16 with its BOM."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            path, "source text encoded as UTF-8 (or UTF-16 with a byte-order mark)", column=where, found=entry
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _require(element: ET.Element, attribute: str, path: Path, where: str) -> str:
    value = element.get(attribute)
    if value is None or value.strip() == "":
        raise InputError(path, f"a {attribute} attribute on {_local(element.tag)}", column=where, found="missing")
    return value


def _guid_of(element: ET.Element, path: Path, where: str) -> str:
    raw = _require(element, "guid", path, where)
    guid = _norm_guid(raw)
    if guid is None:
        raise InputError(path, "a guid of the form 8-4-4-4-12 hexadecimal digits", column=where, found=raw)
    return guid


def _position(element: ET.Element, attribute: str, path: Path, where: str) -> int:
    raw = _require(element, attribute, path, where)
    try:
        return int(raw.strip())
    except ValueError:
        raise InputError(path, f"a whole number in {attribute}", column=where, found=raw) from None


def _description(element: ET.Element) -> str:
    return element.findtext(_q("Description"), default="") or ""


def _check_root(root: ET.Element, path: Path) -> None:
    if root.tag == _q("Project"):
        return
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if _local(root.tag) == "CodeBook" and namespace.startswith(CODEBOOK_NAMESPACE_PREFIX):
        raise InputError(
            path,
            f"a REFI-QDA project (Project in {NAMESPACE}) holding codings",
            column="CodeBook",
            found="a REFI-QDA codebook (.qdc): codes only, no codings",
        )
    raise InputError(path, f"a root element Project in the namespace {NAMESPACE}", column="Project", found=root.tag)


def _project_from_xml(root: ET.Element, path: Path, text_of) -> QdaProject:
    """Build a :class:`QdaProject` from a parsed project.qde root element."""
    _check_root(root, path)
    issues: list[dict] = []

    users = {}
    for user in root.iterfind(f"{_q('Users')}/{_q('User')}"):
        guid = _guid_of(user, path, "User")
        users[guid] = user.get("name") or user.get("id") or guid

    codes: list[dict] = []
    codebook = root.find(f"{_q('CodeBook')}/{_q('Codes')}")
    if codebook is not None:
        _read_codes(codebook, "", "", codes, path)
    code_ids = {c["code_id"] for c in codes}

    variables = {}
    for variable in root.iterfind(f"{_q('Variables')}/{_q('Variable')}"):
        guid = _guid_of(variable, path, "Variable")
        variables[guid] = _require(variable, "name", path, f"Variable {guid}")

    notes = _read_notes(root, path, text_of, issues)

    sources: list[dict] = []
    elements: list[ET.Element] = []
    sources_element = root.find(_q("Sources"))
    for element in list(sources_element) if sources_element is not None else []:
        kind = _local(element.tag)
        if element.tag != _q("TextSource"):
            issues.append(
                {
                    "where": f"{kind} {element.get('name', '')}".strip(),
                    "issue": f"{kind} skipped: only text sources are read",
                }
            )
            continue
        guid = _guid_of(element, path, "TextSource")
        where = f"TextSource {guid}"
        row = {
            "source_id": guid,
            "name": element.get("name") or guid,
            "text": _source_text(element, path, where, text_of),
            "description": _description(element),
        }
        for value in element.iterfind(_q("VariableValue")):
            ref = value.find(_q("VariableRef"))
            target = _norm_guid(ref.get("targetGUID")) if ref is not None else None
            if target not in variables:
                raise InputError(
                    path,
                    "a VariableRef naming a Variable of the project",
                    column=f"{where} VariableValue",
                    found=None if ref is None else ref.get("targetGUID"),
                )
            row[variables[target]] = _variable_value(value)
        sources.append(row)
        elements.append(element)

    origin = root.get("origin", "")
    codings, reading, note = _read_all_codings(elements, sources, origin, code_ids, users, notes, issues, path)
    if note:
        issues.append({"where": "project", "issue": note})

    cases = []
    for case in root.iterfind(f"{_q('Cases')}/{_q('Case')}"):
        guid = _guid_of(case, path, "Case")
        for ref in case.iterfind(_q("SourceRef")):
            cases.append(
                {
                    "case_id": guid,
                    "name": case.get("name") or guid,
                    "source_id": _norm_guid(ref.get("targetGUID")) or "",
                }
            )

    sets = []
    for set_ in root.iterfind(f"{_q('Sets')}/{_q('Set')}"):
        guid = _guid_of(set_, path, "Set")
        for member in set_.iterfind(_q("MemberCode")):
            target = _norm_guid(member.get("targetGUID"))
            if target in code_ids:
                sets.append({"set_id": guid, "name": set_.get("name") or guid, "code_id": target})

    variable_names = list(dict.fromkeys(v for s in sources for v in s if v not in SOURCE_COLUMNS))
    return QdaProject(
        name=root.get("name", ""),
        origin=origin,
        codes=_frame(codes, CODE_COLUMNS, bools=("codable",)),
        sources=_frame(sources, SOURCE_COLUMNS + variable_names),
        codings=_frame(codings, CODING_COLUMNS, ints=("start", "end")),
        cases=_frame(cases, CASE_COLUMNS),
        sets=_frame(sets, SET_COLUMNS),
        issues=_frame(issues, ISSUE_COLUMNS),
        path=str(path),
        offsets=reading,
    )


def _read_notes(root: ET.Element, path: Path, text_of, issues: list) -> dict[str, str]:
    """Note guid -> its plain text (inline or a file); notes with rich text only go to ``issues``."""
    notes = {}
    for note in root.iterfind(f"{_q('Notes')}/{_q('Note')}"):
        guid = _guid_of(note, path, "Note")
        if note.find(_q("PlainTextContent")) is None and not note.get("plainTextPath"):
            issues.append({"where": f"Note {guid}", "issue": "note skipped: it has no plain text"})
            continue
        notes[guid] = _source_text(note, path, f"Note {guid}", text_of)
    return notes


def _read_codes(parent: ET.Element, parent_id: str, parent_path: str, out: list, path: Path) -> None:
    """Append every Code below ``parent`` (depth first) with its parent and path."""
    for element in parent.iterfind(_q("Code")):
        guid = _guid_of(element, path, f"Code {element.get('name', '')!r}")
        name = _require(element, "name", path, f"Code {guid}")
        code_path = f"{parent_path}/{name}" if parent_path else name
        codable = (element.get("isCodable") or "true").strip().lower() in ("true", "1")
        out.append(
            {
                "code_id": guid,
                "name": name,
                "parent_id": parent_id,
                "path": code_path,
                "description": _description(element),
                "codable": codable,
            }
        )
        _read_codes(element, guid, code_path, out, path)


def _source_text(element: ET.Element, path: Path, where: str, text_of) -> str:
    inline = element.find(_q("PlainTextContent"))
    ref = element.get("plainTextPath")
    if inline is not None:
        return inline.text or ""
    if ref:
        return text_of(ref, where)
    raise InputError(path, "PlainTextContent or a plainTextPath attribute", column=where, found="neither")


def _variable_value(element: ET.Element) -> str:
    """The value of a VariableValue: TextValue as written, other types trimmed."""
    for child in element:
        if child.tag == _q("TextValue"):
            return child.text or ""
        if child.tag != _q("VariableRef"):
            return (child.text or "").strip()
    return ""


def _coder(element: ET.Element, users: dict) -> str:
    raw = element.get("creatingUser")
    if not raw:
        return ""
    guid = _norm_guid(raw)
    return users.get(guid, raw)


def _note_text(element: ET.Element, notes: dict) -> list[str]:
    texts = []
    for ref in element.iterfind(_q("NoteRef")):
        text = notes.get(_norm_guid(ref.get("targetGUID")))
        if text:
            texts.append(text)
    return texts


def _read_all_codings(elements, sources, origin, code_ids, users, notes, issues, path) -> tuple[list, str, str]:
    """Every coding of the text sources, their selections cut in the project's offset reading.

    Returns (codings, the reading's name, a note when the evidence overruled the writer).
    """
    selections: list[tuple[int, ET.Element, Selection]] = []
    for index, element in enumerate(elements):
        source_id = sources[index]["source_id"]
        for selection in element.iterfind(_q("PlainTextSelection")):
            guid = _guid_of(selection, path, f"TextSource {source_id} PlainTextSelection")
            where = f"PlainTextSelection {guid}"
            start = _position(selection, "startPosition", path, where)
            end = _position(selection, "endPosition", path, where)
            selections.append((index, selection, Selection(guid, index, start, end, selection.get("name") or "")))
    texts = [s["text"] for s in sources]
    reading_name, spans, note = "", [], ""
    if selections:
        reading, spans, note = resolve_readings(texts, [s for _, _, s in selections], origin, path)
        reading_name = reading.name

    out: list[dict] = []
    for (index, element, sel), (start, end) in zip(selections, spans):
        found = _codings_of(
            element, sources[index]["source_id"], texts[index], sel.guid, start, end, code_ids, users, path
        )
        if not found:
            memo = _description(element)
            issues.append(
                {
                    "where": f"PlainTextSelection {sel.guid}",
                    "issue": "selection without a Coding skipped" + (f" (a memo: {memo[:40]!r})" if memo else ""),
                }
            )
        notes_here = [n for n in [_description(element)] if n] + _note_text(element, notes)
        for row, coding in found:
            row["note"] = "\n\n".join(notes_here + _note_text(coding, notes))
            row["coder"] = row["coder"] or _coder(element, users)
            out.append(row)
    for index, element in enumerate(elements):
        text = texts[index]
        for row, coding in _codings_of(
            element, sources[index]["source_id"], text, "", 0, len(text), code_ids, users, path
        ):
            row["note"] = "\n\n".join(_note_text(coding, notes))
            out.append(row)
    # Selections first in document order per source, then whole-source codings, as written.
    order = {s["source_id"]: i for i, s in enumerate(sources)}
    out.sort(key=lambda r: (order[r["source_id"]], r["selection_id"] == ""))
    return out, reading_name, note


def _codings_of(
    element, source_id, text, selection_id, start, end, code_ids, users, path
) -> list[tuple[dict, ET.Element]]:
    """The Coding children of ``element`` (a selection, or a TextSource for whole-source codings)."""
    found = []
    for coding in element.iterfind(_q("Coding")):
        coding_id = _guid_of(coding, path, f"{_local(element.tag)} coding")
        ref = coding.find(_q("CodeRef"))
        raw_target = ref.get("targetGUID") if ref is not None else None
        target = _norm_guid(raw_target)
        if target not in code_ids:
            raise InputError(
                path,
                "a CodeRef whose targetGUID names a Code in the CodeBook",
                column=f"Coding {coding_id}",
                found=raw_target or "no CodeRef",
            )
        found.append(
            (
                {
                    "coding_id": coding_id,
                    "selection_id": selection_id,
                    "source_id": source_id,
                    "code_id": target,
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "coder": _coder(coding, users),
                    "note": "",
                    "where": f"PlainTextSelection {selection_id}" if selection_id else f"TextSource {source_id}",
                },
                coding,
            )
        )
    return found
