"""The step runner (tieval.pipeline) without a build: normalisation, paths, the one-line report of a
step, and how failures inside a notebook come out, with tiny notebooks of our own run in a real
kernel (about two seconds each)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tieval import pipeline
from tieval.errors import InputError


def _executed_like_papermill(root: Path):
    nb = new_notebook()
    nb.metadata["papermill"] = {
        "start_time": "2026-01-01T00:00:00",
        "end_time": "2026-01-01T00:00:05",
        "duration": 5.0,
        "exception": None,
        "input_path": f"{root}/notebooks/x.ipynb",
        "output_path": "out.ipynb",
        "environment_variables": {},
        "parameters": {"study": "s"},
        "version": "2.7.0",
    }
    injected = new_code_cell('study = "s"', metadata={"tags": ["injected-parameters"], "papermill": {"duration": 0.1}})
    injected["id"] = "random-1234"
    cell = new_code_cell("print(path)")
    cell.metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:01"}
    cell.metadata["papermill"] = {"status": "completed"}
    cell.outputs = [
        new_output("stream", name="stdout", text=f"read {root}/data/s/raw/survey.csv\nat {root}\n"),
        new_output("execute_result", data={"text/plain": "<object at 0x7f3a2b4c5d6e>"}, execution_count=1),
        new_output("error", ename="KeyError", evalue=f"{root}/x", traceback=[f"File {root}/src/a.py"]),
    ]
    nb.cells = [new_markdown_cell("# Title"), injected, cell]
    nb.cells[0]["id"], cell["id"] = "title", "cell"
    return nb


def test_normalise_removes_timings_fixes_the_injected_id_and_scrubs_paths(tmp_path):
    root = tmp_path.resolve()
    nb = _executed_like_papermill(root)
    pipeline.normalise_notebook(nb, root)
    assert nb.metadata["papermill"] == {"parameters": {"study": "s"}, "version": "2.7.0"}
    injected, cell = nb.cells[1], nb.cells[2]
    assert injected["id"] == "injected-parameters" and "papermill" not in injected.metadata
    assert "execution" not in cell.metadata and "papermill" not in cell.metadata
    stream, result, error = cell.outputs
    assert stream["text"] == "read data/s/raw/survey.csv\nat .\n"
    assert result["data"]["text/plain"] == "<object at 0x…>"
    assert error["evalue"] == "x" and error["traceback"] == ["File src/a.py"]


def test_normalise_is_idempotent_and_gives_the_same_bytes(tmp_path):
    root = tmp_path.resolve()
    a, b = _executed_like_papermill(root), _executed_like_papermill(root)
    pipeline.normalise_notebook(a, root)
    pipeline.normalise_notebook(b, root)
    first = nbformat.writes(a)
    pipeline.normalise_notebook(a, root)
    assert nbformat.writes(a) == first == nbformat.writes(b)


def test_paths_of_a_step():
    root = Path("r")
    assert pipeline.notebook_path("03_tables", root) == Path("r/notebooks/03_tables.ipynb")
    assert pipeline.executed_path("03_tables", "s", root) == Path("r/outputs/s/03_tables/03_tables.ipynb")
    assert pipeline.failed_path("03_tables", "s", root) == Path("r/.make/failed/s/03_tables.failed.ipynb")


def test_step_line_is_one_aligned_line():
    assert pipeline.step_line("lancashire-tiat", "03_tables", 4.24) == "lancashire-tiat    03_tables            4.2 s"
    assert pipeline.step_line("s", "01_study_overview", 12.0).split() == ["s", "01_study_overview", "12.0", "s"]


# --- running tiny notebooks --------------------------------------------------------------------


def _project(tmp_path: Path, body: str) -> Path:
    """A project root with one notebook ``notebooks/99_probe.ipynb``: a parameters cell, then ``body``."""
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Probe\n\nA notebook of the runner's tests."),
        new_code_cell('study = "none"', metadata={"tags": ["parameters"]}),
        new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, str(tmp_path / "notebooks" / "99_probe.ipynb"))
    return tmp_path


@pytest.fixture()
def in_project(monkeypatch):
    def enter(root: Path) -> Path:
        monkeypatch.chdir(root)
        monkeypatch.delenv("TIEVAL_ROOT", raising=False)
        return Path(".")

    return enter


def test_a_step_runs_quietly_and_its_executed_notebook_is_normalised(tmp_path, in_project, capfd):
    """The kernel inherits this process's stdout and stderr: capfd sees anything it logs (the TCP
    warning came every time; the shutdown KeyboardInterrupt now and then)."""
    root = in_project(_project(tmp_path, 'import os\nprint(study, os.environ["TIEVAL_ROOT"], os.getcwd())'))
    out, err = io.StringIO(), io.StringIO()
    assert pipeline.run_command("99_probe", "demo", parameters={}, out=out, err=err, render=False, check=False) == 0
    assert err.getvalue() == ""
    assert capfd.readouterr() == ("", "")
    line = out.getvalue()
    assert line.endswith(" s\n") and line.split()[:2] == ["demo", "99_probe"] and line.count("\n") == 1
    target = pipeline.executed_path("99_probe", "demo", root)
    nb = json.loads(target.read_text(encoding="utf-8"))
    printed = "".join(nb["cells"][-1]["outputs"][0]["text"])
    assert printed == "demo . .\n"  # the study injected, TIEVAL_ROOT relative, the cwd scrubbed
    assert [c["id"] for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])] == [
        "injected-parameters"
    ]
    assert "start_time" not in nb["metadata"]["papermill"]
    assert not list(target.parent.glob(".*"))  # no scratch file left behind
    assert os.environ.get("TIEVAL_ROOT") is None  # the runner restores the environment


def test_an_input_error_in_a_notebook_comes_out_as_its_one_line(tmp_path, in_project):
    body = (
        "from tieval.errors import InputError\n"
        'raise InputError("data/demo/raw/survey.csv", "a number from 1 to 5", row=3, column="Q1", found="lots")'
    )
    root = in_project(_project(tmp_path, body))
    with pytest.raises(InputError) as caught:
        pipeline.run_step("99_probe", "demo", render=False)
    assert caught.value.one_line() == (
        "error: data/demo/raw/survey.csv, row 3, column Q1: expected a number from 1 to 5; found 'lots'"
    )
    assert not pipeline.executed_path("99_probe", "demo", root).exists()
    assert pipeline.failed_path("99_probe", "demo", root).is_file()


def test_a_bug_in_a_notebook_reports_the_cell_and_keeps_the_failed_notebook(tmp_path, in_project):
    root = in_project(_project(tmp_path, "{}['missing']"))
    good = pipeline.executed_path("99_probe", "demo", root)
    good.parent.mkdir(parents=True)
    good.write_text("previous good output", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert pipeline.run_command("99_probe", "demo", out=out, err=err, render=False, check=False) == 1
    assert out.getvalue() == ""
    assert err.getvalue() == (
        "error: 99_probe.ipynb failed for study demo in cell 3: KeyError: 'missing'; "
        "traceback in .make/failed/demo/99_probe.failed.ipynb\n"
    )
    failed = json.loads(pipeline.failed_path("99_probe", "demo", root).read_text(encoding="utf-8"))
    assert any(o.get("ename") == "KeyError" for c in failed["cells"] for o in c.get("outputs", []))
    assert good.read_text(encoding="utf-8") == "previous good output"  # the last good run is kept


def test_an_unknown_step_is_an_input_error(tmp_path, in_project):
    in_project(_project(tmp_path, "pass"))
    with pytest.raises(InputError, match=r"notebooks/nope\.ipynb: expected a pipeline notebook named nope\.ipynb"):
        pipeline.run_step("nope", "demo", render=False)
