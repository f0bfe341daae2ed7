"""Step 05, triangulation: the findings with their evidence from both strands, the joint display, the
convergence matrix, silence and the recommendations.

:func:`run` loads the qualitative material and the findings file, computes every survey statistic a
finding names from the item cells the survey tables show (under the same disclosure control,
:func:`tieval.survey.disclosure.item_cells`), and builds every table and the convergence figure,
writing nothing; :func:`write` writes ``triangulation_statistics.csv``, ``joint_display.csv``,
``convergence_matrix.csv`` and ``.png``, ``silence_survey_units.csv``, ``silence_codes.csv`` and
``recommendations.csv`` to ``outputs/<study>/05_triangulation/``.  A study without a findings file
or qualitative material has nothing to triangulate; ``notes`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tieval import store
from tieval.config import Study
from tieval.mixed import recommendations
from tieval.mixed.convergence import (
    convergence_alt_text,
    convergence_counts,
    convergence_figure,
    convergence_matrix,
)
from tieval.mixed.findings import Triangulation, load_triangulation
from tieval.mixed.joint_display import findings_html, joint_display, joint_display_html
from tieval.mixed.silence import codes_without_survey, coverage, silence_summary
from tieval.mixed.statistics import finding_statistics
from tieval.paths import step_dir
from tieval.qual.data import QualitativeData, load
from tieval.qual.excerpts import redacted
from tieval.report.figures import AppendixFigure, render, write_figure
from tieval.report.present import Block, Html, Note, Table
from tieval.schema import RESPONDENTS
from tieval.survey import counts, disclosure
from tieval.survey.data import load_survey, n_included
from tieval.survey.wave_change import study_change
from tieval.survey.wave_data import study_linkage, wave_ids, wave_subset

__all__ = ["STEP", "NOTHING_TO_TRIANGULATE", "TriangulationResult", "survey_columns", "run", "write"]

STEP = "05_triangulation"

NOTHING_TO_TRIANGULATE = (
    "This study has no findings file (no triangulation file in its study.yml) or no qualitative material, so there is "
    "nothing to triangulate."
)
NO_RECOMMENDATIONS = "The study records no recommendations (no recommendations file in its study.yml)."
EVERY_CODE_LINKED = "Every code is linked to at least one survey item."
RECONSTRUCTED_STATISTICS = (
    "The survey statistics come from the reconstructed stand-in data. Single-item proportions are "
    "what the reconstruction was built to reproduce, so they agree with the report by design; "
    "their intervals show how much ten or fifty respondents can tell."
)
CONVERGENCE_CAPTION = (
    "Convergence of the findings by data source (A agreement, P partial agreement, "
    "D dissonance, S silence; grey: no evidence from this source)."
)
SECTIONS = ("start", "evidence", "joint", "matrix", "findings", "silence", "recommendations")


@dataclass(frozen=True)
class TriangulationResult:
    """What the triangulation step computed and every section of its appendix, as display blocks.

    ``tables``: every CSV the step writes, by file name; ``figure``: the convergence matrix (None when
    there is nothing to triangulate); ``notes``: per section, why it has nothing to show."""

    study: Study
    min_cell: int
    material: QualitativeData | None
    triangulation: Triangulation | None
    tables: dict[str, pd.DataFrame]
    figure: AppendixFigure | None = None
    start: tuple[Block, ...] = ()
    evidence: tuple[Block, ...] = ()
    joint: tuple[Block, ...] = ()
    matrix: tuple[Block, ...] = ()
    findings: tuple[Block, ...] = ()
    silence: tuple[Block, ...] = ()
    recommendations: tuple[Block, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)


def survey_columns(tri: Triangulation) -> list[str] | None:
    """The responses (and respondents) columns the findings' statistics need: the item-cell
    columns (:data:`tieval.survey.counts.ITEM_CELL_COLUMNS`), with ``wave`` when a finding names a
    wave, which the answer counts hold (:func:`tieval.survey.data.load_survey` with ``counted``);
    every column of the long table (None) when one names a change (the paired tests read
    respondent ids).  At a million respondents this is what lets an edit of the findings re-run
    without reading the long table."""
    specs = [q for f in tri.findings for q in f.quantitative]
    if any(q.statistic == "change" for q in specs):
        return None
    return counts.ITEM_CELL_COLUMNS + (["wave"] if any(q.wave for q in specs) else [])


def _wave_evidence(study: Study, tri, respondents, responses, min_cell: int) -> dict:
    """The per-wave item cells and the change table, when a finding names a wave or a change
    (the same functions as the tables step: :func:`tieval.survey.wave_change.study_change`)."""
    specs = [q for f in tri.findings for q in f.quantitative]
    out: dict = {}
    if any(q.wave for q in specs):
        out["wave_cells"] = {
            w: disclosure.item_cells(study, wave_subset(responses, w), wave_subset(respondents, w), min_cell)
            for w in wave_ids(study)
        }
    if any(q.statistic == "change" for q in specs):
        out["change"] = study_change(study, responses, study_linkage(study))
    return out


def run(study: Study, *, min_cell: int = 0) -> TriangulationResult:
    """Triangulate ``study``'s findings (writes nothing).

    ``min_cell``: disclosure control of the survey statistics, as in the tables step (0: off).
    A finding naming a code, excerpt or item that does not exist raises
    :class:`tieval.errors.ConfigError`; an item nobody answered :class:`tieval.errors.InputError`."""
    min_cell = disclosure.check_min_cell(min_cell)
    qual = load(study)
    if qual is None or not study.has_input("triangulation"):
        notes = dict.fromkeys(SECTIONS, NOTHING_TO_TRIANGULATE)
        notes["recommendations"] = NO_RECOMMENDATIONS
        return TriangulationResult(
            study,
            min_cell,
            qual,
            None,
            {},
            start=(Note(NOTHING_TO_TRIANGULATE),),
            recommendations=(Note(NO_RECOMMENDATIONS),),
            notes=notes,
        )
    shown = redacted(qual.excerpts, study)
    tri = load_triangulation(study, qual.codebook, qual.excerpts, qual.codings)
    columns = survey_columns(tri)
    people = None if columns is None else [c for c in columns if c in RESPONDENTS]
    # counting answers needs only the answer counts (a few hundred rows), not the long table
    respondents, responses = load_survey(study, columns, people, counted=columns is not None)
    cells = disclosure.item_cells(study, responses, respondents, min_cell)
    stats = finding_statistics(tri, cells, study, **_wave_evidence(study, tri, respondents, responses, min_cell))
    joint = joint_display(tri, stats, qual.codebook, shown, study)
    matrix = convergence_matrix(tri, qual.excerpts)
    figure = render(
        "convergence_matrix",
        convergence_figure(matrix),
        alt=convergence_alt_text(matrix),
        caption=CONVERGENCE_CAPTION,
        base=f"{len(tri.findings)} findings",
    )
    tables = {
        "triangulation_statistics.csv": stats,
        "joint_display.csv": joint,
        "convergence_matrix.csv": matrix.reset_index(),
    }
    notes: dict[str, str] = {}
    return TriangulationResult(
        study,
        min_cell,
        qual,
        tri,
        tables,
        figure,
        evidence=(
            Note(
                f"{len(tri.findings)} findings; {len(stats)} survey statistics computed from "
                f"{n_included(respondents)} respondents."
            ),
        ),
        joint=_joint(study, joint, stats, qual),
        matrix=(
            figure,
            Table(convergence_counts(tri), "Findings by convergence code", base=f"{len(tri.findings)} findings"),
        ),
        findings=(Html(findings_html(tri, stats, qual.codebook, shown)),),
        silence=_silence(study, qual, tri, tables, notes),
        recommendations=_recommendations(study, qual, tri, tables, notes),
        notes=notes,
    )


def _joint(study: Study, joint: pd.DataFrame, stats: pd.DataFrame, qual: QualitativeData) -> tuple[Block, ...]:
    base = f"quotations: {len(qual.excerpts)} printed"
    if len(stats):
        low, high = int(stats["base"].min()), int(stats["base"].max())
        base = f"survey: respondents answering each item (n = {low}-{high}); " + base
    blocks: list[Block] = [
        Html(joint_display_html(joint, "Joint display of the findings", base=base, csv=f"{STEP}/joint_display.csv"))
    ]
    if study.reconstructed:
        blocks.append(Note(RECONSTRUCTED_STATISTICS))
    return tuple(blocks)


def _silence(study: Study, qual: QualitativeData, tri: Triangulation, tables: dict, notes: dict) -> tuple[Block, ...]:
    cov = coverage(study, qual.codebook, qual.codings)
    quiet = codes_without_survey(study, qual.codebook, qual.codings)
    tables["silence_survey_units.csv"] = cov
    tables["silence_codes.csv"] = quiet
    blocks: list[Block] = [
        Table(
            cov,
            "Survey constructs and items against the coded quotations",
            base=f"{len(cov)} survey units; {len(qual.excerpts)} quotations",
            max_rows=None,
            csv="silence_survey_units.csv",
            ident="silence-survey",
        )
    ]
    if len(quiet):
        blocks.append(
            Table(
                quiet,
                "Codes no survey item asks about",
                base=f"{len(qual.codebook.codes)} codes",
                max_rows=None,
                csv="silence_codes.csv",
                ident="silence-codes",
            )
        )
    else:
        blocks.append(Note(EVERY_CODE_LINKED))
    blocks.append(Note(silence_summary(tri, cov, quiet)))
    return tuple(blocks)


def _recommendations(
    study: Study, qual: QualitativeData, tri: Triangulation, tables: dict, notes: dict
) -> tuple[Block, ...]:
    recs = recommendations.load_recommendations(study, tri)
    if not recs:
        notes["recommendations"] = NO_RECOMMENDATIONS
        return (Note(NO_RECOMMENDATIONS),)
    tables["recommendations.csv"] = recommendations.recommendations_plain(recs, tri)
    return (
        Table(
            recommendations.recommendations_table(recs, tri, qual.codebook),
            "Recommendations with links to their evidence",
            base=f"{len(recs)} recommendations",
            escape=False,
            max_rows=None,
            csv="recommendations.csv",
            ident="recommendations",
        ),
    )


def write(result: TriangulationResult) -> list[Path]:
    """Write every table and the convergence figure to ``outputs/<study>/05_triangulation/``."""
    folder = step_dir(result.study.id, STEP)
    paths = [store.write_csv(frame, folder / name) for name, frame in result.tables.items()]
    if result.figure is not None:
        paths.append(write_figure(result.figure, folder))
    return paths
