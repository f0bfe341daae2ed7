"""Running one pipeline step: execute a notebook with papermill, make it reproducible, render its HTML.

``python -m tieval run 03_tables --study lancashire-tiat`` (what the generated
make rules call, see :mod:`tieval.registry`) executes ``notebooks/03_tables.ipynb``
with ``study`` injected, then

1. normalises the executed notebook so the same inputs give the same bytes
   (papermill's timestamps and durations removed, the injected cell given a
   fixed id, absolute paths of this checkout replaced by ``.``);
2. writes it to ``outputs/<study>/03_tables/03_tables.ipynb``;
3. renders the reader view (code hidden) and the auditor view (code shown)
   into ``outputs/html/<study>/`` (see :mod:`tieval.report.html`).

Everything is written atomically and only after the notebook ran to the end:
a failing step leaves the previous outputs as they were.  When the failure is
an input problem (:class:`~tieval.errors.InputError`), the one-line message
raised inside the notebook is re-raised here, so the build prints
``error: <file>, row <r>, column <c>: expected ...`` and no traceback.
:func:`run_command` is the command line's entry: it prints one line per step
(study, step, seconds) and nothing else when the step succeeds.

Notebooks are read, executed and written through :mod:`tieval.notebook_io`
(which the HTML module shares), so this module and :mod:`tieval.report.html`
do not import each other.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from pathlib import Path

from tieval import notebook_io, registry, staging
from tieval.atomic import atomic_write
from tieval.config import load_study
from tieval.console import step_line
from tieval.errors import InputError
from tieval.integrity import preflight, recorded_hashes
from tieval.paths import check_stamp, check_study_id, failed_dir, project_root, step_dir
from tieval.report.html import render_views
from tieval.warm.client import served_kernel_manager

__all__ = [
    "StepFailed",
    "run_step",
    "run_command",
    "step_line",
    "normalise_notebook",
    "executed_path",
    "failed_path",
    "notebook_path",
]

#: Exception names raised inside a notebook that count as input problems (one-line message, exit 2).
INPUT_ERRORS = {"InputError", "ConfigError"}


class StepFailed(RuntimeError):
    """A notebook failed for a reason other than bad input (a bug): the traceback is kept."""


def notebook_path(step: str, root: Path | None = None) -> Path:
    """``notebooks/<step>.ipynb``."""
    return (root or project_root()) / "notebooks" / f"{step}.ipynb"


def executed_path(step: str, study: str, root: Path | None = None) -> Path:
    """``outputs/<study>/<step>/<step>.ipynb``: the executed, normalised notebook."""
    return step_dir(study, step, root) / f"{step}.ipynb"


def failed_path(step: str, study: str, root: Path | None = None) -> Path:
    """``.make/failed/<study>/<step>.failed.ipynb``: the last failed run, kept with its traceback for
    debugging, redacted, and outside the published site (never under ``outputs/``)."""
    return failed_dir(study, root) / f"{step}.failed.ipynb"


def run_step(
    step: str,
    study: str,
    parameters: dict | None = None,
    *,
    root: Path | None = None,
    render: bool = True,
    stage: bool = False,
    check: bool = False,
) -> Path:
    """Execute one notebook for one study and write its executed copy and HTML views.

    With ``check`` the study is checked first (:func:`tieval.integrity.preflight`: id, paths,
    manifest; a raw file unchanged since the study's last ``check --stamp`` is not hashed again).
    With ``stage`` the step runs in the study's staging mirror (:mod:`tieval.staging`;
    ``python -m tieval publish`` publishes the study when all its steps are staged) after its
    previous staged outputs are removed.  The executed notebook is written last, after the HTML
    views, so a failed render leaves the step out of date for make.

    Returns the path of the executed notebook.  Raises :class:`InputError` for
    bad input and :class:`StepFailed` for any other failure inside the notebook.
    """
    root = Path(root or project_root())
    check_study_id(study)
    source = notebook_path(step, root)
    if not source.is_file():
        raise InputError(source, f"a pipeline notebook named {step}.ipynb")
    if check:
        # a raw file unchanged since the study's check last hashed it is not hashed again here; the
        # cleaning step's own code (clean.prepare_study) hashes the exports again before reading them
        preflight(study, root, exports=_reads_exports(step), known=recorded_hashes(check_stamp(study, root)))
    work = root
    if stage:
        work = staging.prepare_stage(study, root)
        with contextlib.suppress(KeyError):
            staging.clear_step(registry.step(step), study, work)
    params = {"study": study, **(parameters or {})}
    target = executed_path(step, study, work)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.stem}.running.ipynb")
    env_root = os.environ.get("TIEVAL_ROOT")
    os.environ["TIEVAL_ROOT"] = "."
    try:
        notebook_io.execute(source, scratch, params, work, served_kernel_manager())
    except notebook_io.ExecutionError as exc:
        _keep_failed(scratch, step, study, root, work)
        _raise_from_notebook(exc, source, study)
    except BaseException:
        _keep_failed(scratch, step, study, root, work)
        raise
    finally:
        if env_root is None:
            os.environ.pop("TIEVAL_ROOT", None)
        else:
            os.environ["TIEVAL_ROOT"] = env_root

    nb = notebook_io.read(scratch)
    normalise_notebook(nb, root, extra_roots=(work,))
    if render:
        render_views(nb, step, study, work)
    with atomic_write(target) as handle:
        handle.write(notebook_io.writes(nb))
    scratch.unlink(missing_ok=True)
    failed_path(step, study, root).unlink(missing_ok=True)
    return target


def _reads_exports(step: str) -> bool:
    """Whether ``step`` reads the survey exports: only a step reading ``raw/`` as a whole (the cleaning
    step) does; a notebook the registry does not know is assumed to."""
    try:
        return "raw" in registry.step(step).reads
    except KeyError:
        return True


def _keep_failed(scratch: Path, step: str, study: str, root: Path, work: Path) -> None:
    """Move a failed run out of the way of the good outputs, to :func:`failed_path`, redacted: every
    output, error message and traceback goes through the study's redaction (listed and detected
    names, e-mail addresses, phone numbers, URLs, IP addresses)."""
    if not scratch.exists():
        return
    try:
        nb = notebook_io.read(scratch)
        normalise_notebook(nb, root, extra_roots=(work,))
        redact_notebook(nb, _redact_names(study, root))
        dest = failed_path(step, study, root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(dest) as handle:
            handle.write(notebook_io.writes(nb))
    except Exception:  # noqa: BLE001 - keeping a debugging copy must never hide the step's own error
        pass
    finally:
        scratch.unlink(missing_ok=True)


def _redact_names(study: str, root: Path) -> tuple[str, ...]:
    """The study's ``survey.redact_names`` (none when its config cannot be read)."""
    try:
        cfg = load_study(study, root, check_files=False)
    except Exception:  # noqa: BLE001 - a broken config is reported by the step itself
        return ()
    return tuple(cfg.survey.redact_names) if cfg.survey is not None else ()


