"""The audit step (tieval.steps.audit) without papermill.

Fixture: ``tests/fixtures/audit`` (the hand-made audit-mini study, whose published figures were
chosen so that every answer of the audit is known, and the tables the earlier steps would write)
copied into a temporary project root, the tables placed where the pipeline keeps them."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tieval.audit.records import AUDIT_COLUMNS, CHECK_COLUMNS
from tieval.config import load_study
from tieval.report.present import Note, Table
from tieval.steps import audit, qualitative

FIX = Path(__file__).resolve().parent / "fixtures" / "audit"


@pytest.fixture()
def root(tmp_path, monkeypatch):
    root = tmp_path / "root"
    shutil.copytree(FIX / "data", root / "data")
    shutil.copytree(FIX / "tables", root / "outputs" / "audit-mini" / "03_tables")
    (root / "outputs" / "audit-mini" / "02_clean").mkdir()
    shutil.move(
        root / "outputs" / "audit-mini" / "03_tables" / "exclusions.csv", root / "outputs" / "audit-mini" / "02_clean"
    )
    monkeypatch.setenv("TIEVAL_ROOT", str(root))
    return root


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in (root / "outputs").rglob("*"))


def test_run_reads_the_step_outputs_and_writes_nothing(root):
    before = _listing(root)
    result = audit.run(load_study("audit-mini"))
    assert _listing(root) == before
    assert len(result.tables.audit) == 43 and list(result.tables.audit.columns) == AUDIT_COLUMNS
    assert result.inputs.n_max == 20  # the largest exact count of the flow (the 500 invited are approximate)
    note, table = result.summary
    assert isinstance(note, Note) and note.text.startswith("The report prints 43 figures.")
    assert isinstance(table, Table) and table.frame["figures"].iloc[-1] == 43
    (found,) = result.discrepancies
    assert isinstance(found, Table) and found.base == f"{len(found.frame)} findings" and len(found.frame) > 0
    (checks,) = result.checks
    assert list(checks.frame.columns) == CHECK_COLUMNS
    assert checks.caption == "All consistency checks" and checks.csv == "audit_checks.csv"
    (den,) = result.denominators
    assert den.base.startswith("n searched from 1 to 20: ")
    assert result.notes == {}
    assert len(result.figures) == 1  # not reconstructed: no notice under the figures


def test_n_max_parameter(root):
    result = audit.run(load_study("audit-mini"), n_max=30)
    assert result.inputs.n_max == 30 and result.inputs.n_max_basis == "set by the parameter n_max"
    assert set(result.tables.denominators["n_searched"]) == {"1-30"}


def test_write_writes_the_three_tables(root):
    result = audit.run(load_study("audit-mini"))
    paths = audit.write(result)
    folder = root / "outputs" / "audit-mini" / "06_audit"
    assert [Path(p).name for p in paths] == [
        "audit.csv",
        "audit_checks.csv",
        "audit_denominators.csv",
        "audit_rules.csv",
        "erratum.csv",
    ]
    assert all(Path(p).resolve().parent == folder.resolve() for p in paths)
    written = pd.read_csv(folder / "audit.csv", dtype=str, keep_default_na=False)
    assert len(written) == 43 and list(written["figure_id"]) == list(result.tables.audit["figure_id"])
    checks = pd.read_csv(folder / "audit_checks.csv", dtype=str, keep_default_na=False)
    assert list(checks["check_id"]) == list(result.tables.checks["check_id"])


def test_a_report_without_percentages_has_a_note_for_its_denominators(tmp_path, monkeypatch):
    """The qualitative fixture study prints only counts; its reproductions come from the qualitative
    step's ``reproduced_qualitative.csv``, written here by that step's own ``write``."""
    from_root = tmp_path / "qroot"
    shutil.copytree(FIX.parent / "qual" / "qualfix", from_root / "data" / "qualfix")
    monkeypatch.setenv("TIEVAL_ROOT", str(from_root))
    study = load_study(from_root / "data" / "qualfix", check_files=False)
    qualitative.write(qualitative.run(study))
    result = audit.run(study)
    assert result.denominators == (Note(audit.NO_DENOMINATORS),)
    assert result.notes["denominators"] == audit.NO_DENOMINATORS
    status = result.tables.audit.set_index("figure_id")
    assert status.at["t3.youth_work", "status"] == "match" and status.at["t3.youth_work", "reproduced"] == 2
    assert status.at["t3.jan", "status"] == "not reproducible"  # a reconstructed count is not offered
