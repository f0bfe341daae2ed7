"""SPSS ``.sav`` files as survey exports (pyreadstat).

A ``.sav`` carries what a CSV does not: each variable's label (the question text) and its value
labels (what each numeric code means).  Qualtrics, SurveyMonkey and most survey tools export it.
:func:`sav_header` reads the dictionary only (names, labels, value labels); :func:`sav_columns` then
reads the columns the study uses, as text: a labelled code of a column whose answers are labels is
replaced by its label (so a numeric code is never taken for a scale position), numbers are written
without a trailing ``.0``, system-missing values are empty.  Rows are SPSS case numbers (1 = the
first case).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tieval.errors import InputError

__all__ = ["SavHeader", "sav_header", "sav_columns"]


@dataclass
class SavHeader:
    """The dictionary of a ``.sav``: variable names, their labels and value labels."""

    names: list[str]
    labels: list[str]
    value_labels: dict[str, dict[float | str, str]]
    n_cases: int


def _pyreadstat():
    import pyreadstat  # noqa: PLC0415 - heavy optional reader, loaded only for .sav files

    return pyreadstat


def sav_header(path: Path) -> SavHeader:
    """Read the dictionary of a ``.sav`` (no data)."""
    reader = _pyreadstat()
    try:
        _, meta = reader.read_sav(str(path), metadataonly=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file becomes a one-line error
        raise InputError(path, "a readable SPSS .sav file", found=" ".join(str(exc).split())) from None
    labels = [str(lab) if lab else "" for lab in (meta.column_labels or [""] * len(meta.column_names))]
    value_labels = {name: _label_table(table) for name, table in meta.variable_value_labels.items()}
    return SavHeader(list(meta.column_names), labels, value_labels, int(meta.number_rows or 0))


def _label_table(table: dict) -> dict[float | str, str]:
    """A variable's value labels keyed as its values are read: numeric codes as floats; the codes
    of a labelled string variable as text without SPSS's padding."""
    if all(isinstance(k, (int, float)) for k in table):
        return {float(k): str(v) for k, v in table.items()}
    return {str(k).rstrip(): str(v) for k, v in table.items()}


def _text(values: pd.Series, labels: dict[float | str, str] | None) -> pd.Series:
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        text = values.fillna("").astype("str").str.rstrip()  # SPSS pads strings to their width
        return text.map(lambda v: labels.get(v, v)) if labels else text
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    out = np.full(len(numbers), "", dtype=object)
    present = ~np.isnan(numbers)
    for value in np.unique(numbers[present]):
        text = (labels or {}).get(float(value))
        if text is None:
            text = str(int(value)) if float(value).is_integer() else repr(float(value))
        out[numbers == value] = text
    return pd.Series(out, index=values.index, dtype="str")


def sav_columns(path: Path, header: SavHeader, keep: list[str], labelled: set[str]) -> pd.DataFrame:
    """The ``keep`` variables as text; ``labelled`` ones have their value labels applied."""
    reader = _pyreadstat()
    try:
        frame, _ = reader.read_sav(str(path), usecols=keep, apply_value_formats=False)
    except Exception as exc:  # noqa: BLE001 - a damaged file becomes a one-line error
        raise InputError(path, "a readable SPSS .sav file", found=" ".join(str(exc).split())) from None
    return pd.DataFrame(
        {
            name: _text(frame[name], header.value_labels.get(name) if name in labelled else None).to_numpy()
            for name in keep
        },
        dtype="str",
    )
