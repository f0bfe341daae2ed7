"""Jupyter machinery of the runner process: read, execute (papermill), write and export notebooks.

Both the runner (:mod:`tieval.pipeline`) and the HTML pages (:mod:`tieval.report.html`)
reach nbformat, papermill and nbconvert through this module, which imports nothing of
tieval, so neither of them needs the other.  papermill and nbconvert are loaded on first use
(``execute``, ``ExecutionError``, ``HTMLExporter``): the build's light commands (``check``,
``publish``, ``index``) start in about 0.2 s instead of 1.5 s.  Two settings are made here, once:

- before the libraries load, jsonschema's optional IRI validator is marked unavailable:
  nbformat imports jsonschema, which imports the optional ``rfc3987_syntax`` when it is
  installed (jupyterlab brings it), and that package compiles a grammar at import time
  (2.7 s per step on this machine).  Notebook validation never checks IRI formats, and
  jsonschema treats the module as a missing optional dependency.  Kernels are unaffected.
- papermill is imported without its HDFS handler (:func:`_papermill`): papermill probes
  ``pyarrow.fs`` at import time for ``hdfs://`` paths, which loads pyarrow and numpy into the
  runner (0.26 s per step on this machine) although the runner never reads data; our
  notebooks are local files.  When the runner has loaded ``pyarrow.fs`` already, papermill
  gets it as usual.
- :func:`execute` starts the kernel quietly and safely: over IPC sockets in a private
  temporary folder (no TCP port on localhost, so no "Kernel is running over TCP without
  encryption" warning, and parallel steps cannot collide), with the kernel's own log at
  CRITICAL.  jupyter_client interrupts every kernel before shutting it down; when the
  interrupt lands while the kernel is still finishing its last reply, ipykernel logs
  "ERROR | KeyboardInterrupt caught in kernel", which is noise.  Errors in cells do not
  go through that log: they come back as messages and papermill raises them.
  The kernel is stopped at once after the last cell (``shutdown_kernel="immediate"``):
  every file a step writes is complete when its cell returns, and a graceful shutdown
  only waits about 0.4 s for the kernel's interpreter to tear down.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402 - after the line above, which it relies on

__all__ = ["ExecutionError", "HTMLExporter", "execute", "read", "writes", "KERNEL_ARGUMENTS"]  # noqa: F822 - the first two are loaded on first use (__getattr__)


def __getattr__(name: str):
    """``ExecutionError`` (papermill's error for an exception raised inside a notebook cell:
    ``ename``, ``evalue``, ``exec_count``) and ``HTMLExporter`` (nbconvert's), imported when first
    used: the commands that only read notebooks (``index``, ``publish``) never load papermill,
    nbclient or nbconvert."""
    if name == "ExecutionError":
        return _papermill().PapermillExecutionError
    if name == "HTMLExporter":
        from nbconvert import HTMLExporter  # noqa: PLC0415 - see above

        return HTMLExporter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _papermill():
    """The ``papermill`` module, imported (first time) with ``pyarrow.fs`` marked unavailable
    unless it is loaded already, so that papermill registers no HDFS handler (module notes)."""
    if "papermill" in sys.modules:
        return sys.modules["papermill"]
    blocked = "pyarrow.fs" not in sys.modules
    if blocked:
        sys.modules["pyarrow.fs"] = None  # an import of it raises ImportError
    try:
        import papermill  # noqa: PLC0415 - loaded by the runner only (see __getattr__)
    finally:
        if blocked:
            del sys.modules["pyarrow.fs"]
    return papermill


#: Command-line options of every kernel: its own log only for critical problems (see the module notes).
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]


def read(path: str | Path):
    """A notebook file as a notebook node (nbformat 4)."""
    return nbformat.read(str(path), as_version=4)


def writes(nb) -> str:
    """A notebook node as the text of its ``.ipynb`` file (with the final newline editors add)."""
    return nbformat.writes(nb) + "\n"


def execute(source: Path, target: Path, parameters: dict, cwd: Path, kernel_manager: str | None = None) -> None:
    """Run notebook ``source`` with ``parameters`` injected (papermill) in a fresh ``python3`` kernel
    whose working directory is ``cwd``; write the executed notebook to ``target``.
    ``kernel_manager``: the dotted name of nbclient's kernel manager class, when not its default
    (the warm runner's, :mod:`tieval.warm.kernel`).

    Raises :data:`ExecutionError` when a cell raises."""
    from traitlets.config import Config  # noqa: PLC0415

    papermill = _papermill()

    with tempfile.TemporaryDirectory(prefix="tieval-kernel-") as sockets:
        config = Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}})
        if kernel_manager:
            config.NotebookClient.kernel_manager_class = kernel_manager
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            cwd=str(cwd),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            config=config,
            extra_arguments=KERNEL_ARGUMENTS,
            shutdown_kernel="immediate",
        )
