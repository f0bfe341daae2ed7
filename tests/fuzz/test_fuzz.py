"""The fuzz suite (``make fuzz``, marker ``fuzz``): every hostile input gives one line, changes nothing.

In-process cases (:mod:`tests.fuzz.cases`) run the preflight and the reading steps against a copy of
this checkout's built project; the CLI cases run ``python -m tieval``'s ``main`` in process.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from tests.fuzz.cases import CASES
from tests.fuzz.harness import (
    ROOT,
    assert_one_line,
    formula_cells,
    identifying_values,
    make_copy,
    run_case,
    step_warnings,
    write_results,
)

from tieval.__main__ import main

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="session")
def built_base(tmp_path_factory) -> Path:
    if not (ROOT / "outputs" / "html" / "index.html").is_file():
        pytest.skip("the fuzz suite runs against a built project: run `make` first")
    base = make_copy(tmp_path_factory.mktemp("fuzz") / "base")
    assert not formula_cells(base), "the built outputs hold formula cells"
    return base


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case, built_base, tmp_path):
    results: list = []
    message = run_case(case, built_base, tmp_path / "root", results)
    if case.expect:
        assert_one_line(message, case.expect)
        assert len(message) < 2000, f"the line is {len(message)} characters long"  # a long cell is cut, not echoed
        assert not any(secret in message for secret in case.secrets), message  # the line itself leaks nothing
    else:  # a variant that must be read as it is (BOM, CRLF, a declared encoding, a long cell)
        assert message is None, message
    root = tmp_path / "root"
    warnings = step_warnings(results)
    for fragment in case.warns:
        assert any(fragment in w for w in warnings), (fragment, warnings)
    if case.written:
        text = write_results(case.study, results, root)
        for fragment in case.written:
            assert fragment in text, fragment
    assert not identifying_values(root, case.secrets)
    assert not formula_cells(root)


CLI = [
    (["run", "03_tables", "--study", "../x/evilstudy"], "'../x/evilstudy'"),
    (["run", "03_tables", "--study", "lan cs"], "'lan cs'"),
    (["run", "03_tables", "--study", "lancé"], "'lancé'"),
    (["run", "03_tables", "--study", ""], "''"),
    (["run", "03_tables", "--study", "/etc"], "'/etc'"),
    (["run", "03_tables", "--study", "a/../../b", "--stage"], "'a/../../b'"),
    (["check", "--study", "../../etc"], "'../../etc'"),
    (["publish", "--study", "../outputs"], "'../outputs'"),
    (["manifest", "--study", "../lancashire-tiat/raw"], "'../lancashire-tiat/raw'"),
    (["check-config", "surrey-als", "../x"], "'../x'"),
    (["migrate", "x y"], "'x y'"),
    (["new-study", "../evil"], "'../evil'"),
    (["validate", "data/surrey-als/raw/survey.csv", "--study", "../../tmp"], "'../../tmp'"),
    (["run", "03_tables", "--study=-rf"], "'-rf'"),
    (["run", "03_tables", "--study", "x\ny"], "'x\\\\ny'"),
]


@pytest.mark.parametrize(("argv", "found"), CLI, ids=[" ".join(a[:1] + a[-1:]) for a, _ in CLI])
def test_study_ids_are_refused_before_any_use(argv, found, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    assert code == 2
    line = err.getvalue()
    assert line.count("\n") == 1 and line.startswith("error: study id: expected a study id of ASCII letters"), line
    assert found in line, line
    assert not any(tmp_path.iterdir())  # nothing was created anywhere
