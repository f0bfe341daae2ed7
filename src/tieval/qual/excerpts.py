"""The published quotations (``raw/excerpts.csv``): reading and checking them, redacting them for
display, and labelling their speakers."""

from __future__ import annotations

import re

import pandas as pd

from tieval.config import Study
from tieval.errors import InputError
from tieval.schema import EXCERPTS, require_columns
from tieval.store import read_csv
from tieval.survey.redact import redact_series

__all__ = [
    "load_excerpts",
    "check_excerpts",
    "participant_key",
    "anonymous_label",
    "redacted",
]


_EXCERPT_COLUMNS = [c for c in EXCERPTS if c != "study"]


def load_excerpts(study: Study) -> pd.DataFrame:
    """Read and check ``raw/excerpts.csv``; returns it with a ``study`` column first."""
    path = study.path("excerpts")
    frame = read_csv(path, **study.text_options("excerpts"))
    check_excerpts(frame, path)
    return frame.assign(study=study.id)[EXCERPTS]


def check_excerpts(frame: pd.DataFrame, path) -> None:
    """Raise :class:`InputError` for missing columns, empty or duplicate excerpt ids, or empty text."""
    require_columns(frame, _EXCERPT_COLUMNS, path)
    first_bad(frame["excerpt_id"].str.strip() == "", path, frame, "excerpt_id", "an excerpt id")
    first_bad(frame["excerpt_id"].duplicated(), path, frame, "excerpt_id", "an excerpt id used once")
    first_bad(frame["text"].str.strip() == "", path, frame, "text", "the quotation's text")


def first_bad(mask: pd.Series, path, frame: pd.DataFrame, column: str, expected: str) -> None:
    """Raise for the first row where ``mask`` holds (header is row 1, so data row i is row i + 2)."""
    if mask.any():
        i = int(mask.to_numpy().nonzero()[0][0])
        raise InputError(path, expected, row=i + 2, column=column, found=frame[column].iloc[i])


def redacted(excerpts: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Excerpts for display: the names the study redacts from free text (``survey.redact_names``)
    replaced by ``[name]`` (with e-mails, URLs and phone numbers), as in processed free text.
    The committed excerpts stay verbatim."""
    names = study.survey.redact_names if study.survey is not None else ()
    shown = excerpts.assign(text=redact_series(excerpts["text"], names).texts.to_numpy())
    if "note" in shown and names:  # notes reach the exported .qdpx (source descriptions)
        shown["note"] = redact_series(shown["note"].fillna("").astype(str), names, detect_names=False).texts.to_numpy()
    return shown


def anonymous_label(source: str) -> str:
    """Column label for excerpts without a speaker (anonymous questionnaire answers)."""
    return f"{source} (anonymous)" if source else "anonymous"


def participant_key(label: str) -> tuple:
    """Sort key that puts 'Participant 2' before 'Participant 10'."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", str(label)))
