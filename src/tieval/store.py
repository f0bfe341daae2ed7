"""Writing derived files safely and reproducibly.

Every derived file goes through :func:`atomic_write`: it is written to a
temporary file beside its target and renamed into place only when complete,
so a failed run never leaves a half-written table and never destroys the
previous good one.  CSVs are written with fixed formatting (``\\n`` line
endings, UTF-8 without BOM, fixed float format) so that the same data give
byte-identical files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

__all__ = [
    "atomic_write",
    "write_csv",
    "write_csvs",
    "write_text_array",
    "CSV_BATCH",
    "write_json",
    "write_text",
    "sha256_file",
    "FLOAT_FORMAT",
    "read_csv",
    "note_input",
    "note_output",
    "inputs_read",
    "outputs_written",
    "reset_provenance",
]

# Provenance: which files this process read and wrote (reported in each notebook's footer
# and in outputs/manifest.json).  Paths are kept as given (relative to the project root).
_INPUTS: dict[str, None] = {}
_OUTPUTS: dict[str, None] = {}


def note_input(path: str | Path) -> Path:
    """Record that ``path`` was read by this step. Returns it unchanged."""
    _INPUTS[str(Path(path))] = None
    return Path(path)


def note_output(path: str | Path) -> Path:
    """Record that ``path`` was written by this step. Returns it unchanged."""
    _OUTPUTS[str(Path(path))] = None
    return Path(path)


def inputs_read() -> list[str]:
    """Files read so far, in first-read order."""
    return list(_INPUTS)


def outputs_written() -> list[str]:
    """Files written so far, in first-write order."""
    return list(_OUTPUTS)


def reset_provenance() -> None:
    """Forget recorded inputs and outputs (start of a notebook step)."""
    _INPUTS.clear()
    _OUTPUTS.clear()


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a CSV written by an earlier step (or a committed data file), recording it as an input.

    Everything is read as text unless ``dtype`` is given, so codes like "01" survive.
    A missing file raises :class:`tieval.errors.InputError` naming the step that makes it.
    """
    from tieval.errors import InputError

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "an existing file (run the earlier pipeline steps first: `make`)")
    note_input(path)
    kwargs.setdefault("dtype", str)
    kwargs.setdefault("keep_default_na", False)
    return pd.read_csv(path, **kwargs)


#: Float format of every CSV the compendium writes (enough digits for audit, stable across runs).
FLOAT_FORMAT = "%.6g"


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", **kwargs) -> Iterator:
    """Open a temporary file beside ``path``; on success rename it over ``path``.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, mode, **kwargs) as handle:
            yield handle
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``frame`` as a reproducible CSV, atomically. Returns the path."""
    return write_csvs({path: frame}, index=index)[0]


def write_csvs(frames: dict, *, index: bool = False) -> list[Path]:
    """Write several CSVs as one unit ({path: frame}): every file is written to a temporary
    file first and all are renamed into place only when every one is complete, so a failure
    leaves all the previous files as they were.

    The bytes are those of ``DataFrame.to_csv`` (``\\n`` line ends, :data:`FLOAT_FORMAT`,
    minimal quoting).  A frame of text, categorical and integer columns only (the processed
    survey tables) is formatted by Arrow instead, in batches of rows, to the same bytes:
    pandas formats tens of millions of rows one Python object at a time."""
    with contextlib.ExitStack() as stack:
        for path, frame in frames.items():
            if not index and _arrow_formattable(frame):
                _write_csv_arrow(frame, stack.enter_context(atomic_write(path, "wb")))
            else:
                handle = stack.enter_context(atomic_write(path))
                frame.to_csv(handle, index=index, lineterminator="\n", float_format=FLOAT_FORMAT)
    return [note_output(path) for path in frames]


#: Rows per batch of the Arrow CSV formatter.
CSV_BATCH = 1 << 20


