"""The data contract between pipeline steps: the columns of every tidy table.

One constant per table, used by the step that writes it and by the steps that
read it, so a column cannot be renamed in one place only.  Tables are long
and tidy (one row per observation) and carry the study id.
"""

from __future__ import annotations

import pandas as pd

from tieval.errors import InputError

__all__ = [
    "RESPONDENTS",
    "RESPONSES",
    "FREE_TEXT",
    "EXCERPTS",
    "CODINGS",
    "CODEBOOK",
    "PUBLISHED",
    "PUBLISHED_OPTIONAL",
    "REPRODUCED",
    "AUDIT",
    "EXCLUSIONS",
    "MISSING_REASONS",
    "LINKAGE",
    "ANSWER_COUNTS",
    "SINGLE_WAVE",
    "PROCESSED_TYPES",
    "DEMOGRAPHIC_TYPE",
    "COLUMN_TYPES",
    "column_type",
    "require_columns",
]

#: The wave id of a study without ``design.waves`` (one cross-sectional survey).
SINGLE_WAVE = "survey"

#: processed/<study>/respondents.parquet — one row per response record in the export(s).
#: ``wave``: the wave id (``design.waves[].id``, or :data:`SINGLE_WAVE`); a respondent is
#: identified by (``wave``, ``respondent_id``).
#: ``status``: complete | partial | excluded; demographics follow as extra columns named by their ids.
RESPONDENTS = ["study", "wave", "respondent_id", "status", "exclusion_reason", "n_items_answered"]

#: processed/<study>/responses.parquet — one row per respondent x item (included respondents only).
#: ``code``: numeric code on the item's scale (blank when missing or not relevant);
#: ``category``: collapsed category (agree / neutral / disagree / not_relevant / a numeric bin / yes / no);
#: ``missing_reason``: '' when answered, 'not_answered', or 'not_relevant'.
#: A multi-select item (survey.multiselect) gives one row per respondent x option instead: ``label`` the
#: option, ``code`` 1 / 0, ``category`` selected / not_selected (blank, not_answered, when unanswered).
RESPONSES = ["study", "wave", "respondent_id", "item_id", "code", "label", "category", "missing_reason"]

#: processed/<study>/free_text.parquet — one row per non-empty open answer, redacted.
FREE_TEXT = ["study", "wave", "respondent_id", "question_id", "text"]

#: processed/<study>/linkage.parquet — one row per analysed response of a study with a link key:
#: ``person`` is a pseudonym (P0001, ... in order of first appearance, waves in time order,
#: respondents by id within a wave), never the link key itself.  Never shown in outputs.
LINKAGE = ["person", "wave", "respondent_id"]

#: processed/<study>/answer_counts.parquet — how many rows of responses.parquet carry each answer:
#: one row per distinct (wave, item_id, code, label, category, missing_reason), ``n_rows`` their
#: number.  A step that only counts answers (the triangulation) reads this small table instead of
#: the long one.
ANSWER_COUNTS = ["study", "wave", "item_id", "code", "label", "category", "missing_reason", "n_rows"]

MISSING_REASONS = ("", "not_answered", "not_relevant")

# --- column types of the processed tables (Parquet) -------------------------------------------------
#: The type of every column of the processed tables (``data/processed/<study>/*.parquet``), by
#: column name: one declaration per concept, used by the writer and checked by the reader
#: (:func:`tieval.store.write_parquets`, :func:`tieval.store.read_parquet`).
#:
#: - ``category``: text stored dictionary-encoded (each distinct text once, one small integer
#:   per row); read back as a pandas ``Categorical`` whose categories are sorted (code-point
#:   order, as Python sorts text), so sorting and grouping behave as on plain text;
#: - ``text``: plain UTF-8 text (every value distinct, or nearly: ids, open answers);
#: - ``int32``: a count, never missing;
#: - ``float64``: a number that may be missing (the answer code: blank in a CSV copy).
#:
#: A missing text is the empty text ``''`` (never null), as in the CSV copies.
COLUMN_TYPES: dict[str, str] = {
    "study": "category",
    "wave": "category",
    "respondent_id": "text",
    "person": "text",
    "status": "category",
    "exclusion_reason": "category",
    "n_items_answered": "int32",
    "n_rows": "int32",
    "item_id": "category",
    "code": "float64",
    "label": "category",
    "category": "category",
    "missing_reason": "category",
    "question_id": "category",
    "text": "text",
}

#: Per processed table, the column types that differ from :data:`COLUMN_TYPES` (in responses one
#: respondent has many rows, so its id is dictionary-encoded there).
PROCESSED_TYPES: dict[str, dict[str, str]] = {
    "respondents": {},
    "responses": {"respondent_id": "category"},
    "free_text": {"respondent_id": "category"},
    "linkage": {"respondent_id": "text"},
    "answer_counts": {},
}

#: Type of a demographic column of respondents (named by the demographic's id).
DEMOGRAPHIC_TYPE = "category"


def column_type(table: str, column: str) -> str:
    """The declared type of ``column`` of the processed ``table`` (:data:`COLUMN_TYPES`, then
    :data:`PROCESSED_TYPES`); any other column is a demographic (:data:`DEMOGRAPHIC_TYPE`)."""
    return PROCESSED_TYPES.get(table, {}).get(column, COLUMN_TYPES.get(column, DEMOGRAPHIC_TYPE))


#: outputs/<study>/tables/exclusions.csv — participant flow of the survey export.
EXCLUSIONS = ["stage", "n", "reason"]

#: raw/excerpts.csv (without ``study``) and processed/<study>/excerpts.csv (with it).
EXCERPTS = ["study", "excerpt_id", "section", "source", "speaker", "timepoint", "attribution", "text", "note"]

#: codings: which excerpt carries which code (one row per pair), and who coded it.
CODINGS = ["excerpt_id", "code_id", "coder"]

#: codebook flattened: one row per code.
CODEBOOK = ["code_id", "label", "parent", "theme", "construct", "subconstruct", "description"]

#: published/figures.csv.
PUBLISHED = [
    "figure_id",
    "location",
    "location_type",
    "measure",
    "item_id",
    "category",
    "value",
    "unit",
    "base",
    "restates",
    "printed",
    "note",
]

#: published/figures.csv, optional columns (blank when absent): ``wave`` (the wave or timepoint a figure
#: is about) and ``source`` (questionnaire, interview, ...).
PUBLISHED_OPTIONAL = ["wave", "source"]

#: outputs/<study>/tables/reproduced.csv — every number the pipeline reproduces, keyed by figure id.
REPRODUCED = ["figure_id", "value", "unit", "base", "source_table", "note"]

#: outputs/<study>/audit.csv.
AUDIT = ["figure_id", "location", "measure", "published", "reproduced", "status", "note"]


def require_columns(frame: pd.DataFrame, columns: list[str], file) -> None:
    """Raise :class:`InputError` naming ``file`` if ``frame`` lacks any of ``columns``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(file, "the columns " + ", ".join(columns), column=missing[0], found="missing")
