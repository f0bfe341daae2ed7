"""Table cells for reading: each value as text, numeric columns, audit statuses and human column headers.

:func:`column_cells` turns one column of a display frame into the text of its cells and says whether
the column is numeric (decided from the column's data: a numeric dtype, or every value a number, or
declared by the frame's builder in ``frame.attrs["numeric"]`` when it formatted numbers as text);
missing values read as blank, booleans as ``yes``/``no`` and whole numbers stored as floats (``2.0``)
as whole numbers.  :func:`status_slug` recognises the audit's vocabulary of statuses and results
(:data:`STATUS_TONES`), which the tables carry as ``data-status`` and colour; :func:`human_header`
turns a machine column name (``figure_id``) into a header for reading (``Figure id``) while the CSVs
keep the machine names.
"""

from __future__ import annotations

import math
import numbers
import re

import pandas as pd

__all__ = ["STATUS_TONES", "reader_words", "column_cells", "status_slug", "status_column", "human_header", "is_missing"]

#: Every status or result a table cell may carry, with its tone: ``bad`` (the report or the data
#: disagree), ``warn`` (holds only under something unstated, or cannot be checked) and ``good``.
STATUS_TONES = {
    "match": "good",
    "matches": "good",
    "consistent": "good",
    "reproduced": "good",
    "differs": "bad",
    "differ": "bad",
    "inconsistent": "bad",
    "inconsistent within report": "bad",
    "implausible": "bad",
    "possible": "warn",
    "not checked": "warn",
    "not reproducible": "warn",
    "not reproducible from the published excerpts": "warn",
}

#: Headers spelled out rather than mechanically de-snaked.
_HEADERS = {
    "n": "n",
    "k": "k",
    "p": "p",
    "sd": "SD",
    "id": "Id",
    "ci_lower": "95% CI lower",
    "ci_upper": "95% CI upper",
    "sha256": "SHA-256",
}

#: Words of a machine name written otherwise in a header.
_WORDS = {"sd": "SD", "ci": "CI", "pct": "%"}

_MACHINE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


#: Configuration keys that the audit's explanations name, as a reader would say them (the CSVs keep
#: the keys); longest first.
_CONFIG_WORDS = (
    (re.compile(r"\bdesign\.qualitative\.sessions:(\S+?)(?=[\s:;,)]|$)"), r"qualitative session \1"),
    (re.compile(r"\bdesign\.qualitative\.sessions\b"), "the qualitative sessions"),
    (re.compile(r"\bdesign\.flow[: ](\w+)"), r"participant flow stage \1"),
    (re.compile(r"\bdesign\.flow\b"), "the participant flow"),
    (re.compile(r"\bdesign\.waves\b"), "survey waves"),
)


def reader_words(text: str) -> str:
    """``text`` with the configuration keys it names (``design.flow:analysed``) in words
    (``participant flow stage analysed``)."""
    if "design." not in text:
        return text
    for pattern, words in _CONFIG_WORDS:
        text = pattern.sub(words, text)
    return text


def is_missing(value) -> bool:
    """True for None, NaN, ``pd.NA`` and ``NaT`` (what a table shows as a blank cell)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _decimals(values: list[float]) -> int:
    """The fewest decimals (at most 4) that show every value of a float column as it is."""
    for d in range(5):
        if all(abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)) for v in values):
            return d
    return 4


def column_cells(column: pd.Series, *, numeric: bool = False) -> tuple[list[str], bool]:
    """The text of each cell of ``column`` and whether the column is numeric (right-aligned).

    ``numeric``: the frame's builder declares the column numeric (numbers already formatted as text)."""
    values = list(column)
    present = [v for v in values if not is_missing(v)]
    is_numeric = numeric or (bool(present) and all(_is_number(v) for v in present))
    floats = [float(v) for v in present if isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral | bool)]
    floats = [v for v in floats if math.isfinite(v)]
    digits = _decimals(floats) if floats else 0
    out = []
    for v in values:
        if is_missing(v):
            out.append("")
        elif isinstance(v, bool) or type(v).__name__ == "bool_":
            out.append("yes" if v else "no")
        elif isinstance(v, numbers.Integral):
            out.append(str(int(v)))
        elif isinstance(v, numbers.Real):
            out.append(f"{float(v):.{digits}f}" if math.isfinite(float(v)) else str(v))
        else:
            out.append(reader_words(str(v)))
    return out, is_numeric


def status_slug(text: str) -> str | None:
    """``data-status`` of a cell whose text is a status or result (``not reproducible`` ->
    ``not-reproducible``); None for any other text."""
    key = text.strip().lower()
    return re.sub(r"\W+", "-", key).strip("-") if key in STATUS_TONES else None


def status_column(cells: list[str]) -> bool:
    """A column is a status column when it has a status and every non-blank cell is one."""
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(status_slug(c) for c in filled)


def human_header(name) -> str:
    """A column header for reading: a machine name (``reproduced_source``) spelled as words
    (``Reproduced source``); any other header is kept as it is."""
    text = str(name)
    if text in _HEADERS:
        return _HEADERS[text]
    if not _MACHINE.match(text):
        return text
    phrase = " ".join(_WORDS.get(w, w) for w in text.split("_"))
    return phrase[0].upper() + phrase[1:]
