"""The fuzz suite's machinery: a small built copy of the project, mutations, and the checks every case makes.

A case copies the pristine study folders of a built copy (``data/`` of this checkout, with the
processed data and outputs of its last ``make``) into a fresh root, applies one hostile change to
one input, re-records the raw manifest when the change is to a raw file (so the bad bytes reach
their parser instead of stopping at the checksum), then runs, in this process, the build's
preflight check and the step functions that read that input.  Every case then asserts:

- the one-line message (``error: <file>, row/key ...: expected ...; found ...``) holds the given
  fragments, has no line break and no traceback;
- the previous outputs (``outputs/`` and ``data/processed/`` of the copy) are byte-identical;
- the raw files are byte-identical to what the case wrote (nothing modifies raw data);
- no identifying value planted by the case appears in any output, and no CSV output has a
  formula cell (checked over the outputs of the copy and of accepted cases' writes).

An accepted case may also name fragments of the warnings its steps give (``warns``: a reader's
warning is not an error line) and fragments that the CSVs its steps then write must hold
(``written``: the steps' ``write`` and the CSV copies of the processed data, ``make csv``, run in
the copy after the checks above; e.g. a formula-looking free text arrives neutralised).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tieval.errors import InputError
from tieval.integrity import preflight, write_manifest
from tieval.registry import step as registry_step
from tieval.store import FORMULA_TRIGGERS

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Case:
    """One hostile input: ``change(root)`` edits the copy; ``steps`` are run after the preflight;
    ``expect`` are fragments of the one-line message (empty tuple: the input must be accepted)."""

    id: str
    kind: str
    study: str
    change: object
    expect: tuple[str, ...]
    steps: tuple[str, ...] = ()
    raw: bool = True
    secrets: tuple[str, ...] = field(default_factory=tuple)
    warns: tuple[str, ...] = ()
    written: tuple[str, ...] = ()


def digests(base: Path, subs=("outputs", "data/processed")) -> dict[str, str]:
    """sha256 of every file below ``base/<sub>`` for each sub, 40-hex commit ids masked (as
    ``compare.sh`` does: a rebuild after a commit records the new commit in footers and provenance;
    a copy outside a git checkout records 'unknown')."""
    out = {}
    for sub in subs:
        for p in sorted((base / sub).rglob("*")):
            if p.is_file() and p.name != "manifest.json":  # its checksums are of the files compared here
                data = _COMMIT.sub(b"<commit>", p.read_bytes())
                out[p.relative_to(base).as_posix()] = hashlib.sha256(data).hexdigest()
    return out


_COMMIT = re.compile(rb"[0-9a-f]{40}(?:\+modified)?|\bunknown\b")  # 'unknown': a copy outside git


def make_copy(dest: Path) -> Path:
    """A project root holding the data, processed data and outputs of this checkout's last build."""
    (dest / "data").mkdir(parents=True)
    for entry in (ROOT / "data").iterdir():
        if entry.is_dir():
            shutil.copytree(entry, dest / "data" / entry.name)
    shutil.copytree(ROOT / "outputs", dest / "outputs", ignore=shutil.ignore_patterns("bench"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    (dest / "notebooks").symlink_to(ROOT / "notebooks")
    return dest


def run_case(case: Case, base: Path, work: Path, results: list | None = None) -> str | None:
    """Apply ``case`` to a fresh copy of ``base``'s data at ``work``; return the one-line message
    (None when the input was accepted).  ``results`` receives each step's result."""
    shutil.copytree(base, work, symlinks=True)
    case.change(work)
    if case.raw:
        for sid in ("lancashire-tiat", "surrey-als"):
            raw = work / "data" / sid / "raw"
            if raw.is_dir():
                with contextlib.suppress(InputError):
                    write_manifest(raw)
    before_out = digests(work)
    before_raw = digests(work, [f"data/{sid}/raw" for sid in ("lancashire-tiat", "surrey-als")])
    message = attempt(case.study, case.steps, work, results)
    assert digests(work) == before_out, "previous outputs changed"
    after_raw = digests(work, [f"data/{sid}/raw" for sid in ("lancashire-tiat", "surrey-als")])
    assert after_raw == before_raw, "raw files changed"
    return message


@contextlib.contextmanager
def inside(root: Path):
    """Run the block with ``root`` as the working directory and the project root."""
    old_cwd, old_env = Path.cwd(), os.environ.get("TIEVAL_ROOT")
    os.chdir(root)
    os.environ["TIEVAL_ROOT"] = "."
    try:
        yield
    finally:
        os.chdir(old_cwd)
        if old_env is None:
            os.environ.pop("TIEVAL_ROOT", None)
        else:
            os.environ["TIEVAL_ROOT"] = old_env


def attempt(study: str, steps, root: Path, results: list | None = None) -> str | None:
    """The preflight, then each step's pure ``run`` (nothing written), in ``root``; the one line or None.
    ``results`` (if given) receives ``(step module, result)`` of each step run."""
    with inside(root):
        try:
            cfg = preflight(study, Path("."))
            for name in steps:
                module = importlib.import_module(registry_step(name).step_module)
                result = module.run(cfg)
                if results is not None:
                    results.append((module, result))
        except InputError as exc:
            return exc.one_line()
        except OSError as exc:
            from tieval.__main__ import os_error_line  # noqa: PLC0415 - the CLI's own line for OS errors

            return os_error_line(exc)
    return None


def step_warnings(results) -> list[str]:
    """The warnings of the steps' results: each survey export's reader and validation warnings."""
    out = []
    for _, result in results:
        cleaned = getattr(result, "cleaned", None)
        for wave in getattr(cleaned, "waves", ()) or ():
            for validation in wave.validations:
                out += list(validation.warnings)
    return out


def write_results(study: str, results, root: Path) -> str:
    """Write the steps' results in ``root`` (each module's ``write``), then the CSV copies of the
    processed data (``make csv``); the text of every CSV below ``outputs/`` and ``data/processed/``."""
    from tieval.config import load_study  # noqa: PLC0415 - only for cases that write
    from tieval.survey.data import export_csv  # noqa: PLC0415

    with inside(root):
        for module, result in results:
            module.write(result)
        export_csv(load_study(study, check_files=False))
    return "\n".join(
        p.read_text(encoding="utf-8")
        for sub in ("outputs", "data/processed")
        for p in sorted((root / sub).rglob("*.csv"))
    )


def assert_one_line(message: str | None, expect) -> None:
    """The message is one ``error:`` line holding every fragment of ``expect``."""
    assert message is not None, "the hostile input was accepted silently"
    assert message.startswith("error: ") and "\n" not in message and "Traceback" not in message, message
    for fragment in expect:
        assert fragment in message, (fragment, message)


def formula_cells(base: Path) -> list[str]:
    """CSV cells below ``base/outputs`` and ``base/data/processed`` (the CSV copies) that a spreadsheet would evaluate (text starting with a
    formula trigger that is not a plain number)."""
    bad = []
    for p in sorted([*(base / "outputs").rglob("*.csv"), *(base / "data" / "processed").rglob("*.csv")]):
        with p.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell[:1] in FORMULA_TRIGGERS and not _number(cell):
                        bad.append(f"{p.relative_to(base)}: {cell[:40]}")
    return bad


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def identifying_values(base: Path, secrets) -> list[str]:
    """Files below ``base/outputs`` and ``base/data/processed`` that hold any of ``secrets``."""
    found = []
    for sub in ("outputs", "data/processed"):
        for p in sorted((base / sub).rglob("*")):
            if p.is_file() and p.suffix in (".csv", ".html", ".ipynb", ".json", ".txt", ".qde", ".parquet"):
                data = p.read_bytes()
                found += [f"{p.relative_to(base)}: {s}" for s in secrets if s.encode() in data]
    return found
