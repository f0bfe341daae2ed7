"""The notebooks in notebooks/ are stored as a reader should receive them: no outputs, no
execution counts, a tagged parameters cell, and no code that writes files itself.

Outputs belong to the executed copies under outputs/<study>/<step>/; a stored output would leak
one study's results (or a respondent's answer) into every fresh clone, and would make diffs of the
narrative unreadable.
"""

import json
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
    assert len(NOTEBOOKS) >= 7
