"""Result types of the coding-software readers: QdaProject, QdaTables, their column lists, stable GUIDs and text normalisation."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field

import pandas as pd

from tieval import __version__

__all__ = [
    "QdaProject",
    "QdaTables",
    "normalise_text",
    "stable_guid",
    "NAMESPACE",
    "CODE_COLUMNS",
    "SOURCE_COLUMNS",
    "CODING_COLUMNS",
    "CASE_COLUMNS",
    "SET_COLUMNS",
    "ISSUE_COLUMNS",
    "UNMATCHED_COLUMNS",
]


#: The origin attribute of every project tieval writes: its offsets follow the standard.
ORIGIN = f"tieval {__version__} (REFI-QDA 1.0; offsets in Unicode code points)"
#: XML namespace of a REFI-QDA project.qde.
NAMESPACE = "urn:QDA-XML:project:1.0"


#: uuid5 namespace of the stable GUIDs this module writes.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://refi-qda.tieval/guid")


#: Timestamp of every zip entry written (the earliest a zip can hold): no wall-clock values.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


CODE_COLUMNS = ["code_id", "name", "parent_id", "path", "description", "codable"]


SOURCE_COLUMNS = ["source_id", "name", "text", "description"]


CODING_COLUMNS = [
    "coding_id",
    "selection_id",
    "source_id",
    "code_id",
    "start",
    "end",
    "text",
    "coder",
    "note",
    "where",
]


CASE_COLUMNS = ["case_id", "name", "source_id"]


SET_COLUMNS = ["set_id", "name", "code_id"]


ISSUE_COLUMNS = ["where", "issue"]


UNMATCHED_COLUMNS = ["coding_id", "source", "code", "coder", "text", "reason", "where"]


#: Codebook columns written as code Sets named "<column>: <value>".
SET_FIELDS = ("theme", "construct", "subconstruct")


#: The variable that marks a source as one of the study's excerpts.
EXCERPT_VARIABLE = "excerpt_id"


_GUID_RE = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12})\}?$"
)


def _frame(rows: list, columns: list[str], *, ints=(), bools=()) -> pd.DataFrame:
    """A DataFrame with exactly ``columns``: strings as ``str``, ``ints`` as ``Int64``."""
    if rows:
        frame = pd.DataFrame(rows, columns=columns)
    else:
        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    for c in columns:
        if c in ints:
            frame[c] = frame[c].astype("Int64")
        elif c in bools:
            frame[c] = frame[c].astype(bool)
        else:
            frame[c] = frame[c].fillna("").astype("str")
    return frame


@dataclass
class QdaProject:
    """Codes, text sources and codings read from (or to be written to) coding software.

    See the module docstring for the columns of each frame.
    """

    name: str
    codes: pd.DataFrame
    sources: pd.DataFrame
    codings: pd.DataFrame
    cases: pd.DataFrame = field(default_factory=lambda: _frame([], CASE_COLUMNS))
    sets: pd.DataFrame = field(default_factory=lambda: _frame([], SET_COLUMNS))
    issues: pd.DataFrame = field(default_factory=lambda: _frame([], ISSUE_COLUMNS))
    origin: str = ""
    path: str = ""  #: the file read, for error messages (empty for a project built in memory)
    offsets: str = ""  #: the offset convention its selections were read in (offsets.Reading.name)

    @property
    def variables(self) -> list[str]:
        """Names of the source variables (the ``sources`` columns after the fixed ones)."""
        return [c for c in self.sources.columns if c not in SOURCE_COLUMNS]

    @property
    def coders(self) -> list[str]:
        """Coders who made at least one coding, sorted."""
        return sorted(set(self.codings["coder"]) - {""})

    def summary(self) -> str:
        """One line: how many codes, sources, codings and coders."""
        return (
            f"{self.name}: {len(self.codes)} codes, {len(self.sources)} text sources, "
            f"{len(self.codings)} codings by {len(self.coders)} coder(s)"
        )


@dataclass
class QdaTables:
    """A project as the compendium's tidy tables, plus what could not be tied to them."""

    excerpts: pd.DataFrame  #: schema.EXCERPTS columns (``study`` only if the project carries it)
    codings: pd.DataFrame  #: schema.CODINGS, sorted by excerpt_id, code_id, coder
    codebook: pd.DataFrame  #: schema.CODEBOOK, codable codes, sorted by code_id
    unmatched: pd.DataFrame  #: UNMATCHED_COLUMNS: codings left out, with the reason


def normalise_text(text: str) -> str:
    """Text for matching: Unicode NFC, every run of whitespace one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def stable_guid(kind: str, key: str) -> str:
    """A GUID derived from ``kind`` and ``key`` (uuid5): the same key always gives the same GUID."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


def _norm_guid(value) -> str | None:
    """``value`` as a lower-case GUID without braces, or None if it is not a GUID."""
    match = _GUID_RE.match(str(value).strip()) if value is not None else None
    return match.group(1).lower() if match else None


def _guid_for(kind: str, key: str) -> str:
    """``key`` itself if it is already a GUID (a project read from a .qdpx), else a stable GUID."""
    return _norm_guid(key) or stable_guid(kind, key)


def _q(tag: str) -> str:
    """``tag`` in the REFI-QDA namespace, as ElementTree spells it."""
    return f"{{{NAMESPACE}}}{tag}"
