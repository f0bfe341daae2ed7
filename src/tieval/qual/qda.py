"""Coding-software interchange: REFI-QDA projects (.qdpx), Taguette highlights and QualCoder coded-text CSVs.

Qualitative researchers code in NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette.
This module reads what those programs export into one result type,
:class:`QdaProject`, writes a study's coding as a REFI-QDA project that those
programs import, and converts between a project and the compendium's tidy
tables (``schema.EXCERPTS``, ``schema.CODINGS``, ``schema.CODEBOOK``).

Public API (all paths may be ``str`` or ``Path``)::

    project = read_codings(path, coder="")        # .qdpx, Taguette CSV or QualCoder CSV, by content
    project = read_qdpx(path)                     # REFI-QDA project (NVivo, ATLAS.ti, MAXQDA, QualCoder)
    project = read_taguette_csv(path, coder="")   # Taguette "highlights" CSV export
    project = read_qualcoder_csv(path)            # QualCoder coding report exported as CSV
    write_qdpx(project, path)                     # deterministic .qdpx (byte-identical for the same project)
    data = qdpx_bytes(project)                    # the same bytes, without writing a file
    print(project.summary())                      # "<name>: 5 codes, 2 text sources, 6 codings by 2 coder(s)"

    project = project_from_tables(excerpts, codings, codebook=None, name="...")
    t = tables_from_project(project, codebook=None)   # QdaTables(excerpts, codings, codebook, unmatched)
    t = match_codings(project, excerpts, codebook=None)     # second coder's export -> the study's excerpts

:class:`QdaProject` holds DataFrames (every id and text column is a string):

- ``codes``:   code_id, name, parent_id, path ('Theme/Sub-theme'), description, codable
- ``sources``: source_id, name, text, description, then one column per source variable
- ``codings``: coding_id, selection_id, source_id, code_id, start, end, text, coder, note
  (``start``/``end``: Unicode code-point offsets into the source text, end exclusive,
  nullable ``Int64``; empty for CSV exports, which carry the highlighted text only)
- ``cases`` (case_id, name, source_id), ``sets`` (set_id, name, code_id),
  ``issues`` (where, issue): what was read but left out (images, audio, untagged highlights).

How the study's tables are laid out in a .qdpx (:func:`project_from_tables`)
-----------------------------------------------------------------------------
Each excerpt (a published quotation) becomes **one TextSource**, named by its
``excerpt_id``, whose text is the quotation.  Its other columns (excerpt_id,
section, source, speaker, timepoint, attribution, and study if present) become
REFI-QDA *source variables* and its ``note`` the source's Description; each
coding becomes a Coding (with the coder as creating User) on one selection
spanning the whole quotation.  Speakers become *Cases* holding their
excerpts, which is how NVivo, ATLAS.ti and MAXQDA group material by person.
We chose one source per excerpt over one source per speaker because REFI-QDA
has no per-selection variables: only a source can carry section, attribution
and note losslessly, and because a second coder's coding anywhere inside an
excerpt's source then maps back to that excerpt unambiguously, whatever span
they select.  Codes are named by their codebook label (what coders see);
``parent`` nests them (a parent that is not itself a code becomes a
non-codable grouping code); ``theme``, ``construct`` and ``subconstruct``
become code Sets named ``"theme: <value>"`` etc.  REFI-QDA has nowhere to
keep a code's id, so :func:`tables_from_project` and :func:`match_codings`
map codes back to ``code_id`` through the study codebook by label path
(``'Parent label/Label'``), then by unique label, then by a name equal to a
``code_id``; without a codebook the code's path is its id.

How codings in an export are tied to excerpts (:func:`match_codings`)
---------------------------------------------------------------------
For each coding, in this order: (1) its source has an ``excerpt_id`` variable
naming an excerpt (our own export, round-tripped through a coding program);
(2) its source is named after an excerpt id; (3) its text equals the text of
exactly one excerpt after whitespace normalisation (Unicode NFC, runs of
whitespace to one space, trimmed); (4) its normalised text lies inside
exactly one excerpt's normalised text.  Anything else -- no excerpt, several
excerpts, or a code missing from the codebook -- is listed in
``QdaTables.unmatched`` with the reason, never silently dropped.
:func:`tables_from_project` instead keeps sources that are not our excerpts
as new excerpts: one per coded selection, ``excerpt_id`` ``'<source>:<start>-<end>'``
(or ``'<source>#<highlight id>'`` for CSV exports), the source's name as attribution.

Formats as verified against their sources
-----------------------------------------
- REFI-QDA project.qde: namespace ``urn:QDA-XML:project:1.0`` (Project.xsd, 18 March 2019):
  Project(Users, CodeBook, Variables, Cases, Sources, Notes, Links, Sets, Graphs, Description);
  Code(guid, name, isCodable, color; Description, NoteRef, Code*); TextSource(guid, name,
  plainTextPath | PlainTextContent; Description, PlainTextContent, PlainTextSelection*, Coding*,
  NoteRef*, VariableValue*); PlainTextSelection(guid, name, startPosition, endPosition,
  creatingUser; Description, Coding*, NoteRef*); Coding(guid, creatingUser; CodeRef, NoteRef*).
  Source text files are ``internal://<file>`` entries of the archive's ``Sources/`` folder
  (some programs write ``sources/``; both are read).  Offsets are read as Unicode code points
  of the UTF-8 text (a leading byte-order mark is dropped before counting; line ends are kept
  as they are, so CRLF counts two).  A program that counted UTF-16 code units instead would
  disagree only after characters outside the Basic Multilingual Plane, such as emoji.
- Taguette highlights CSV (taguette/export.py, ``highlights_csv``): header
  ``id,document,tag,content``; one row per highlight and tag (a highlight with two tags is two
  rows with the same id); ``tag`` is the tag's full name; no coder column (pass ``coder=``).
- QualCoder coding report CSV (report_codes.py, ``export_csv_file``): UTF-8 with BOM, all
  cells quoted, header ``File`` (or ``Case`` followed by ``Filename``; older versions
  ``File/case``), ``Coder``, ``Coded``, ``Id`` (``ctid:<n>`` for text, ``imid:``/``avid:`` for
  images and audio/video), ``Codename``, ``Coded_Memo``, then one ``Category`` column per
  level of the code's categories, nearest category first; optional ``FileVar_``/``CaseVar_`` columns.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tieval import __version__, store
from tieval.errors import InputError
from tieval.schema import CODEBOOK, CODINGS, EXCERPTS, require_columns

__all__ = [
    "QdaProject",
    "QdaTables",
    "read_codings",
    "read_qdpx",
    "write_qdpx",
    "qdpx_bytes",
    "read_taguette_csv",
    "read_qualcoder_csv",
    "project_from_tables",
    "tables_from_project",
    "match_codings",
    "normalise_text",
    "stable_guid",
    "NAMESPACE",
    "CODE_COLUMNS",
    "SOURCE_COLUMNS",
    "CODING_COLUMNS",
    "CASE_COLUMNS",
    "SET_COLUMNS",
    "ISSUE_COLUMNS",
    "UNMATCHED_COLUMNS",
]

#: XML namespace of a REFI-QDA project.qde.
NAMESPACE = "urn:QDA-XML:project:1.0"
#: uuid5 namespace of the stable GUIDs this module writes.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://refi-qda.tieval/guid")
#: Timestamp of every zip entry written (the earliest a zip can hold): no wall-clock values.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

CODE_COLUMNS = ["code_id", "name", "parent_id", "path", "description", "codable"]
SOURCE_COLUMNS = ["source_id", "name", "text", "description"]
CODING_COLUMNS = ["coding_id", "selection_id", "source_id", "code_id", "start", "end", "text", "coder", "note"]
CASE_COLUMNS = ["case_id", "name", "source_id"]
SET_COLUMNS = ["set_id", "name", "code_id"]
ISSUE_COLUMNS = ["where", "issue"]
UNMATCHED_COLUMNS = ["coding_id", "source", "code", "coder", "text", "reason"]

#: Codebook columns written as code Sets named "<column>: <value>".
SET_FIELDS = ("theme", "construct", "subconstruct")
#: The variable that marks a source as one of the study's excerpts.
EXCERPT_VARIABLE = "excerpt_id"

_GUID_RE = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12})\}?$"
)
_INTERNAL_RE = re.compile(r"^internal://(.+)$", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Result types
# ---------------------------------------------------------------------------------------------


def _frame(rows: list, columns: list[str], *, ints=(), bools=()) -> pd.DataFrame:
    """A DataFrame with exactly ``columns``: strings as ``str``, ``ints`` as ``Int64``."""
    if rows:
        frame = pd.DataFrame(rows, columns=columns)
    else:
        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    for c in columns:
        if c in ints:
            frame[c] = frame[c].astype("Int64")
        elif c in bools:
            frame[c] = frame[c].astype(bool)
        else:
            frame[c] = frame[c].fillna("").astype("str")
    return frame


@dataclass
class QdaProject:
    """Codes, text sources and codings read from (or to be written to) coding software.

    See the module docstring for the columns of each frame.
    """

    name: str
    codes: pd.DataFrame
    sources: pd.DataFrame
    codings: pd.DataFrame
    cases: pd.DataFrame = field(default_factory=lambda: _frame([], CASE_COLUMNS))
    sets: pd.DataFrame = field(default_factory=lambda: _frame([], SET_COLUMNS))
    issues: pd.DataFrame = field(default_factory=lambda: _frame([], ISSUE_COLUMNS))
    origin: str = ""

    @property
    def variables(self) -> list[str]:
        """Names of the source variables (the ``sources`` columns after the fixed ones)."""
        return [c for c in self.sources.columns if c not in SOURCE_COLUMNS]

    @property
    def coders(self) -> list[str]:
        """Coders who made at least one coding, sorted."""
        return sorted(set(self.codings["coder"]) - {""})

    def summary(self) -> str:
        """One line: how many codes, sources, codings and coders."""
        return (
            f"{self.name}: {len(self.codes)} codes, {len(self.sources)} text sources, "
            f"{len(self.codings)} codings by {len(self.coders)} coder(s)"
        )


@dataclass
class QdaTables:
    """A project as the compendium's tidy tables, plus what could not be tied to them."""

    excerpts: pd.DataFrame  #: schema.EXCERPTS columns (``study`` only if the project carries it)
    codings: pd.DataFrame  #: schema.CODINGS, sorted by excerpt_id, code_id, coder
    codebook: pd.DataFrame  #: schema.CODEBOOK, codable codes, sorted by code_id
    unmatched: pd.DataFrame  #: UNMATCHED_COLUMNS: codings left out, with the reason


