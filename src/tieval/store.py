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
from pathlib import Path
from typing import Iterator

import pandas as pd

__all__ = [
    "atomic_write", "write_csv", "write_csvs", "write_json", "write_text", "sha256_file", "FLOAT_FORMAT",
    "read_csv", "note_input", "note_output", "inputs_read", "outputs_written", "reset_provenance",
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
    from .errors import InputError

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
    with atomic_write(path) as handle:
        frame.to_csv(handle, index=index, lineterminator="\n", float_format=FLOAT_FORMAT)
    return note_output(path)


def write_csvs(frames: dict, *, index: bool = False) -> list[Path]:
    """Write several CSVs as one unit ({path: frame}): every file is written to a temporary
    file first and all are renamed into place only when every one is complete, so a failure
    leaves all the previous files as they were."""
    with contextlib.ExitStack() as stack:
        for path, frame in frames.items():
            handle = stack.enter_context(atomic_write(path))
            frame.to_csv(handle, index=index, lineterminator="\n", float_format=FLOAT_FORMAT)
    return [note_output(path) for path in frames]


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