def redact_notebook(nb, names=()) -> None:
    """Redact every output of every cell in place (text, rich data, error names, values and tracebacks).

    Only a failed run is redacted here, so the redaction (and pandas under it) is imported here,
    not by every step's runner."""
    from tieval.survey.redact import redact_text  # noqa: PLC0415 - pandas: loaded only for a failed run

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = redact_text(_joined(output["text"]), names)
            for mime, value in list(output.get("data", {}).items()):
                if mime.startswith("text/") and not isinstance(value, dict):
                    output["data"][mime] = redact_text(_joined(value), names)
            if "evalue" in output:
                output["evalue"] = redact_text(output["evalue"], names)
            if "traceback" in output:
                output["traceback"] = [redact_text(t, names) for t in output["traceback"]]


def run_command(
    step: str,
    study: str,
    parameters: dict | None = None,
    *,
    out=None,
    err=None,
    render: bool = True,
    stage: bool = False,
    check: bool = True,
) -> int:
    """Run a step for the command line; return the exit status.

    Success prints :func:`step_line` to ``out`` (default stdout).  A failure that is not an input
    problem prints one line naming the failed cell and the kept notebook holding the traceback to
    ``err`` (default stderr) and returns 1; input problems propagate as :class:`InputError` (the
    command line prints their one line and exits 2).  Under a staged build (``stage``, what make
    runs) an input problem also names the step and says the study's outputs were not replaced."""
    start = time.perf_counter()
    try:
        run_step(step, study, parameters, render=render, stage=stage, check=check)
    except StepFailed as exc:
        print(f"error: {exc}; traceback in {failed_path(step, study).as_posix()}", file=err or sys.stderr)
        return 1
    except InputError as exc:
        if not stage:
            raise
        print(f"{exc.one_line()} [{not_published(step, study)}]", file=err or sys.stderr)
        return 2
    print(step_line(study, step, time.perf_counter() - start), file=out or sys.stdout, flush=True)
    return 0


