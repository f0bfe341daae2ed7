"""Reading a Qualtrics survey definition (``.qsf``): the questions, their answers and recode values.

A ``.qsf`` is JSON with two members: ``SurveyEntry`` (the survey's name and dates) and
``SurveyElements``, a list of elements told apart by ``Element``: ``SQ`` a question
(``Payload``: ``QuestionID``, ``DataExportTag``, ``QuestionType`` and ``Selector``,
``QuestionText``, ``Choices``/``ChoiceOrder``, for matrices ``Answers``/``AnswerOrder``,
``RecodeValues``, ``VariableNaming``, ``ChoiceDataExportTags``, ``Configuration``,
``Validation``), ``BL`` the blocks (``BlockElements`` in display order; the ``Trash``
block holds deleted questions) and ``FL`` the survey flow (which blocks are shown, in
which order, and the ``EmbeddedData`` fields it sets).  The format is described in
public notes (the "How does a Qualtrics Survey File work?" guide, QualtricsTools'
"Recode Values" and "Structure of the QSF" vignettes); this reader is ours.

:func:`read_qsf` returns a :class:`QsfSurvey`: the questions in the order a respondent
meets them (flow order of blocks, then block order), each with its choices and answers
as :class:`Option` (id, text as shown, recode value, export name), plus the embedded-data
fields of the flow.  HTML in question and choice text is reduced to plain text.  A file
that is not JSON, or JSON that is not a survey definition, raises a one-line
:class:`~tieval.errors.InputError`.  Nothing here knows about ``study.yml``:
:mod:`tieval.tools.init` turns the survey into a draft.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tieval.errors import InputError

__all__ = ["Option", "Question", "QsfSurvey", "read_qsf", "plain_text"]

_EXPECTED = "a Qualtrics survey definition (.qsf: JSON with SurveyEntry and SurveyElements)"
_TAG = re.compile(r"<[^>]*>")


def plain_text(value: Any) -> str:
    """Question or choice text without HTML tags and entities, whitespace squashed."""
    if value is None:
        return ""
    text = _TAG.sub(" ", str(value))
    return " ".join(html.unescape(text).replace("\u00a0", " ").split())


@dataclass(frozen=True)
class Option:
    """A choice (MC option, matrix row, slider statement, form field) or a matrix answer (scale point)."""

    id: str
    text: str
    recode: int | float | None = None  # RecodeValues
    variable_name: str = ""  # VariableNaming: the text exports write for it
    export_tag: str = ""  # ChoiceDataExportTags
    text_entry: bool = False  # an "Other, please specify" box
    exclusive: bool = False  # "None of these" in a multiple answer


@dataclass(frozen=True)
class Question:
    """One question (``SQ`` element) of the survey."""

    qid: str
    tag: str  # DataExportTag, the column stem of the export
    type: str  # QuestionType: MC, Matrix, Slider, TE, DB, ...
    selector: str
    sub_selector: str
    text: str
    choices: tuple[Option, ...] = ()
    answers: tuple[Option, ...] = ()
    configuration: dict = field(default_factory=dict)
    content_type: str = ""  # TE validation: ValidEmail, ValidPhone, ValidNumber, ...
    number_range: tuple[float | None, float | None] = (None, None)
    labels: tuple[str, ...] = ()  # slider labels, left to right
    block: str = ""


@dataclass(frozen=True)
class QsfSurvey:
    """A survey definition: its name, questions in respondent order, embedded-data fields."""

    path: Path
    name: str
    questions: tuple[Question, ...]
    embedded: tuple[str, ...]
    trashed: tuple[str, ...] = ()


def read_qsf(path: str | Path) -> QsfSurvey:
    """Read a ``.qsf`` file into a :class:`QsfSurvey` (one-line :class:`InputError` if it is not one)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "an existing .qsf file") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, _EXPECTED, found=f"bytes that are not UTF-8 text (offset {exc.start})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, _EXPECTED, row=exc.lineno, found=f"text that is not JSON ({exc.msg})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("SurveyElements"), list):
        found = "JSON without a SurveyElements list" if isinstance(raw, dict) else f"a JSON {type(raw).__name__}"
        raise InputError(path, _EXPECTED, found=found)
    entry = raw.get("SurveyEntry") if isinstance(raw.get("SurveyEntry"), dict) else {}
    questions: dict[str, Question] = {}
    blocks: list[dict] = []
    flow: Any = None
    for i, element in enumerate(raw["SurveyElements"]):
        if not isinstance(element, dict):
            raise InputError(path, _EXPECTED, column=f"SurveyElements[{i}]", found=f"a {type(element).__name__}")
        kind = element.get("Element")
        payload = element.get("Payload")
        if kind == "SQ":
            q = _question(path, i, payload)
            questions[q.qid] = q
        elif kind == "BL":
            blocks = [b for b in _values(payload) if isinstance(b, dict)]
        elif kind == "FL":
            flow = payload
    if not questions:
        raise InputError(path, _EXPECTED, found="a survey definition without questions (no SQ elements)")
    order, trashed = _respondent_order(blocks, flow, questions)
    embedded = tuple(dict.fromkeys(_embedded_fields(flow)))
    return QsfSurvey(
        path=path,
        name=plain_text(entry.get("SurveyName")) or path.stem,
        questions=tuple(order),
        embedded=embedded,
        trashed=tuple(trashed),
    )


