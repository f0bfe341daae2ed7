"""Step 06, the audit: every published figure against its reproduction, and the report checked against itself.

:func:`run` reads the published figures, every reproduction the earlier steps wrote and the cleaned
export's participant flow (:func:`tieval.audit.inputs.load_inputs`), runs every check and the
one-to-one comparison (:func:`tieval.audit.comparison.audit_tables`) and builds the appendix's
summaries, writing nothing; :func:`write` writes ``erratum.csv`` (:mod:`tieval.audit.erratum`),
``audit.csv``, ``audit_checks.csv``, ``audit_denominators.csv`` and ``audit_rules.csv`` (the rounding
rule inferred for each table, :mod:`tieval.audit.table_rules`) through :func:`tieval.paths.step_dir`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tieval import store
from tieval.audit.comparison import (
    AuditTables,
    audit_tables,
    check_summary,
    discrepancies,
    figure_table,
    status_summary,
    summary_sentence,
)
from tieval.audit.erratum import erratum
from tieval.audit.inputs import AuditInputs, load_inputs
from tieval.audit.records import AUDIT_COLUMNS, CHECK_COLUMNS, DENOMINATOR_COLUMNS, ERRATUM_COLUMNS
from tieval.config import Study
from tieval.paths import step_dir
from tieval.report.present import Block, Note, Table

__all__ = ["STEP", "AuditResult", "run", "write"]

STEP = "06_audit"

NO_DISCREPANCY = "The audit finds no discrepancy: every reproduced figure matches and every check holds."
NO_DENOMINATORS = "The report prints no sets of rounded percentages, so there are no denominators to search."
NO_ERRATUM = "The audit finds nothing to correct: no printed figure contradicts the report or the arithmetic."
NO_RULES = "The report prints no table of rounded percentages, so there is no rounding rule to infer."
RECONSTRUCTED = (
    "Reproductions from the survey tables are computed on the reconstructed stand-in "
    "export: they test the pipeline, not the study's respondents."
)


@dataclass(frozen=True)
class AuditResult:
    """What the audit read and found (``inputs``, ``tables``) and every section of its appendix, as display blocks."""

    study: Study
    inputs: AuditInputs
    tables: AuditTables
    erratum: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ERRATUM_COLUMNS))
    errata: tuple[Block, ...] = ()
    rules: tuple[Block, ...] = ()
    summary: tuple[Block, ...] = ()
    discrepancies: tuple[Block, ...] = ()
    figures: tuple[Block, ...] = ()
    check_counts: tuple[Block, ...] = ()
    checks: tuple[Block, ...] = ()
    denominators: tuple[Block, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)


def run(study: Study, *, n_max: int = 0, tables: Path | None = None) -> AuditResult:
    """Audit ``study`` (writes nothing).

    ``n_max``: the largest sample size tried as a denominator (0: the most responses the study
    states); ``tables``: a folder holding the reproductions and ``exclusions.csv`` in place of the
    earlier steps' outputs.  Raises :class:`tieval.errors.InputError` when no step has written a
    reproduction, or for a bad row in one."""
    inputs = load_inputs(study, n_max=n_max or None, tables=tables)
    result = audit_tables(inputs)
    notes: dict[str, str] = {}
    found = discrepancies(result)
    if found.empty:
        notes["discrepancies"] = NO_DISCREPANCY
        shown_found: tuple[Block, ...] = (Note(NO_DISCREPANCY),)
    else:
        shown_found = (
            Table(
                found,
                "Discrepancies and their explanations",
                base=f"{len(found)} findings",
                max_rows=None,
                ident="discrepancies",
            ),
        )
    figures = figure_table(result)
    figure_blocks: list[Block] = [
        Table(
            figures,
            "Audit of the published figures",
            base=f"{len(figures)} figures",
            max_rows=None,
            csv="audit.csv",
            ident="audit-figures",
        )
    ]
    if study.reconstructed:
        figure_blocks.append(Note(RECONSTRUCTED))
    den = result.denominators
    if den.empty:
        notes["denominators"] = NO_DENOMINATORS
        shown_den: tuple[Block, ...] = (Note(NO_DENOMINATORS),)
    else:
        shown_den = (
            Table(
                den,
                "Sample sizes compatible with each set of printed percentages",
                base=f"n searched from 1 to {inputs.n_max}: {inputs.n_max_basis}",
                max_rows=None,
                csv="audit_denominators.csv",
                ident="denominators",
            ),
        )
    errata = erratum(result.checks, inputs.published)
    if errata.empty:
        notes["erratum"] = NO_ERRATUM
        shown_errata: tuple[Block, ...] = (Note(NO_ERRATUM),)
    else:
        shown_errata = (
            Table(
                errata,
                "Erratum: inconsistencies to send to the report's authors",
                base=f"{len(errata)} entries, most serious first",
                max_rows=None,
                csv="erratum.csv",
                ident="erratum",
            ),
        )
    if result.rules.empty:
        notes["rules"] = NO_RULES
        shown_rules: tuple[Block, ...] = (Note(NO_RULES),)
    else:
        inferred = result.rules[result.rules["inferred"]]
        shown_rules = tuple(
            Note(f"{r.location}: inferred rule {r.description}. {r.evidence}") for r in inferred.itertuples()
        ) + (
            Table(
                result.rules,
                "Rows explained by each rounding rule",
                base=f"bases searched 1-{inputs.n_max}",
                max_rows=None,
                csv="audit_rules.csv",
                ident="rounding-rules",
            ),
        )
    return AuditResult(
        study,
        inputs,
        result,
        erratum=errata,
        errata=shown_errata,
        rules=shown_rules,
        summary=(
            Note(summary_sentence(result, study)),
            Table(
                status_summary(result),
                "Published figures by audit status",
                base=f"{len(result.audit)} figures printed in the report",
                ident="status-summary",
            ),
        ),
        discrepancies=shown_found,
        figures=tuple(figure_blocks),
        check_counts=(
            Table(
                check_summary(result),
                "Checks by kind and result",
                base=f"{len(result.checks)} checks",
                ident="check-counts",
            ),
        ),
        checks=(
            Table(
                result.checks[CHECK_COLUMNS],
                "All consistency checks",
                base=f"{len(result.checks)} checks",
                max_rows=None,
                csv="audit_checks.csv",
                ident="checks",
            ),
        ),
        denominators=shown_den,
        notes=notes,
    )


def write(result: AuditResult) -> list[Path]:
    """Write audit.csv, audit_checks.csv, audit_denominators.csv, audit_rules.csv and erratum.csv to the
    step's folder (``paths.step_dir``: ``outputs/<study>/06_audit/``)."""
    folder = step_dir(result.study.id, STEP)
    tables = result.tables
    return [
        store.write_csv(tables.audit[AUDIT_COLUMNS], folder / "audit.csv"),
        store.write_csv(tables.checks[CHECK_COLUMNS], folder / "audit_checks.csv"),
        store.write_csv(tables.denominators[DENOMINATOR_COLUMNS], folder / "audit_denominators.csv"),
        store.write_csv(tables.rules, folder / "audit_rules.csv"),
        store.write_csv(result.erratum[ERRATUM_COLUMNS], folder / "erratum.csv"),
    ]