def normalise_text(text: str) -> str:
    """Text for matching: Unicode NFC, every run of whitespace one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def stable_guid(kind: str, key: str) -> str:
    """A GUID derived from ``kind`` and ``key`` (uuid5): the same key always gives the same GUID."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


def _norm_guid(value) -> str | None:
    """``value`` as a lower-case GUID without braces, or None if it is not a GUID."""
    match = _GUID_RE.match(str(value).strip()) if value is not None else None
    return match.group(1).lower() if match else None


def _guid_for(kind: str, key: str) -> str:
    """``key`` itself if it is already a GUID (a project read from a .qdpx), else a stable GUID."""
    return _norm_guid(key) or stable_guid(kind, key)


# ---------------------------------------------------------------------------------------------
# Reading REFI-QDA
# ---------------------------------------------------------------------------------------------


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_qdpx(path: str | Path) -> QdaProject:
    """Read a REFI-QDA project (.qdpx) exported by NVivo, ATLAS.ti, MAXQDA, QualCoder or :func:`write_qdpx`.

    Text sources are read (inline ``PlainTextContent`` or an ``internal://`` file in the
    archive's ``Sources/`` or ``sources/`` folder); each coding's text is cut from its source
    by code-point offsets.  Picture, PDF, audio and video sources are listed in ``issues``.
    Raises :class:`InputError` naming the file (and, for XML, the element and its guid) when
    the archive, the XML or a reference in it is not what REFI-QDA prescribes.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "an existing .qdpx file")
    store.note_input(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputError(
            path, "a REFI-QDA project: a zip archive (.qdpx) holding project.qde", found="not a zip archive"
        ) from None
    with archive:
        names = archive.namelist()
        qde = _find_entry(names, "project.qde")
        if qde is None:
            listing = ", ".join(sorted(names)[:4]) or "an empty archive"
            raise InputError(path, "a project.qde file inside the .qdpx archive", found=listing)
        root = _parse_xml(archive.read(qde), path)

        def text_of(ref: str, where: str) -> str:
            return _internal_text(archive, names, ref, where, path)

        return _project_from_xml(root, path, text_of)


def _find_entry(names: list[str], wanted: str) -> str | None:
    """The archive entry named ``wanted`` (case-insensitive), preferring the archive root."""
    hits = [n for n in names if n.rsplit("/", 1)[-1].lower() == wanted.lower()]
    hits.sort(key=lambda n: (n.count("/"), n))
    return hits[0] if hits else None


def _parse_xml(data: bytes, path: Path) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(path, "well-formed XML in project.qde", found=str(exc)) from None


def _internal_text(archive: zipfile.ZipFile, names: list[str], ref: str, where: str, path: Path) -> str:
    """The text of an ``internal://`` file, looked up in Sources/ or sources/ (or anywhere by name)."""
    match = _INTERNAL_RE.match(ref.strip())
    if not match:
        raise InputError(
            path,
            "a plainTextPath of the form internal://<file> (text stored inside the .qdpx)",
            column=where,
            found=ref,
        )
    fname = match.group(1).lstrip("/")
    preferred = [f"Sources/{fname}", f"sources/{fname}"]
    entry = next((n for n in preferred if n in names), None)
    if entry is None:
        folded = [n for n in names if n.lower() == f"sources/{fname}".lower()]
        anywhere = [n for n in names if n.rsplit("/", 1)[-1] == fname.rsplit("/", 1)[-1]]
        entry = (sorted(folded) or sorted(anywhere) or [None])[0]
    if entry is None:
        raise InputError(path, f"the source text Sources/{fname} inside the archive", column=where, found="missing")
    try:
        text = archive.read(entry).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "source text encoded as UTF-8", column=where, found=entry) from None
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