# --------------------------------------------------------------------------- questions
def _values(container: Any) -> list:
    """A JSON list, or a mapping's values in key order (PHP writes lists with holes as mappings)."""
    if isinstance(container, list):
        return container
    if isinstance(container, dict):
        return list(container.values())
    return []


def _keyed(container: Any) -> dict[str, Any]:
    """Choices/Answers as ``{id: value}`` whether the file stores a mapping or a list."""
    if isinstance(container, dict):
        return {str(k): v for k, v in container.items()}
    if isinstance(container, list):
        return {str(i): v for i, v in enumerate(container) if v is not None}
    return {}


def _number(path: Path, qid: str, key: str, value: Any) -> int | float | None:
    if value is None or value == "":
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise InputError(path, "a number", column=f"{qid}.{key}", found=value) from None
    return int(number) if number.is_integer() else number


def _order(keyed: dict[str, Any], order: Any) -> list[str]:
    listed = [str(k) for k in order] if isinstance(order, list) else []
    listed = [k for k in listed if k in keyed]
    rest = sorted(
        (k for k in keyed if k not in listed), key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k)
    )
    return listed + rest


def _options(path: Path, qid: str, what: str, items: Any, order: Any, payload: dict, recode_key: str) -> tuple:
    keyed = _keyed(items)
    recodes = _keyed(payload.get(recode_key)) if recode_key else {}
    naming = _keyed(payload.get("VariableNaming")) if what == "Choices" else {}
    tags = _keyed(payload.get("ChoiceDataExportTags")) if what == "Choices" else {}
    out = []
    for cid in _order(keyed, order):
        spec = keyed[cid] if isinstance(keyed[cid], dict) else {"Display": keyed[cid]}
        out.append(
            Option(
                id=cid,
                text=plain_text(spec.get("Display")),
                recode=_number(path, qid, f"{recode_key}.{cid}", recodes.get(cid)) if recode_key else None,
                variable_name=plain_text(naming.get(cid)),
                export_tag=str(tags.get(cid) or "").strip(),
                text_entry=str(spec.get("TextEntry", "")).lower() in ("true", "on", "1"),
                exclusive=bool(spec.get("ExclusiveAnswer")),
            )
        )
    return tuple(out)


