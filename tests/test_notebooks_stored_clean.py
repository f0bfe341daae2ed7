"""The notebooks in notebooks/ are stored as a reader should receive them: no outputs, no
execution counts, a tagged parameters cell, and no code that writes files itself.

Outputs belong to the executed copies under outputs/<study>/<step>/; a stored output would leak
one study's results (or a respondent's answer) into every fresh clone, and would make diffs of the
narrative unreadable.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_no_outputs_and_a_parameters_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, f"{path.name}: no code cell"
    for cell in code:
        assert cell.get("outputs") == [], f"{path.name} cell {cell.get('id')}: stored outputs"
        assert cell.get("execution_count") is None, f"{path.name} cell {cell.get('id')}: execution count"
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: expected one cell tagged 'parameters', found {len(tagged)}"
    assert code[0] is tagged[0], f"{path.name}: the parameters cell must be the first code cell"


def test_there_is_a_notebook_per_step():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06"]


PIPELINE = [p for p in NOTEBOOKS if not p.stem.startswith("00_")]
_WRITES = re.compile(r"\bstore\.|write_csv|to_csv|savefig|\bopen\(|write_bytes|write_text")
_LOGIC = re.compile(r"^\s*(if|for|while|def|class)\b", re.M)


@pytest.mark.parametrize("path", PIPELINE, ids=lambda p: p.stem)
def test_pipeline_notebook_writes_only_through_its_step(path):
    """A pipeline notebook narrates and displays: one ``<step>.write(result)`` call writes every
    file; no other cell writes, branches or loops (the step's result carries its notes)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert sum(len(re.findall(r"\.write\(result\)", c)) for c in code) == 1, f"{path.name}: one write(result) call"
    for cell in code:
        assert not _WRITES.search(cell), f"{path.name}: a cell writes a file itself:\n{cell}"
        assert not _LOGIC.search(cell), f"{path.name}: logic in a notebook cell:\n{cell}"
