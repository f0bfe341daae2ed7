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
    "REPRODUCED",
    "AUDIT",
    "EXCLUSIONS",
    "MISSING_REASONS",
    "LINKAGE",
    "SINGLE_WAVE",
    "require_columns",
]

#: The wave id of a study without ``design.waves`` (one cross-sectional survey).
SINGLE_WAVE = "survey"

#: processed/<study>/respondents.csv — one row per response record in the export(s).
#: ``wave``: the wave id (``design.waves[].id``, or :data:`SINGLE_WAVE`); a respondent is
#: identified by (``wave``, ``respondent_id``).
#: ``status``: complete | partial | excluded; demographics follow as extra columns named by their ids.
RESPONDENTS = ["study", "wave", "respondent_id", "status", "exclusion_reason", "n_items_answered"]

#: processed/<study>/responses.csv — one row per respondent x item (included respondents only).
#: ``code``: numeric code on the item's scale (blank when missing or not relevant);
#: ``category``: collapsed category (agree / neutral / disagree / not_relevant / a numeric bin / yes / no);
#: ``missing_reason``: '' when answered, 'not_answered', or 'not_relevant'.
#: A multi-select item (survey.multiselect) gives one row per respondent x option instead: ``label`` the
#: option, ``code`` 1 / 0, ``category`` selected / not_selected (blank, not_answered, when unanswered).
RESPONSES = ["study", "wave", "respondent_id", "item_id", "code", "label", "category", "missing_reason"]

#: processed/<study>/free_text.csv — one row per non-empty open answer, redacted.
FREE_TEXT = ["study", "wave", "respondent_id", "question_id", "text"]

#: processed/<study>/linkage — one row per analysed response of a study with a link key: ``person``
#: is a pseudonym (P0001, ... in order of first appearance, waves in time order, respondents by id
#: within a wave), never the link key itself.  Never shown in outputs.
LINKAGE = ["person", "wave", "respondent_id"]

MISSING_REASONS = ("", "not_answered", "not_relevant")

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

#: outputs/<study>/tables/reproduced.csv — every number the pipeline reproduces, keyed by figure id.
REPRODUCED = ["figure_id", "value", "unit", "base", "source_table", "note"]

#: outputs/<study>/audit.csv.
AUDIT = ["figure_id", "location", "measure", "published", "reproduced", "status", "note"]


def require_columns(frame: pd.DataFrame, columns: list[str], file) -> None:
    """Raise :class:`InputError` naming ``file`` if ``frame`` lacks any of ``columns``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(file, "the columns " + ", ".join(columns), column=missing[0], found="missing")
