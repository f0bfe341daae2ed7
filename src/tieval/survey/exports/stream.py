"""Reading CSV text batch by batch into compact pandas columns (bounded memory at any size).

:func:`read_columns` runs Arrow's streaming CSV reader over the export and keeps, batch after
batch, only what the analysis needs: for each coded column (answers, demographics, status) the
small-integer code of every row against one dictionary grown in order of first appearance, and for
each text column (ids, free text) Arrow's own string buffers. The text of the file is never held
whole: memory is the finished columns plus one batch (4 MiB of text), where reading the whole file
into an Arrow table and converting it held both the table and the pandas copy.

The result is the frame that ``pyarrow.csv.read_csv(...).to_pandas()`` would give - the same
rows, the same categories in the same order (first appearance), the same codes - built in one pass.
Rows Arrow cannot split into the header's number of fields are handed to ``on_invalid`` and
skipped, as with the whole-file reader; the caller turns them into a one-line error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

__all__ = ["BLOCK_SIZE", "CODED", "read_columns"]

#: Bytes of text Arrow parses at a time (one batch).
BLOCK_SIZE = 1 << 22

#: Arrow type of a coded column as it is read (a dictionary of the texts found).
CODED = pa.dictionary(pa.int32(), pa.string())


class _Codes:
    """The codes of one coded column, batch after batch, against a dictionary of first appearance."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.parts: list[np.ndarray] = []

    def add(self, array: pa.DictionaryArray) -> None:
        texts = array.dictionary.to_pylist()
        lookup = np.fromiter((self.index.setdefault(t, len(self.index)) for t in texts), np.int64, len(texts))
        codes = lookup[array.indices.to_numpy(zero_copy_only=False)] if len(texts) else np.zeros(len(array), np.int64)
        self.parts.append(codes.astype(_code_type(len(self.index)), copy=False))

    def column(self, start: int, name: str) -> pd.Series:
        codes = np.concatenate(self.parts)[start:] if self.parts else np.zeros(0, np.int8)
        self.parts = []
        categories = pd.Index(list(self.index), dtype="str")
        return pd.Series(pd.Categorical.from_codes(codes, categories=categories, validate=False), name=name)


def _code_type(n: int) -> np.dtype:
    """The smallest signed integer type holding codes 0..n-1 (and pandas' -1 for a missing value)."""
    for kind in (np.int8, np.int16, np.int32):
        if n < np.iinfo(kind).max:
            return np.dtype(kind)
    return np.dtype(np.int64)


def read_columns(
    source,
    names: list[str],
    keep: list[str],
    coded: set[str],
    delimiter: str,
    on_invalid: Callable,
    skip: int = 0,
) -> pd.DataFrame:
    """The kept columns of a CSV text as a pandas frame, read one batch at a time.

    ``source`` is a path or an Arrow input stream of UTF-8 text whose first record is the first
    row of the file (the header is read as data and dropped with ``skip``); ``names`` names every
    field of a record, ``keep`` the ones returned (in that order) and ``coded`` those returned as
    categoricals of their text; the others are strings. Empty fields are empty strings, never
    missing. Raises :class:`pyarrow.ArrowInvalid` for text Arrow cannot read (bad UTF-8).
    """
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK_SIZE),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={c: CODED if c in coded else pa.string() for c in keep},
            include_columns=keep,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    codes = {c: _Codes() for c in keep if c in coded}
    texts: dict[str, list[pa.Array]] = {c: [] for c in keep if c not in coded}
    for batch in reader:
        for c in keep:
            array = batch.column(c)
            if c in coded:
                codes[c].add(array)
            else:
                texts[c].append(array)
    columns = {}
    for c in keep:
        if c in coded:
            columns[c] = codes.pop(c).column(skip, c)
        else:
            chunks = pa.chunked_array(texts.pop(c), type=pa.string()).slice(skip)
            columns[c] = pd.Series(chunks.to_pandas(), name=c, dtype="str")
    return pd.DataFrame(columns, copy=False)