def _project_from_xml(root: ET.Element, path: Path, text_of) -> QdaProject:
    """Build a :class:`QdaProject` from a parsed project.qde root element."""
    if root.tag != _q("Project"):
        raise InputError(path, f"a root element Project in the namespace {NAMESPACE}", column="Project", found=root.tag)
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

    notes = {}
    for note in root.iterfind(f"{_q('Notes')}/{_q('Note')}"):
        guid = _guid_of(note, path, "Note")
        notes[guid] = _source_text(note, path, f"Note {guid}", text_of)

    sources: list[dict] = []
    codings: list[dict] = []
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
        text = _source_text(element, path, where, text_of)
        row = {
            "source_id": guid,
            "name": element.get("name") or guid,
            "text": text,
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
        _read_codings(element, guid, text, code_ids, users, notes, codings, path)

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
        origin=root.get("origin", ""),
        codes=_frame(codes, CODE_COLUMNS, bools=("codable",)),
        sources=_frame(sources, SOURCE_COLUMNS + variable_names),
        codings=_frame(codings, CODING_COLUMNS, ints=("start", "end")),
        cases=_frame(cases, CASE_COLUMNS),
        sets=_frame(sets, SET_COLUMNS),
        issues=_frame(issues, ISSUE_COLUMNS),
    )


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


