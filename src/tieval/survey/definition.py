"""The survey's own definition (a Qualtrics ``.qsf``) as proof of what a numeric export's codes mean.

``survey.definition`` in study.yml names the ``.qsf`` (under the study's ``raw/`` and listed in its
checksum manifest, like every raw input).  :func:`with_definition` returns the study with every
level's ``recode`` taken from the definition where study.yml leaves it out: each item's or
demographic's question is found by its column (the question's ``DataExportTag``, or the tag plus
``_<row>`` of a matrix), and its scale points (a matrix's answers, a multiple choice's choices) are
matched to the scale's levels and not-relevant answers by label (the shown text or the
``VariableNaming`` text, case- and space-insensitively).  A recode study.yml declares that differs
from the definition's, or two questions on one scale giving one label different recodes, is a
:class:`~tieval.errors.ConfigError` naming the key.  Cleaning then reads numeric codes through
these recodes (:func:`tieval.survey.clean.recodes_declared`), so an export whose codes the
definition proves is read; without a definition such an export still stops with the codes found.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tieval import store
from tieval.config import Level, Scale, Study, normalise_label
from tieval.errors import ConfigError
from tieval.integrity import read_manifest
from tieval.survey.exports.qsf import Question, read_qsf

__all__ = ["definition_path", "with_definition", "question_of"]


def definition_path(study: Study) -> Path | None:
    """The ``.qsf`` study.yml names (``survey.definition``), checked to lie under ``raw/`` and be
    listed in its manifest; ``None`` without one."""
    rel = study.survey.definition if study.survey else ""
    if not rel:
        return None
    raw = (study.root / "raw").resolve()
    path = (study.root / rel).resolve()
    if raw not in path.parents:
        raise ConfigError(
            study.config_file, "a file under the study's raw/ folder", column="survey.definition", found=rel
        )
    if not path.is_file():
        raise ConfigError(study.config_file, f"an existing file ({path})", column="survey.definition", found=rel)
    if path.relative_to(raw).as_posix() not in read_manifest(raw):
        raise ConfigError(
            study.config_file,
            "a raw file listed in raw/MANIFEST.sha256 (python -m tieval manifest --study <id> adds it)",
            column="survey.definition",
            found=rel,
        )
    return path


def question_of(column: str, questions) -> Question | None:
    """The question whose export column ``column`` is: its tag, or ``<tag>_<row>`` (longest tag first)."""
    for q in sorted(questions, key=lambda q: -len(q.tag)):
        if q.tag and (column == q.tag or column.startswith(q.tag + "_")):
            return q
    return None


def _points(q: Question) -> dict[str, float]:
    options = q.answers if q.type == "Matrix" else q.choices if q.type == "MC" else ()
    out: dict[str, float] = {}
    for opt in options:
        if opt.recode is None:
            continue
        for text in (opt.text, opt.variable_name):
            if text:
                out[normalise_label(text)] = float(opt.recode)
    return out


def _scale_recodes(study: Study, questions) -> dict[str, dict[str, tuple[float, str]]]:
    """Per scale id: normalised label -> (recode, the column it was read for)."""
    found: dict[str, dict[str, tuple[float, str]]] = {}
    for entry in (*study.items, *study.demographics):
        if not isinstance(entry.column, str):
            continue
        q = question_of(entry.column, questions)
        if q is None:
            continue
        table = found.setdefault(entry.scale, {})
        for label, recode in _points(q).items():
            if label in table and table[label][0] != recode:
                raise ConfigError(
                    study.config_file,
                    f"one recode per answer on scale {entry.scale} (the survey definition codes {label!r} as "
                    f"{table[label][0]:g} for {table[label][1]} and {recode:g} for {entry.column})",
                    column=f"instrument.scales.{entry.scale}",
                )
            table[label] = (recode, entry.column)
    return found


def _level(study: Study, sid: str, k: int, lv: Level, table: dict) -> Level:
    hit = table.get(normalise_label(lv.label))
    if hit is None:
        return lv
    if lv.recode is not None and float(lv.recode) != hit[0]:
        raise ConfigError(
            study.config_file,
            f"the recode the survey definition gives {lv.label!r} ({hit[0]:g}, question of column {hit[1]})",
            column=f"instrument.scales.{sid}.levels[{k}].recode",
            found=lv.recode,
        )
    return replace(lv, recode=hit[0] if not hit[0].is_integer() else int(hit[0]))


def with_definition(study: Study) -> Study:
    """``study`` with the recodes of its survey definition filled in (see the module docstring);
    the study itself when it names none."""
    path = definition_path(study)
    if path is None:
        return study
    store.note_input(path)
    questions = read_qsf(path).questions
    recodes = _scale_recodes(study, questions)
    scales = dict(study.scales)
    for sid, table in recodes.items():
        scale: Scale = scales[sid]
        if scale.type not in ("ordinal", "binary", "categorical"):
            continue
        levels = tuple(_level(study, sid, k, lv, table) for k, lv in enumerate(scale.levels))
        nr = tuple(
            r if r is not None else (table.get(normalise_label(label), (None,))[0])
            for label, r in zip(scale.not_relevant, scale.not_relevant_recodes)
        )
        for k, (label, r) in enumerate(zip(scale.not_relevant, scale.not_relevant_recodes)):
            hit = table.get(normalise_label(label))
            if r is not None and hit is not None and float(r) != hit[0]:
                raise ConfigError(
                    study.config_file,
                    f"the recode the survey definition gives {label!r} ({hit[0]:g})",
                    column=f"instrument.scales.{sid}.not_relevant[{k}].recode",
                    found=r,
                )
        scales[sid] = replace(scale, levels=levels, not_relevant_recodes=nr)
    return replace(study, scales=scales)
