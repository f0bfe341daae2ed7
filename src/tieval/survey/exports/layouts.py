"""Header layouts of survey exports, recognised from the first rows of the file.

=====================  ===========  ==========================================================
layout                 header rows  recognised by
=====================  ===========  ==========================================================
``qualtrics``          3            row 3 holds ``{"ImportId":"QID1"}`` JSON in every non-empty cell
``qualtrics-insights`` 3            row 3 holds Python-style dicts, ``{'ImportId': 'QID1'}``
                                    (exports of 2016-2018)
``qualtrics-legacy``   2            row 1 starts ``V1``..``V10`` or row 2 holds ``ResponseID``;
                                    row 2 gives the names of the V-columns and the question texts
``surveymonkey``       2            row 1 holds ``Respondent ID`` and ``Collector ID``; row 2 the
                                    sub-answers (``Response``, ``Open-Ended Response``, an option
                                    or a matrix row) under a question written once over its columns
``microsoft-forms``    1            ``ID``, ``Start time``, ``Completion time`` (then ``Email``,
                                    ``Name``, ``Last modified time``)
``google-forms``       1            ``Timestamp`` first (``Email Address`` when collected)
``form``               1            any other one-row header (column ids or question texts)
=====================  ===========  ==========================================================

A file whose second or third row looks like a Qualtrics header that none of these reads (a row 3 of
ImportIds with some cells missing, question texts in row 2 without an ImportId row) is refused with
an error that says what it saw.  Each column gets the texts an item may name it by in study.yml (its
question text, and for a matrix or a multi-column question the row or option text).  Each tool's
identifying columns (names, e-mail addresses, IP addresses, locations, custom data) are listed so
they are never read; its other metadata is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tieval.config import normalise_label
from tieval.errors import InputError

__all__ = [
    "Layout",
    "detect_layout",
    "LAYOUT_WORDS",
    "STANDARD_IDENTIFYING",
    "STANDARD_METADATA",
    "STANDIN_NOTICE_COLUMN",
    "FORM_FAMILY",
    "QUALTRICS_FAMILY",
    "compatible",
    "column_letter",
]

#: Identifying metadata of each tool; never read.
STANDARD_IDENTIFYING = (
    # Qualtrics, current and 2016-2018
    "IPAddress",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "LocationAccuracy",
    # legacy Qualtrics
    "Name",
    "EmailAddress",
    "ExternalDataReference",
    # SurveyMonkey
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
    "Custom Data 2",
    "Custom Data 3",
    "Custom Data",
    # Microsoft Forms, Google Forms, other form tools
    "Email",
    "Email address",
    "Respondent email",
    "Full name",
)

#: Non-identifying metadata: not analysis data, skipped at read time (besides the id and Status).
#: The column in which a reconstructed stand-in export labels every row as not a study response
#: (written by :mod:`tieval.tools.reconstruct`); in a reconstructed study's export it is metadata.
STANDIN_NOTICE_COLUMN = "DataNotice"

STANDARD_METADATA = (
    "StartDate",
    "EndDate",
    "Status",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "DistributionChannel",
    "UserLanguage",
    "ResponseID",
    "ResponseSet",
    "Timestamp",
    "Start time",
    "Completion time",
    "Last modified time",
    "ID",
    "Submitted",
    "Submitted at",
    "Submission time",
    "Date submitted",
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "Score",
    "Total points",
    "Quiz feedback",
)

#: Describes each layout in summaries (``tieval validate``, the cleaning notebook).
LAYOUT_WORDS = {
    "qualtrics": "Qualtrics {container} export (three header rows)",
    "qualtrics-insights": "Qualtrics {container} export of 2016-2018 (three header rows, ImportIds as Python dicts)",
    "qualtrics-legacy": "legacy Qualtrics {container} export (two header rows)",
    "surveymonkey": "SurveyMonkey {container} export (two header rows)",
    "microsoft-forms": "Microsoft Forms {container} export (one header row)",
    "google-forms": "Google Forms {container} export (one header row)",
    "form": "online-form {container} export (one header row)",
    "spss": "SPSS .sav file (value labels and variable labels)",
}

QUALTRICS_FAMILY = ("qualtrics", "qualtrics-insights", "qualtrics-legacy")
FORM_FAMILY = ("form", "microsoft-forms", "google-forms")

#: survey.format in study.yml -> layouts it accepts (``auto``: any).
_ACCEPTS = {
    "qualtrics": (*QUALTRICS_FAMILY, "spss", *FORM_FAMILY),  # a Qualtrics file with rows 2-3 deleted is one-row
    "form": FORM_FAMILY,
    "surveymonkey": ("surveymonkey",),
    "microsoft-forms": ("microsoft-forms",),
    "google-forms": ("google-forms",),
    "spss": ("spss",),
}

_JSON_IMPORT = re.compile(r'^\s*\{\s*"ImportId"\s*:')
_DICT_IMPORT = re.compile(r"^\s*\{\s*'ImportId'\s*:\s*'[^']*'")
_LEGACY_V = re.compile(r"^V\d+$")
_GOOGLE_TIMESTAMP = {"timestamp", "horodateur", "marca temporal", "zeitstempel", "informazioni cronologiche"}
_SM_GENERIC = {"response", "open-ended response", ""}


@dataclass
class Layout:
    """How the header of an export reads: its layout, rows, column names and question texts."""

    kind: str
    header_rows: int
    names: list[str]
    questions: list[str]
    texts: list[tuple[str, ...]] = field(default_factory=list)  # what each column may be named by
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not self.texts:
            self.texts = [_matrix_texts(q) for q in self.questions]


_GRID_ROW = re.compile(r"^.*\S\s*\[(.+)\]$")


def _matrix_texts(question: str) -> tuple[str, ...]:
    """A question text and, for a matrix row, the row text: Qualtrics writes "Question - Row",
    Google Forms "Question [Row]"."""
    question = question.strip()
    if not question:
        return ()
    grid = _GRID_ROW.match(question)
    if grid:
        return (question, grid.group(1).strip())
    parts = question.rsplit(" - ", 1)
    return (question, parts[1].strip()) if len(parts) == 2 and parts[1].strip() else (question,)


def _import_ids(cells: list[str]) -> str | None:
    """``json`` or ``dict`` when every non-empty cell of a row is an ImportId of that kind."""
    present = [c for c in cells if c.strip()]
    if not present:
        return None
    if all(_JSON_IMPORT.match(c) for c in present):
        return "json"
    if all(_DICT_IMPORT.match(c) or _JSON_IMPORT.match(c) for c in present):
        return "dict"
    return None


def column_letter(position: int) -> str:
    """Spreadsheet letter of a 0-based column position (0 -> A, 26 -> AA)."""
    letters = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def compatible(declared: str, kind: str) -> bool:
    """Whether a file of layout ``kind`` may be read for ``survey.format: declared``."""
    return declared in ("", "auto") or kind in _ACCEPTS.get(declared, (kind,))


def _surveymonkey(header: list[str], second: list[str]) -> Layout:
    names, questions, texts = [], [], []
    question = ""
    group: list[int] = []
    starts = []
    for i, (top, sub) in enumerate(zip(header, second)):
        top, sub = top.strip(), sub.strip()
        # a blank, or the question's text again (a merged header cell filled along its columns),
        # continues the question over its sub-answer columns
        if (top and top != question) or not question:
            question = top
            starts.append(i)
        generic = normalise_label(sub) in _SM_GENERIC
        names.append(question if generic else f"{question} - {sub}" if question else sub)
        questions.append(question)
        texts.append((question,) if generic else (f"{question} - {sub}", sub))
        group.append(len(starts) - 1)
    # a question written over one column only may also be named by its text
    sizes = {g: group.count(g) for g in set(group)}
    texts = [t if sizes[group[i]] > 1 or questions[i] in t else (*t, questions[i]) for i, t in enumerate(texts)]
    return Layout("surveymonkey", 2, names, questions, texts)


def detect_layout(path: Path, records: list[list[str]], declared: str = "") -> Layout:
    """The layout of an export from its first four records (see the module docstring).

    ``declared`` is ``survey.format`` of study.yml: a file whose layout it does not accept is an
    error naming the layout seen."""
    header = [str(h).strip() for h in records[0]]
    width = len(header)

    def row(i: int) -> list[str]:
        values = [str(v) for v in records[i]] if len(records) > i else []
        return (values + [""] * width)[:width]

    layout = _detect(path, header, row, len(records))
    if not compatible(declared, layout.kind):
        raise InputError(
            path,
            f"a {declared} export (survey.format in study.yml)",
            row=1,
            found=f"the header of a {layout.kind} export ({_evidence(layout)})",
        )
    return layout


def _evidence(layout: Layout) -> str:
    if layout.kind == "form":
        return f"one header row starting {', '.join(layout.names[:3])}"
    return f"{layout.header_rows} header row(s)"


def _detect(path: Path, header: list[str], row, n_records: int) -> Layout:
    third_ids = _import_ids(row(2))
    if third_ids:
        kind = "qualtrics" if third_ids == "json" else "qualtrics-insights"
        missing = [i for i, c in enumerate(row(2)) if not c.strip() and header[i]]
        if missing:
            raise InputError(
                path,
                "an ImportId in every column of header row 3 (a Qualtrics export)",
                row=3,
                column=f"{header[missing[0]]} ({column_letter(missing[0])})",
                found="",
            )
        return Layout(kind, 3, header, [c.strip() for c in row(1)])
    second = row(1)
    folded = {normalise_label(c) for c in second}
    v_columns = header[:10] == [f"V{i}" for i in range(1, 11)]
    if n_records > 1 and ("responseid" in folded or v_columns):
        names = [second[i].strip() if _LEGACY_V.match(h) and second[i].strip() else h for i, h in enumerate(header)]
        return Layout("qualtrics-legacy", 2, names, [c.strip() for c in second])
    headset = {normalise_label(h) for h in header}
    if {"respondent id", "collector id"} <= headset:
        id_pos = [normalise_label(h) for h in header].index("respondent id")
        if second[id_pos].strip():  # the sub-answer row was deleted: answers from row 2
            layout = Layout("surveymonkey", 1, header, list(header))
            layout.notes.append("SurveyMonkey export without its second header row (answers from row 2)")
            return layout
        return _surveymonkey(header, second)
    if n_records > 2 and _import_ids(row(1)):
        raise InputError(
            path,
            "the Qualtrics ImportId row as row 3, under the question texts (row 2 is missing or was deleted)",
            row=2,
            found=row(1)[0],
        )
    if n_records > 1 and {"response id", "response type"} & folded:
        raise InputError(
            path,
            "a Qualtrics export with its ImportId row 3 (this file has question texts in row 2 but no ImportIds "
            "below them: export again, or delete rows 2-3 to leave one header row)",
            row=3,
            found=row(2)[0],
        )
    lower = [normalise_label(h) for h in header]
    if lower[:3] == ["id", "start time", "completion time"]:
        return Layout("microsoft-forms", 1, header, list(header))
    if lower and lower[0] in _GOOGLE_TIMESTAMP:
        return Layout("google-forms", 1, header, list(header))
    return Layout("form", 1, header, list(header))
