"""Step 02, cleaning: the survey export checked against the instrument and turned into the processed tables.

:func:`run` verifies the raw checksums, reads and validates the export and builds the
tables (:func:`tieval.survey.clean.prepare_study`), writing nothing; :func:`write` writes
``data/processed/<study>/`` (respondents, responses, free text) and the exclusions table
``outputs/<study>/02_clean/exclusions.csv`` as one unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from tieval.config import Study
from tieval.paths import step_dir
from tieval.report import overview
from tieval.report.figures import AppendixFigure, render, write_figure
from tieval.report.present import Block, Note, Table, figures_in
from tieval.survey import clean
from tieval.survey.ingest import column_roles

__all__ = ["STEP", "NO_SURVEY", "RECONSTRUCTED", "FLOW_FIGURE", "CleanStepResult", "run", "write", "flow_figure"]

STEP = "02_clean"
#: The cleaned flow diagram of linked waves (``participant_flow.png`` beside its ``.layout.json``).
FLOW_FIGURE = "participant_flow"
#: Shown when the study has no survey export.
NO_SURVEY = "This study has no survey export (no survey section in study.yml), so there is nothing to clean."
#: Shown under the linkage tables of a study whose waves are linked.
LINKAGE_NOTE = (
    "Responses are paired across waves by the link key (compared ignoring case and surrounding "
    "spaces); each person gets a counted pseudonym (P0001, ...) and the key itself is never written. "
    "A person analysed at an earlier wave with no analysed response at a later one is follow-up "
    "non-response, counted on its own and never as unanswered items."
)
#: Shown under the flow comparison when the export is a reconstruction.
RECONSTRUCTED = (
    "The export is a reconstruction built to reproduce the report's counts, so a match here "
    "shows that cleaning recovers them, not that the study's own data do."
)


@dataclass(frozen=True)
class CleanStepResult:
    """What cleaning computed (``cleaned``: None without a survey) and every section of its appendix."""

    study: Study
    cleaned: clean.CleanResult | None
    export: tuple[Block, ...] = ()
    validation: tuple[Block, ...] = ()
    flow: tuple[Block, ...] = ()
    tables: tuple[Block, ...] = ()
    deidentification: tuple[Block, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)


def run(study: Study) -> CleanStepResult:
    """Clean ``study``'s survey export(s) in memory: every check, every table, nothing written.

    A study with ``design.waves`` shows each wave's export, answers and exclusions, and the
    linkage of its waves.  Raises :class:`tieval.errors.InputError` for the first answer that does
    not fit the instrument."""
    if study.survey is None:
        return CleanStepResult(study, None, export=(Note(NO_SURVEY),), notes={"export": NO_SURVEY})
    result = clean.prepare_study(study)
    tables = result.tables
    exclusions = tables.exclusions
    comparison = clean.compare_flow(study, exclusions)
    flow: list[Block] = _flow_blocks(result)
    if len(comparison):
        flow += [
            Table(
                comparison,
                "The report's participant flow and the cleaned counts",
                "the stages of the report's participant flow",
                max_rows=None,
                ident="flow-comparison",
            ),
            Note(clean.flow_check_sentence(comparison)),
        ]
    if study.reconstructed:
        flow.append(Note(RECONSTRUCTED))
    export_blocks: list[Block] = []
    validation_blocks: list[Block] = []
    for wave in result.waves:
        for export, validation in zip(wave.exports, wave.validations):
            export_blocks += _export_blocks(result, wave, export, validation)
            validation_blocks.append(
                Table(
                    clean.item_summary(validation),
                    "Answers per item after validation" + _of(result, wave, export),
                    f"{validation.counts()['responses']} analysed respondents",
                    max_rows=None,
                )
            )
    return CleanStepResult(
        study,
        result,
        export=tuple(export_blocks),
        validation=tuple(validation_blocks),
        flow=tuple(flow),
        tables=(
            Table(clean.table_counts(result), "Tables written by this step"),
            Table(tables.respondents.head(8), "respondents.csv (first rows)", f"{len(tables.respondents)} records"),
            Table(
                tables.responses.head(12),
                "responses.csv (first rows)",
                f"{len(tables.responses)} respondent-item rows",
            ),
            Table(
                tables.free_text.head(5),
                "free_text.csv (first rows, redacted)",
                f"{len(tables.free_text)} open answers",
            ),
        ),
        deidentification=(Table(clean.deidentification_summary(result), "De-identification summary", max_rows=None),),
    )


def _of(result: clean.CleanResult, wave: clean.WaveClean, export) -> str:
    """'' for a study without waves; else ': <wave label>' (and the file when a wave has several)."""
    if not result.study.waves:
        return ""
    return f": {wave.label}" + (f" ({export.path.name})" if len(wave.exports) > 1 else "")


def _export_blocks(result: clean.CleanResult, wave: clean.WaveClean, export, validation) -> list[Block]:
    """The export as read, its columns' roles and its warnings (one export of one wave)."""
    view = replace(result, export=export, validation=validation)
    of = _of(result, wave, export)
    return [
        Table(clean.export_overview(view), "The survey export as read" + of, f"{export.n_records} records"),
        Table(
            column_roles(export, validation.study),
            "Every column of the export and its role in cleaning" + of,
            f"{len(export.columns)} columns",
            max_rows=None,
        ),
        *(Note("Warning: " + warning + ".") for warning in validation.warnings),
    ]