def _read_codings(
    source: ET.Element, source_id: str, text: str, code_ids: set, users: dict, notes: dict, out: list, path: Path
) -> None:
    """Append the codings of one TextSource: those on its selections, then whole-source ones."""
    spans = [(selection, True) for selection in source.iterfind(_q("PlainTextSelection"))]
    spans.append((source, False))
    for element, is_selection in spans:
        if is_selection:
            selection_id = _guid_of(element, path, f"TextSource {source_id} PlainTextSelection")
            where = f"PlainTextSelection {selection_id}"
            start = _position(element, "startPosition", path, where)
            end = _position(element, "endPosition", path, where)
            if not 0 <= start <= end <= len(text):
                raise InputError(
                    path,
                    f"0 <= startPosition <= endPosition <= {len(text)} (the "
                    "length of its source text in Unicode code points)",
                    column=where,
                    found=f"{start}-{end}",
                )
            selection_notes = [n for n in [_description(element)] if n] + _note_text(element, notes)
            selection_coder = _coder(element, users)
        else:
            selection_id, start, end = "", 0, len(text)
            selection_notes, selection_coder = [], ""
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
            out.append(
                {
                    "coding_id": coding_id,
                    "selection_id": selection_id,
                    "source_id": source_id,
                    "code_id": target,
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "coder": _coder(coding, users) or selection_coder,
                    "note": "\n\n".join(selection_notes + _note_text(coding, notes)),
                }
            )