def _arrow_formattable(frame: pd.DataFrame) -> bool:
    """Whether every column is text (``str``), categorical text or a plain integer, and there
    are at least two columns (a lone empty field is written ``""`` by the csv module)."""
    if frame.shape[1] < 2 or not frame.columns.is_unique:
        return False
    for dtype in frame.dtypes:
        if isinstance(dtype, pd.CategoricalDtype):
            dtype = dtype.categories.dtype
            if not isinstance(dtype, pd.StringDtype):
                return False
        elif not (
            isinstance(dtype, pd.StringDtype)
            or (dtype.kind in "iu" and not isinstance(dtype, pd.api.extensions.ExtensionDtype))
        ):
            return False
    return True


def _csv_field(values):
    """Arrow text as CSV fields, quoted as the csv module's minimal quoting does (a field
    holding a comma, a double quote or a line feed is quoted, double quotes doubled); missing -> ''."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pc.fill_null(values.cast(pa.large_string()), "")
    needs = pc.match_substring_regex(values, '[,"\n]')
    if pc.any(needs).as_py():
        quote, empty = pa.scalar('"', pa.large_string()), pa.scalar("", pa.large_string())
        quoted = pc.binary_join_element_wise(quote, pc.replace_substring(values, '"', '""'), quote, empty)
        values = pc.if_else(needs, quoted, values)
    return values


def _column_fields(column: pd.Series):
    """A function of ``(start, stop)`` giving those rows of ``column`` as CSV fields (Arrow text).
    A categorical's categories are quoted once and gathered by code."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, fields = column.array.codes, _csv_field(pa.array(column.cat.categories.array))
        missing = bool((codes < 0).any())

        def part(start, stop):
            chunk = codes[start:stop]
            if not missing:
                return fields.take(pa.array(chunk))
            return pc.fill_null(fields.take(pa.array(chunk, mask=chunk < 0)), "")

        return part
    if isinstance(column.dtype, pd.StringDtype):
        values = pa.array(column.array)
        return lambda start, stop: _csv_field(values.slice(start, stop - start))
    values = pa.array(np.asarray(column))
    return lambda start, stop: values.slice(start, stop - start).cast(pa.large_string())


def _write_csv_arrow(frame: pd.DataFrame, handle) -> None:
    """Write ``frame`` (see :func:`_arrow_formattable`) as ``to_csv`` would, batch by batch."""
    import pyarrow as pa
    import pyarrow.compute as pc

    header = pa.array([str(c) for c in frame.columns], type=pa.large_string())
    handle.write((",".join(_csv_field(header).to_pylist()) + "\n").encode("utf-8"))
    comma, newline = pa.scalar(",", pa.large_string()), pa.scalar("\n", pa.large_string())
    columns = [_column_fields(frame.iloc[:, j]) for j in range(frame.shape[1])]
    for start in range(0, len(frame), CSV_BATCH):
        stop = min(len(frame), start + CSV_BATCH)
        lines = pc.binary_join_element_wise(*[c(start, stop) for c in columns], comma)
        lines = pc.binary_join_element_wise(lines, pa.scalar("", pa.large_string()), newline)
        write_text_array(lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines, handle)


def write_text_array(lines, handle) -> None:
    """Write the concatenated bytes of an Arrow string (or large string) array to a binary handle."""
    import numpy as np
    import pyarrow as pa

    width = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    offsets = np.frombuffer(lines.buffers()[1], dtype=width)[lines.offset : lines.offset + len(lines) + 1]
    if len(lines):
        handle.write(memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])])


def write_json(obj, path: str | Path) -> Path:
    """Write ``obj`` as sorted, indented JSON with a trailing newline, atomically."""
    with atomic_write(path) as handle:
        json.dump(obj, handle, indent=2, sort_keys=True, ensure_ascii=False, default=str)
        handle.write("\n")
    return note_output(path)


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` atomically (UTF-8, ``\\n`` line endings)."""
    with atomic_write(path) as handle:
        handle.write(text)
    return note_output(path)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