def not_published(step: str, study: str) -> str:
    """The note a failed staged step adds to its message: which step failed, and that nothing was replaced."""
    return f"step {step} of {study} failed: outputs/{study}/ keeps the last complete build"


def _raise_from_notebook(exc, source: Path, study: str):
    if exc.ename in INPUT_ERRORS:
        message = exc.evalue
        raise _ReportedInputError(message) from None
    raise StepFailed(
        f"{source.name} failed for study {study} in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
    ) from None


class _ReportedInputError(InputError):
    """An InputError raised inside a notebook kernel, carried out with its message intact."""

    def __init__(self, message: str):
        ValueError.__init__(self, message)
        self.file, self.row, self.column, self.expected, self.found = None, None, None, message, None

    def __str__(self) -> str:
        return self.args[0]


_VOLATILE_NB_KEYS = (
    "start_time",
    "end_time",
    "duration",
    "exception",
    "input_path",
    "output_path",
    "environment_variables",
)


def normalise_notebook(nb, root: Path | None = None, extra_roots=()) -> None:
    """Strip what varies between runs of the same inputs (in place).

    Removes papermill's per-cell and per-notebook timings, nbclient's execution
    timestamps, gives papermill's injected-parameters cell the fixed id
    ``injected-parameters``, and replaces this checkout's absolute path in any
    output with ``.``."""
    meta = nb.metadata.get("papermill", {})
    for key in _VOLATILE_NB_KEYS:
        meta.pop(key, None)
    roots = {str(Path(root or project_root()).resolve()), str(Path.cwd().resolve())}
    roots |= {str(Path(r).absolute()) for r in extra_roots} | {str(Path(r).resolve()) for r in extra_roots}
    roots = sorted((r for r in roots if r not in ("/", "")), key=len, reverse=True)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        for output in cell.get("outputs", []):
            _scrub_output(output, roots)


def _scrub_output(output, roots: list[str]) -> None:
    def scrub(text: str) -> str:
        for r in roots:
            text = text.replace(r + os.sep, "").replace(r, ".")
        return re.sub(r"0x[0-9a-f]{6,16}", "0x…", text)

    if "text" in output:
        output["text"] = scrub(_joined(output["text"]))
    for mime, value in list(output.get("data", {}).items()):
        if mime.startswith("text/") or mime in ("application/json",):
            output["data"][mime] = scrub(_joined(value)) if not isinstance(value, dict) else value
    if "traceback" in output:
        output["traceback"] = [scrub(t) for t in output["traceback"]]
    if "evalue" in output:
        output["evalue"] = scrub(output["evalue"])


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def load_json(path: Path) -> dict:
    """Read a JSON file written by :mod:`tieval.store`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
