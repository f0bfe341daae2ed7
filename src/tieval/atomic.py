"""Atomic, reproducible writes of files, and the record of what a step read and wrote.

The part of :mod:`tieval.store` that needs neither pandas nor Arrow, so that the runner process
(:mod:`tieval.pipeline`, :mod:`tieval.registry`, :mod:`tieval.report.html`) starts without
loading them (about 0.4 s per step).  :func:`atomic_write` writes to a temporary file beside the
target and renames it into place only when complete; :func:`note_input` / :func:`note_output`
keep the provenance record each notebook's footer reports; :func:`read_build_state` reads back the
JSON records the build keeps under ``.make/``.  :mod:`tieval.store` re-exports the writers and the
provenance record: import from there in analysis code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "atomic_write",
    "write_json",
    "write_text",
    "read_build_state",
    "sha256_file",
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


def read_build_state(path: str | Path | None) -> dict:
    """A JSON object the build keeps for itself under ``.make/`` (a cache, a stamp's record); empty
    when ``path`` is None, missing, unreadable or not an object, so that everything is redone."""
    if path is None or not Path(path).is_file():
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