# ---------------------------------------------------------------------------------------------
# Writing REFI-QDA
# ---------------------------------------------------------------------------------------------


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
    root = ET.Element(_q("Project"), {"name": project.name or "tieval", "origin": f"tieval {__version__}"})
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
    if len(project.cases):
        cases_el = _sub(root, "Cases")
        for case_id, rows in project.cases.groupby("case_id", sort=False):
            case_el = _sub(cases_el, "Case", {"guid": _guid_for("case", case_id), "name": rows["name"].iloc[0]})
            for sid in rows["source_id"]:
                if sid in source_guid:
                    _sub(case_el, "SourceRef", {"targetGUID": source_guid[sid]})

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
                _sub(source_el, "Description", text=row["description"])
            rows = by_source.get(sid)
            if rows is not None:
                notes += _write_selections(source_el, guid, rows, code_guid, users)
            for name, variable_guid in variables.items():
                value = row.get(name, "")
                if value:
                    value_el = _sub(source_el, "VariableValue")
                    _sub(value_el, "VariableRef", {"targetGUID": variable_guid})
                    _sub(value_el, "TextValue", text=value)
    unknown = sorted(set(codings["source_id"]) - set(source_guid))
    if unknown:
        raise InputError(
            project.name or "<project>", "codings on the project's sources", column="source_id", found=unknown[0]
        )

    if notes:
        notes_el = _sub(root, "Notes")
        for guid, text in notes:
            note_el = _sub(notes_el, "Note", {"guid": guid, "name": "Coding note"})
            _sub(note_el, "PlainTextContent", text=text)

    if len(project.sets):
        sets_el = _sub(root, "Sets")
        for set_id, rows in project.sets.groupby("set_id", sort=False):
            set_el = _sub(sets_el, "Set", {"guid": _guid_for("set", set_id), "name": rows["name"].iloc[0]})
            for cid in rows["code_id"]:
                if cid in code_guid:
                    _sub(set_el, "MemberCode", {"targetGUID": code_guid[cid]})

    ET.indent(root, space="  ")
    entries["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
    return entries


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


# ---------------------------------------------------------------------------------------------
# Reading CSV exports
# ---------------------------------------------------------------------------------------------


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


def _header_index(header: list[str], required: list[str], path: Path, what: str) -> dict[str, int]:
    """Map lower-cased column names to positions; InputError (row 1) for a missing one."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        index.setdefault(name.strip().lower(), i)
    for name in required:
        if name.lower() not in index:
            raise InputError(path, f"{what}: columns {', '.join(required)}", row=1, column=name, found="missing")
    return index


def read_taguette_csv(path: str | Path, coder: str = "") -> QdaProject:
    """Read Taguette's highlights CSV export (columns id, document, tag, content).

    Taguette writes one row per highlight and tag and no coder: pass ``coder`` to name
    whose highlights these are.  Each document becomes a source (its full text is not in
    the export); each row a coding carrying the highlighted text but no offsets.  Rows
    without a tag are listed in ``issues``.
    """
    path = Path(path)
    rows = _read_csv_rows(path)
    if not rows:
        raise InputError(
            path, "a Taguette highlights export: header id, document, tag, content", row=1, found="an empty file"
        )
    col = _header_index(rows[0], ["id", "document", "tag", "content"], path, "a Taguette highlights export")
    sources, codes, codings, issues = {}, {}, [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(rows[0]) - len(row))
        hid, document = cells[col["id"]].strip(), cells[col["document"]]
        tag, content = cells[col["tag"]].strip(), cells[col["content"]]
        sources.setdefault(document, {"source_id": document, "name": document, "text": "", "description": ""})
        if not tag:
            issues.append({"where": f"row {number}", "issue": f"highlight {hid} has no tag"})
            continue
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
            }
        )
    return QdaProject(
        name=path.stem,
        origin="Taguette highlights CSV",
        codes=_frame(list(codes.values()), CODE_COLUMNS, bools=("codable",)),
        sources=_frame(list(sources.values()), SOURCE_COLUMNS),
        codings=_frame(codings, CODING_COLUMNS, ints=("start", "end")),
        issues=_frame(issues, ISSUE_COLUMNS),
    )


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
    sources, codes, codings, issues = {}, {}, [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        coding_key = cells[col["id"]].strip() if "id" in col else ""
        if coding_key.lower().startswith(("imid:", "avid:")):
            issues.append({"where": f"row {number}", "issue": f"{coding_key} skipped: only text codings are read"})
            continue
        document = cells[document_col]
        name = cells[col["codename"]].strip()
        if not name:
            raise InputError(path, "a code name", row=number, column="Codename", found="")
        chain = [cells[i].strip() for i in category_cols if cells[i].strip()][::-1]
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
        sources.setdefault(document, {"source_id": document, "name": document, "text": "", "description": ""})
        codings.append(
            {
                "coding_id": coding_key or f"row{number}",
                "selection_id": coding_key,
                "source_id": document,
                "code_id": code_path,
                "start": None,
                "end": None,
                "text": cells[col["coded"]],
                "coder": cells[col["coder"]].strip(),
                "note": cells[col["coded_memo"]] if "coded_memo" in col else "",
            }
        )
    return QdaProject(
        name=path.stem,
        origin="QualCoder coded-text CSV",
        codes=_frame(list(codes.values()), CODE_COLUMNS, bools=("codable",)),
        sources=_frame(list(sources.values()), SOURCE_COLUMNS),
        codings=_frame(codings, CODING_COLUMNS, ints=("start", "end")),
        issues=_frame(issues, ISSUE_COLUMNS),
    )


def read_codings(path: str | Path, *, coder: str = "") -> QdaProject:
    """Read any supported export, choosing the reader by extension and content.

    ``.qdpx`` (or any zip) -> :func:`read_qdpx`; a CSV whose header has id, document, tag,
    content -> :func:`read_taguette_csv` (with ``coder``); a CSV whose header has Coder,
    Coded, Codename -> :func:`read_qualcoder_csv`.  Anything else raises :class:`InputError`.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "an existing .qdpx or CSV export")
    if path.suffix.lower() == ".qdpx" or zipfile.is_zipfile(path):
        return read_qdpx(path)
    rows = _read_csv_rows(path)
    header = {h.strip().lower() for h in (rows[0] if rows else [])}
    if {"id", "document", "tag", "content"} <= header:
        return read_taguette_csv(path, coder=coder)
    if {"coder", "coded", "codename"} <= header:
        return read_qualcoder_csv(path)
    raise InputError(
        path,
        "a REFI-QDA .qdpx, a Taguette highlights CSV (id, document, tag, "
        "content) or a QualCoder coded-text CSV (File, Coder, Coded, Id, Codename)",
        row=1,
        found=",".join(rows[0]) if rows else "an empty file",
    )