def _flow_blocks(result: clean.CleanResult) -> list[Block]:
    """The exclusions table: as one table without waves; per wave with waves, then the linkage."""
    exclusions, study = result.tables.exclusions, result.study
    if not study.waves:
        return [
            Table(
                exclusions,
                "Exclusions and participant flow of the survey export",
                f"{result.export.n_records} records",
                max_rows=None,
                csv="exclusions.csv",
                ident="exclusions",
            )
        ]
    blocks: list[Block] = []
    cleaned = overview.cleaned_flow_stages(exclusions, study)
    for wave in result.waves:
        rows = exclusions[exclusions["stage"].str.startswith(wave.id + ".")]
        blocks.append(
            Table(
                rows.assign(stage=rows["stage"].str.removeprefix(wave.id + ".")).reset_index(drop=True),
                f"Exclusions and participant flow: {wave.label}",
                f"{sum(e.n_records for e in wave.exports)} records",
                max_rows=None,
                csv="exclusions.csv",
            )
        )
    if result.linked:
        waves = [(w.id, w.label) for w in result.waves]
        stages = exclusions[exclusions["stage"].str.startswith("linkage.")].reset_index(drop=True)
        blocks += [
            Table(
                clean.linkage_summary(result.linkage, waves),
                "Linkage of the waves (analysed responses paired by the link key)",
                f"{len(result.linkage)} analysed responses",
                max_rows=None,
            ),
            Table(stages, "Linkage stages, including non-response at follow-up", "people", max_rows=None),
            Table(
                cleaned,
                "Participant flow by wave as cleaned, with the attrition between waves",
                "stages of the flow diagram (parent: the stage each one branches from)",
                max_rows=None,
            ),
            flow_figure(cleaned),
            Note(LINKAGE_NOTE),
        ]
    return blocks


def flow_figure(stages) -> AppendixFigure:
    """The cleaned participant flow by wave as a diagram (:func:`tieval.report.overview.flow_figure`),
    from :func:`tieval.report.overview.cleaned_flow_stages`: each wave's records, received and
    analysed responses, the people linked across waves and the non-response between them."""
    return render(
        FLOW_FIGURE,
        overview.flow_figure(stages, overview.flow_layout(stages)),
        alt=overview.flow_alt_text(stages),
        caption="Participant flow by wave as cleaned: each wave's analysed responses, the people linked "
        "across waves, and non-response between waves (people with no questionnaire at a later wave, "
        "kept apart from items left unanswered within a questionnaire).",
        base="records and people counted by the cleaning step",
        tight=False,
    )


def write(result: CleanStepResult) -> list[Path]:
    """Write the processed tables and the exclusions table (nothing without a survey); for linked
    waves also the flow diagram (``participant_flow.png``) and its box geometry
    (``participant_flow.layout.json``) to ``outputs/<study>/02_clean/``."""
    if result.cleaned is None:
        return []
    written = clean.write_processed(result.cleaned)
    folder = step_dir(result.study.id, STEP)
    for figure in figures_in(result.flow):
        written.append(write_figure(figure, folder))
        stages = overview.cleaned_flow_stages(result.cleaned.tables.exclusions, result.study)
        written.append(overview.write_layout(overview.flow_layout(stages), folder / f"{figure.name}.layout.json"))
    return written
