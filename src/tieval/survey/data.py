"""Writing and loading the processed survey tables (respondents, responses, answer counts, free text, linkage).

The one place that knows where and how processed data are stored: ``data/processed/<study>/
<table>.parquet``, each column of the type :mod:`tieval.schema` declares (checked on read).
:func:`write_tables` writes them (the cleaning step), :func:`load_respondents`,
:func:`load_responses` and :func:`load_free_text` read them (only the columns asked for, when
given), the responses (and their answer counts, with ``load_survey(..., counted=True)``) validated
against the instrument (:func:`tieval.survey.validate.check_responses`).  :func:`export_csv` writes CSV copies.
:func:`included` and :func:`received` say who is analysed and who counts as a response.
:func:`answer_counts` shrinks the long responses table to one row per distinct answer (written
beside it, read by steps that only count answers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tieval import store
from tieval.config import Study, Wave
from tieval.errors import InputError
from tieval.paths import processed_dir
from tieval.schema import ANSWER_COUNTS, FREE_TEXT, LINKAGE, RESPONDENTS, RESPONSES, SINGLE_WAVE, column_type
from tieval.survey.columns import BLOCK, distinct
from tieval.survey.validate import check_responses

__all__ = [
    "TABLES",
    "table_path",
    "write_tables",
    "load_table",
    "load_respondents",
    "load_responses",
    "load_answer_counts",
    "answer_counts",
    "CHECKED",
    "load_free_text",
    "export_csv",
    "as_text",
    "CATEGORICAL",
    "included",
    "n_included",
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


#: The processed tables, by name (the file is ``<name>.parquet``): their required columns.
TABLES = {
    "respondents": RESPONDENTS,
    "responses": RESPONSES,
    "answer_counts": ANSWER_COUNTS,
    "free_text": FREE_TEXT,
    "linkage": LINKAGE,
}

#: The tables whose dictionary-encoded columns are read as ``Categorical`` (the long responses
#: table, one small integer per row, and its answer counts, read by the same counting code); the
#: others' are read as plain text.
CATEGORICAL = ("responses", "answer_counts")


#: The columns whose distinct combinations :func:`answer_counts` counts.
ANSWER_KEY = [c for c in ANSWER_COUNTS if c != "n_rows"]

#: Above this many possible combinations, :func:`answer_counts` counts the distinct ones found
#: (sorting each block) instead of a dense ``bincount`` over all of them.
DENSE_COMBINATIONS = 1 << 24


def answer_counts(responses: pd.DataFrame) -> pd.DataFrame:
    """How many rows of the long ``responses`` table carry each distinct answer: one row per
    distinct (study, wave, item_id, code, label, category, missing_reason) with ``n_rows``
    (:data:`tieval.schema.ANSWER_COUNTS`), in the order of the table's categories (each column's
    distinct values in the order :func:`~tieval.survey.columns.distinct` gives, the first column
    varying slowest).  A missing value stays missing.

    Each column is read off its distinct values, the combination of a row numbered in mixed radix
    and the numbers counted with ``bincount`` in blocks of :data:`BLOCK` rows: one pass over a
    table of 260 million rows, with temporaries the size of a block."""
    parts = [distinct(responses[c]) for c in ANSWER_KEY]
    sizes = np.array([len(uniques) + 1 for _, uniques in parts], dtype=np.int64)  # last: missing
    radix = np.append(np.cumprod(sizes[::-1])[::-1][1:], 1)
    total = int(np.prod(sizes))
    dense = total <= DENSE_COMBINATIONS
    tally = np.zeros(total if dense else 0, dtype=np.int64)
    found: list[tuple[np.ndarray, np.ndarray]] = []
    # a column of one value and no missing one (study, and wave in one file) adds nothing to a key
    varying = [
        (codes, size, weight)
        for (codes, uniques), size, weight in zip(parts, sizes, radix)
        if len(uniques) != 1 or (len(codes) and codes.min() < 0)
    ]
    for start in range(0, len(responses), BLOCK):
        key = np.zeros(min(BLOCK, len(responses) - start), dtype=np.int64)
        for codes, size, weight in varying:
            block = codes[start : start + BLOCK].astype(np.int64)
            if len(block) and block.min() < 0:
                block[block < 0] = size - 1
            key += block * weight
        if dense:
            tally += np.bincount(key, minlength=total)
        else:
            found.append(np.unique(key, return_counts=True))
    if dense:
        keys = np.flatnonzero(tally)
        n_rows = tally[keys]
    else:
        keys, inverse = np.unique(np.concatenate([k for k, _ in found] or [np.zeros(0, np.int64)]), return_inverse=True)
        n_rows = np.bincount(inverse, weights=np.concatenate([c for _, c in found] or [np.zeros(0)]))
        n_rows = n_rows.astype(np.int64)
    out = {}
    for (_, uniques), size, weight, column in zip(parts, sizes, radix, ANSWER_KEY):
        codes = (keys // weight) % size
        codes = np.where(codes == size - 1, -1, codes)
        out[column] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques), validate=False)
    out["n_rows"] = n_rows.astype(np.int32)
    return pd.DataFrame(out, columns=ANSWER_COUNTS)


def table_path(study_id: str, name: str, root: Path | None = None) -> Path:
    """``data/processed/<study>/<name>.parquet``."""
    return processed_dir(study_id, root) / f"{name}.parquet"


def _kind(name: str):
    """The column-type lookup of processed table ``name`` (:func:`tieval.schema.column_type`)."""
    return lambda column: column_type(name, column)


def write_tables(study_id: str, tables: dict[str, pd.DataFrame], root: Path | None = None, extra=None) -> list[Path]:
    """Write processed tables ({name: frame}) of a study as Parquet, as one unit with the ``extra``
    CSVs ({path: frame}, e.g. the exclusions table): every file is complete before any is renamed
    into place, so a failure changes nothing.  Returns the paths written (Parquet first).

    The answer counts (:func:`answer_counts`) are written with the responses they count, so the
    two tables always agree."""
    if "responses" in tables and "answer_counts" not in tables:
        tables = {**tables, "answer_counts": answer_counts(tables["responses"])}
    by_path = {table_path(study_id, name, root): (name, frame) for name, frame in tables.items()}
    return store.write_parquets(
        {path: frame for path, (_, frame) in by_path.items()},
        lambda path, column: column_type(by_path[path][0], column),
        extra,
    )


def load_table(study: Study, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read processed table ``name`` of ``study`` (only ``columns`` when given), its required
    columns and their types checked (:func:`tieval.store.read_parquet`)."""
    required = TABLES.get(name, [])
    if name == "respondents":
        required = required + [d.id for d in study.demographics]
    path = table_path(study.id, name)
    return store.read_parquet(path, _kind(name), required, columns, categorical=name in CATEGORICAL)


