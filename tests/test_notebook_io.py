"""The runner's Jupyter machinery: papermill loads without pyarrow, and still executes notebooks."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tieval import notebook_io


def test_papermill_is_imported_without_pyarrow_and_pyarrow_stays_importable():
    code = (
        "import sys, json\n"
        "from tieval import notebook_io\n"
        "pm = notebook_io._papermill()\n"
        "loaded = [m for m in ('pyarrow', 'pyarrow.fs', 'numpy') if m in sys.modules]\n"
        "import pyarrow.fs\n"
        "print(json.dumps({'loaded': loaded, 'same': notebook_io._papermill() is pm, 'fs': pyarrow.fs.__name__}))\n"
    )
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert out == {"loaded": [], "same": True, "fs": "pyarrow.fs"}


def test_a_loaded_pyarrow_fs_is_left_to_papermill():
    code = (
        "import sys, pyarrow.fs\n"
        "from tieval import notebook_io\n"
        "notebook_io._papermill()\n"
        "import papermill.iorw as io\n"
        "print(io.HadoopFileSystem is pyarrow.fs.HadoopFileSystem)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_execute_runs_the_notebook_with_its_parameters(tmp_path):
    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]}), new_code_cell("y = x * 2")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source, target = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, str(source))
    notebook_io.execute(source, target, {"x": 21}, tmp_path)
    done = nbformat.read(str(target), as_version=4)
    assert any("x = 21" in c.source for c in done.cells)
    assert done.metadata["papermill"]["parameters"] == {"x": 21}
