"""Step 02, cleaning: the survey export checked against the instrument and turned into the processed tables.

:func:`run` verifies the raw checksums, reads and validates the export and builds the
tables (:func:`tieval.survey.clean.prepare_study`), writing nothing; :func:`write` writes
``data/processed/<study>/`` (respondents, responses, free text) and the exclusions table
``outputs/<study>/02_clean/exclusions.csv`` as one unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tieval.config import Study
from tieval.report.present import Block, Note, Table
from tieval.survey import clean
from tieval.survey.ingest import column_roles

__all__ = ["STEP", "NO_SURVEY", "RECONSTRUCTED", "CleanStepResult", "run", "write"]

STEP = "02_clean"
#: Shown when the study has no survey export.
NO_SURVEY = "This study has no survey export (no survey section in study.yml), so there is nothing to clean."
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
    """Clean ``study``'s survey export in memory: every check, every table, nothing written.

    Raises :class:`tieval.errors.InputError` for the first answer that does not fit the instrument."""
    if study.survey is None:
        return CleanStepResult(study, None, export=(Note(NO_SURVEY),), notes={"export": NO_SURVEY})
    result = clean.prepare_study(study)
    export, validation, tables = result.export, result.validation, result.tables
    exclusions = tables.exclusions
    comparison = clean.compare_flow(study, exclusions)
    flow: list[Block] = [
        Table(
            exclusions,
            "Exclusions and participant flow of the survey export",
            f"{export.n_records} records",
            max_rows=None,
        )
    ]
    if len(comparison):
        flow += [
            Table(
                comparison,
                "The report's participant flow and the cleaned counts",
                "stages listed in design.flow of study.yml",
                max_rows=None,
            ),
            Note(clean.flow_check_sentence(comparison)),
        ]
    if study.reconstructed:
        flow.append(Note(RECONSTRUCTED))
    return CleanStepResult(
        study,
        result,
        export=(
            Table(clean.export_overview(result), "The survey export as read", f"{export.n_records} records"),
            Table(
                column_roles(export, study),
                "Every column of the export and its role in cleaning",
                f"{len(export.columns)} columns",
                max_rows=None,
            ),
            *(Note("Warning: " + warning + ".") for warning in validation.warnings),
        ),
        validation=(
            Table(
                clean.item_summary(validation),
                "Answers per item after validation",
                f"{validation.counts()['responses']} analysed respondents",
                max_rows=None,
            ),
        ),
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


def write(result: CleanStepResult) -> list[Path]:
    """Write the processed tables and the exclusions table (nothing without a survey)."""
    if result.cleaned is None:
        return []
    return clean.write_processed(result.cleaned)