def as_text(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """A processed table as its CSV copy reads (every column text, a missing code ``''``): the
    answer code written as the cleaning step writes it (``%.6g``), categories as plain text."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if column_type(name, column) == "float64":
            numbers = values.to_numpy(dtype=float).tolist()
            values = ["" if np.isnan(v) else store.FLOAT_FORMAT % v for v in numbers]
        out[column] = pd.array(np.asarray(values, dtype=object).astype(str), dtype="str")
    return pd.DataFrame(out, columns=frame.columns)


# --- loading --------------------------------------------------------------------------------------
def load_respondents(study: Study, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``processed/<study>/respondents.parquet`` (only ``columns`` when given) and check its
    columns and statuses."""
    path = table_path(study.id, "respondents")
    frame = load_table(study, "respondents", columns)
    if "status" not in frame.columns:
        return frame
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


def n_included(respondents: pd.DataFrame) -> int:
    """How many respondents are analysed (``len(included(respondents))``, without copying the table)."""
    return int((respondents["status"] != "excluded").sum())


def received(respondents: pd.DataFrame) -> pd.Series:
    """Mask of the responses received: analysed records and real responses that answered no rated
    item (excluded only for that); survey previews, tests and spam are not responses."""
    reasons = (NO_ITEMS_REASON, NO_LINK_KEY_REASON)
    return (respondents["status"] != "excluded") | respondents["exclusion_reason"].isin(reasons)


#: The responses columns :func:`tieval.survey.validate.check_responses` reads to check answers.
CHECKED = ["item_id", "code", "label", "missing_reason"]


def load_responses(
    study: Study, respondents: pd.DataFrame | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    """Read ``processed/<study>/responses.parquet``, check it against the instrument, return it with a numeric ``code``.

    With ``columns``, only those columns and the ones the check needs (:data:`CHECKED`) are read
    (a step that counts answers need not hold every row's respondent id); the respondents are
    then checked only when ``respondent_id`` is among them.

    Raises :class:`InputError` (file, row counted as in its CSV copy: header = row 1, column) for
    an unknown item, an unknown missing reason, an answered row without a valid code, a
    not-relevant label the scale does not list, or a respondent not among the included ones.
    """
    path = table_path(study.id, "responses")
    if columns is not None:
        columns = [c for c in RESPONSES if c in {*columns, *CHECKED}]
        if "respondent_id" not in columns:
            respondents = None
    return check_responses(load_table(study, "responses", columns), study, path, respondents)


def load_free_text(study: Study, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``processed/<study>/free_text.parquet`` (the redacted open answers)."""
    return load_table(study, "free_text", columns)


def export_csv(study: Study, root: Path | None = None) -> list[Path]:
    """Write a CSV copy (``<name>.csv`` beside each ``<name>.parquet``) of every processed table
    of ``study``, with the compendium's CSV conventions (:func:`tieval.store.write_csvs`): the
    answer code written as in the cleaning step (``%.6g``, blank when missing)."""
    frames = {}
    for name in TABLES:
        path = table_path(study.id, name, root)
        if not path.is_file():
            continue
        frame = store.read_parquet(path, _kind(name), [])
        frame = frame.assign(
            **{c: as_text(frame[[c]], name)[c] for c in frame.columns if column_type(name, c) == "float64"}
        )
        frames[path.with_suffix(".csv")] = frame
    return store.write_csvs(frames)


# --- the notebook's building blocks ---------------------------------------------------------------
def load_survey(
    study: Study,
    columns: list[str] | None = None,
    respondent_columns: list[str] | None = None,
    *,
    counted: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The processed respondents and responses of a study (empty tables for a study without a survey).

    ``columns``: read only these responses columns (and the checked ones, :func:`load_responses`),
    e.g. ``counts.ITEM_CELL_COLUMNS`` for a step that only counts answers: at a million respondents
    the respondent ids of the long table are most of its memory.  ``respondent_columns``: read
    only these respondents columns (``status`` always: :func:`included` needs it).  With
    ``counted`` the second table is the answer counts (:data:`tieval.schema.ANSWER_COUNTS`: one row
    per distinct answer of the long table, ``n_rows`` how many rows carry it), checked like the
    responses; :func:`tieval.survey.counts.item_cells` counts it as it counts the long table."""
    if respondent_columns is not None:
        respondent_columns = list(dict.fromkeys(["status", *respondent_columns]))
    if study.survey is None:
        kept = RESPONSES if columns is None else [c for c in RESPONSES if c in {*columns, *CHECKED}]
        if counted:
            kept = ANSWER_COUNTS
        people = RESPONDENTS + [d.id for d in study.demographics]
        if respondent_columns is not None:
            people = [c for c in people if c in respondent_columns]
        return (
            pd.DataFrame(columns=people, dtype=str),
            pd.DataFrame({c: pd.Series(dtype=float if c == "code" else int if c == "n_rows" else str) for c in kept}),
        )
    respondents = load_respondents(study, respondent_columns)
    if counted:
        return respondents, load_answer_counts(study)
    return respondents, load_responses(study, respondents, columns)


def load_answer_counts(study: Study) -> pd.DataFrame:
    """Read ``processed/<study>/answer_counts.parquet`` (:data:`tieval.schema.ANSWER_COUNTS`),
    checked against the instrument as the responses are (:func:`check_responses`), with a numeric
    ``code``."""
    return check_responses(load_table(study, "answer_counts"), study, table_path(study.id, "answer_counts"))


# --- waves and linkage (issue 14) -----------------------------------------------------------------
def waves(study: Study) -> list[Wave]:
    """The study's waves in time order (``design.waves``); a study without waves has the one wave
    :data:`tieval.schema.SINGLE_WAVE`, labelled 'Survey'."""
    return list(study.waves) or [Wave(SINGLE_WAVE, "Survey")]


def load_linkage(study: Study) -> pd.DataFrame:
    """Read ``processed/<study>/linkage.parquet`` (``schema.LINKAGE``: person pseudonym, wave,
    respondent_id; one row per analysed response of linked waves), checking that each row's wave
    is one of the study's and (wave, respondent_id) is unique.  Empty for a study whose waves are
    not linked by a link key (no such file is written)."""
    linked = study.survey is not None and (
        study.survey.link_key or any(w.survey is not None and w.survey.link_key for w in study.waves)
    )
    if not linked:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in LINKAGE})
    frame = load_table(study, "linkage")
    known = [w.id for w in waves(study)]
    wave = frame["wave"].astype("str")
    bad = ~wave.isin(known) | pd.DataFrame({"w": wave, "r": frame["respondent_id"].astype("str")}).duplicated()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            table_path(study.id, "linkage"),
            "one row per (wave, respondent_id), the wave one of " + ", ".join(known),
            row=i + 2,
            column="wave",
            found=f"{wave.iloc[i]}, {frame['respondent_id'].iloc[i]}",
        )
    return frame