# ---------------------------------------------------------------------------------------------
# Tidy tables <-> project
# ---------------------------------------------------------------------------------------------


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
        origin=f"tieval {__version__}",
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
    return {
        "coding_id": coding.coding_id,
        "source": names.get(coding.source_id, coding.source_id),
        "code": code_names.get(coding.code_id, coding.code_id),
        "coder": coding.coder,
        "text": coding.text,
        "reason": reason,
    }


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


def match_codings(project: QdaProject, excerpts: pd.DataFrame, codebook: pd.DataFrame | None = None) -> QdaTables:
    """Tie each coding of ``project`` (e.g. a second coder's export) to one of the study's ``excerpts``.

    Matching order: the source's ``excerpt_id`` variable, the source's name, the coded
    text equal to one excerpt's text after :func:`normalise_text`, the coded text inside
    exactly one excerpt.  Codings matching no excerpt or several, and codings of codes the
    codebook lacks, are returned in ``unmatched`` with the reason.  ``excerpts`` in the
    result is the input, unchanged.
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
                reason = "no excerpt holds this text"
        if excerpt_id is None:
            unmatched.append(_unmatched_row(coding, names, code_names, reason))
        elif coding.code_id not in mapping:
            unmatched.append(_unmatched_row(coding, names, code_names, "code not in the codebook"))
        else:
            coding_rows.append({"excerpt_id": excerpt_id, "code_id": mapping[coding.code_id], "coder": coding.coder})
    return QdaTables(
        excerpts=excerpts,
        codings=_tidy_codings(coding_rows),
        codebook=_codebook_from_project(project, mapping),
        unmatched=_unmatched(unmatched),
    )
