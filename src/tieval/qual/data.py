"""A study's qualitative material loaded together and checked: codebook, excerpts, codings, participants."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tieval.config import Study
from tieval.qual.codebook import Codebook, load_codebook
from tieval.qual.codings import derive_codings, load_codings
from tieval.qual.excerpts import load_excerpts
from tieval.qual.participants import check_participants, load_participants

__all__ = [
    "QualitativeData",
    "load",
]


@dataclass
class QualitativeData:
    """A study's qualitative material, loaded and checked: codebook, excerpts, codings, participants."""

    codebook: Codebook
    excerpts: pd.DataFrame
    codings: pd.DataFrame
    participants: pd.DataFrame | None
    codings_derived: bool = False  # True when the study has no codings file and the report's allocation is used


def load(study: Study) -> QualitativeData | None:
    """Load everything qualitative a study has; ``None`` when it has no excerpts or no codebook.

    Without a codings file the codings are the report's allocation (:func:`derive_codings`).
    Participants, when listed, are checked against the excerpts' speakers."""
    if not (study.has_input("excerpts") and study.has_input("codebook")):
        return None
    codebook = load_codebook(study)
    excerpts = load_excerpts(study)
    derived = not study.has_input("codings")
    codings = derive_codings(excerpts, codebook) if derived else load_codings(study, codebook, excerpts)
    participants = load_participants(study)
    if participants is not None:
        check_participants(participants, excerpts)
    return QualitativeData(codebook, excerpts, codings, participants, derived)
