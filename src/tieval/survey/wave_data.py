"""The waves of a study's survey data: wave ids and labels from the config, each row's wave, per-wave subsets.

A study with ``design.waves`` has one wave id per wave (in time order); a cross-sectional study
has the single wave :data:`SINGLE_WAVE`.  Processed respondents and responses carry a ``wave``
column (right after ``study``); a frame without one (a cross-sectional study's tables written
before waves existed, or a hand-built test frame) is read as all :data:`SINGLE_WAVE`.
"""

from __future__ import annotations

import pandas as pd

from tieval.config import Study
from tieval.schema import SINGLE_WAVE
from tieval.survey.data import load_linkage

__all__ = ["SINGLE_WAVE", "wave_ids", "wave_labels", "wave_column", "wave_subset", "is_linked_design", "study_linkage"]


def wave_ids(study: Study) -> list[str]:
    """The study's wave ids in time order (``[SINGLE_WAVE]`` for a cross-sectional study)."""
    return [w.id for w in study.waves] or [SINGLE_WAVE]


def wave_labels(study: Study) -> dict[str, str]:
    """Wave id -> the label tables use (the id itself for the single wave)."""
    return {w.id: w.label for w in study.waves} or {SINGLE_WAVE: SINGLE_WAVE}


def wave_column(frame: pd.DataFrame) -> pd.Series:
    """Each row's wave, as text (:data:`SINGLE_WAVE` for a frame without a ``wave`` column)."""
    if "wave" in frame.columns:
        return frame["wave"].astype(str)
    return pd.Series(SINGLE_WAVE, index=frame.index, dtype=object)


def wave_subset(frame: pd.DataFrame, wave: str) -> pd.DataFrame:
    """The rows of one wave, with a fresh positional index."""
    return frame[(wave_column(frame) == wave).to_numpy()].reset_index(drop=True)


def is_linked_design(study: Study) -> bool:
    """Whether respondents are paired across waves: two or more waves and a link key
    (``survey.link_key`` or a wave's own ``link_key``)."""
    if len(study.waves) < 2 or study.survey is None:
        return False
    return bool(study.survey.link_key) or any(w.survey is not None and w.survey.link_key for w in study.waves)


def study_linkage(study: Study) -> pd.DataFrame | None:
    """The linkage table (``person, wave, respondent_id``) of a linked design, None otherwise."""
    if not is_linked_design(study):
        return None
    return load_linkage(study)
