"""Loading the processed survey tables (respondents, responses) that the cleaning step wrote.

``data/processed/<study>/respondents.csv`` and ``responses.csv`` are read, their columns
checked against :mod:`tieval.schema` and the responses validated against the instrument
(:func:`tieval.survey.validate.check_responses`).  :func:`included` and :func:`received` say who
is analysed and who counts as a response.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieval.config import Study, Wave
from tieval.errors import InputError
from tieval.paths import processed_dir
from tieval.schema import LINKAGE, RESPONDENTS, RESPONSES, SINGLE_WAVE, require_columns
from tieval.store import read_csv
from tieval.survey.validate import check_responses

__all__ = [
    "load_respondents",
    "load_responses",
    "included",
    "load_survey",
    "received",
    "NO_ITEMS_REASON",
    "NO_LINK_KEY_REASON",
    "load_linkage",
    "waves",
]


#: Exclusion reason (``tieval.survey.clean.EXCLUSION_REASONS``) of a real response that answered no item.
NO_ITEMS_REASON = "no_items_answered"
#: Exclusion reason of a real response without a link key, in a study whose waves are linked.
NO_LINK_KEY_REASON = "no_link_key"


# --- loading --------------------------------------------------------------------------------------
def load_respondents(study: Study) -> pd.DataFrame:
    """Read ``processed/<study>/respondents.csv`` and check its columns and statuses."""
    path = processed_dir(study.id) / "respondents.csv"
    frame = read_csv(path)
    require_columns(frame, RESPONDENTS + [d.id for d in study.demographics], path)
    bad = ~frame["status"].isin(("complete", "partial", "excluded"))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            path, "a status of complete, partial or excluded", row=i + 2, column="status", found=frame["status"].iloc[i]
        )
    return frame


def included(respondents: pd.DataFrame) -> pd.DataFrame:
    """The respondents whose answers are analysed (status complete or partial)."""
    return respondents[respondents["status"] != "excluded"].reset_index(drop=True)


def received(respondents: pd.DataFrame) -> pd.Series:
    """Mask of the responses received: analysed records and real responses that answered no rated
    item (excluded only for that); survey previews, tests and spam are not responses."""
    reasons = (NO_ITEMS_REASON, NO_LINK_KEY_REASON)
    return (respondents["status"] != "excluded") | respondents["exclusion_reason"].isin(reasons)


def load_responses(study: Study, respondents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read ``processed/<study>/responses.csv``, check it against the instrument, return it with a numeric ``code``.

    Raises :class:`InputError` (file, spreadsheet row, column) for an unknown item,
    an unknown missing reason, an answered row without a valid code, a not-relevant
    label the scale does not list, or a respondent not among the included ones.
    """
    path = processed_dir(study.id) / "responses.csv"
    frame = read_csv(path)
    require_columns(frame, RESPONSES, path)
    return check_responses(frame, study, path, respondents)


# --- the notebook's building blocks ---------------------------------------------------------------
def load_survey(study: Study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The processed respondents and responses of a study (empty tables for a study without a survey)."""
    if study.survey is None:
        return (
            pd.DataFrame(columns=RESPONDENTS + [d.id for d in study.demographics], dtype=str),
            pd.DataFrame({c: pd.Series(dtype=float if c == "code" else str) for c in RESPONSES}),
        )
    respondents = load_respondents(study)
    return respondents, load_responses(study, respondents)


# --- waves and linkage (issue 14) -----------------------------------------------------------------
def waves(study: Study) -> list[Wave]:
    """The study's waves in time order (``design.waves``); a study without waves has the one wave
    :data:`tieval.schema.SINGLE_WAVE`, labelled 'Survey'."""
    return list(study.waves) or [Wave(SINGLE_WAVE, "Survey")]


def load_linkage(study: Study) -> pd.DataFrame:
    """Read ``processed/<study>/linkage.csv`` (``schema.LINKAGE``: person pseudonym, wave,
    respondent_id; one row per analysed response of linked waves).  Empty for a study whose waves
    are not linked by a link key (no such file is written)."""
    linked = study.survey is not None and (
        study.survey.link_key or any(w.survey is not None and w.survey.link_key for w in study.waves)
    )
    if not linked:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in LINKAGE})
    path = processed_dir(study.id) / "linkage.csv"
    frame = read_csv(path)
    require_columns(frame, LINKAGE, path)
    known = [w.id for w in waves(study)]
    bad = ~frame["wave"].isin(known) | frame[["wave", "respondent_id"]].duplicated()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            path,
            "one row per (wave, respondent_id), the wave one of " + ", ".join(known),
            row=i + 2,
            column="wave",
            found=f"{frame['wave'].iloc[i]}, {frame['respondent_id'].iloc[i]}",
        )
    return frame