def _question(path: Path, index: int, payload: Any) -> Question:
    if not isinstance(payload, dict):
        raise InputError(path, "a question Payload (a JSON object)", column=f"SurveyElements[{index}]", found=payload)
    qid = str(payload.get("QuestionID") or f"SurveyElements[{index}]")
    qtype = str(payload.get("QuestionType") or "")
    matrix = qtype == "Matrix"
    choices = _options(
        path,
        qid,
        "Choices",
        payload.get("Choices"),
        payload.get("ChoiceOrder"),
        payload,
        "" if matrix else "RecodeValues",
    )
    answers = ()
    if matrix:
        answers = _options(
            path, qid, "Answers", payload.get("Answers"), payload.get("AnswerOrder"), payload, "RecodeValues"
        )
    settings = (
        (payload.get("Validation") or {}).get("Settings") or {} if isinstance(payload.get("Validation"), dict) else {}
    )
    content = str(settings.get("ContentType") or "") if isinstance(settings, dict) else ""
    valid = settings.get("ValidNumber") if isinstance(settings, dict) else None
    lo = hi = None
    if isinstance(valid, dict):
        lo = _number(path, qid, "Validation.ValidNumber.Min", valid.get("Min"))
        hi = _number(path, qid, "Validation.ValidNumber.Max", valid.get("Max"))
    labels = tuple(
        plain_text(v.get("Display") if isinstance(v, dict) else v)
        for _, v in sorted(_keyed(payload.get("Labels")).items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0)
    )
    config = payload.get("Configuration") if isinstance(payload.get("Configuration"), dict) else {}
    return Question(
        qid=qid,
        tag=str(payload.get("DataExportTag") or qid).strip(),
        type=qtype,
        selector=str(payload.get("Selector") or ""),
        sub_selector=str(payload.get("SubSelector") or ""),
        text=plain_text(payload.get("QuestionText")) or plain_text(payload.get("QuestionDescription")),
        choices=choices,
        answers=answers,
        configuration=config,
        content_type=content,
        number_range=(lo, hi),
        labels=labels,
    )


# --------------------------------------------------------------------------- order and flow
def _flow_nodes(flow: Any):
    """Every node of the survey flow, depth first (branches, groups and randomizers hold ``Flow`` lists)."""
    if isinstance(flow, dict):
        yield flow
        for child in _values(flow.get("Flow")):
            yield from _flow_nodes(child)
    elif isinstance(flow, list):
        for child in flow:
            yield from _flow_nodes(child)


def _embedded_fields(flow: Any) -> list[str]:
    out = []
    for node in _flow_nodes(flow):
        if node.get("Type") == "EmbeddedData":
            for fieldspec in _values(node.get("EmbeddedData")):
                if isinstance(fieldspec, dict) and fieldspec.get("Field"):
                    out.append(str(fieldspec["Field"]).strip())
    return out


def _respondent_order(
    blocks: list[dict], flow: Any, questions: dict[str, Question]
) -> tuple[list[Question], list[str]]:
    """Questions in flow order of their blocks (blocks the flow does not name follow in block order);
    questions of the Trash block are left out, as are questions in no block at all."""
    by_id = {str(b.get("ID")): b for b in blocks}
    flow_ids = [str(n.get("ID")) for n in _flow_nodes(flow) if n.get("Type") in ("Block", "Standard", "Default")]
    ordered = [by_id[i] for i in dict.fromkeys(flow_ids) if i in by_id]
    ordered += [b for b in blocks if b not in ordered]
    seen: list[Question] = []
    trashed: list[str] = []
    for block in ordered:
        trash = str(block.get("Type")) == "Trash"
        for el in _values(block.get("BlockElements")):
            if not isinstance(el, dict) or el.get("Type") != "Question":
                continue
            qid = str(el.get("QuestionID"))
            if qid not in questions:
                continue
            if trash:
                trashed.append(qid)
            elif all(q.qid != qid for q in seen):
                q = questions[qid]
                seen.append(replace(q, block=plain_text(block.get("Description"))))
    if not blocks:  # a definition without blocks: keep the file's order
        seen = list(questions.values())
    return seen, trashed
