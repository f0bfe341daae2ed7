"""The triangulation step (tieval.steps.triangulation) without papermill.

Fixture: ``tests/fixtures/qual/qualfix`` copied into a temporary project root, with a survey section
added to its study.yml and processed survey tables written beside it: four respondents answering
B1 (agree, agree, disagree, not relevant), B2 (agree x3, neutral) and Y1 (yes x3, one skipped), as a
small questionnaire with item non-response and a not-relevant answer would give."""

import shutil
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pandas as pd
import pytest
import yaml

matplotlib.use("Agg")

from test_triangulate import ANSWERS  # noqa: E402 - the same four respondents as the triangulation tests
from tieval.config import load_study  # noqa: E402
from tieval.published import load_published  # noqa: E402
from tieval.report.figures import AppendixFigure  # noqa: E402
from tieval.report.present import Html, Note, Table  # noqa: E402
from tieval.steps import triangulation  # noqa: E402
from tieval.survey import counts, disclosure  # noqa: E402
from tieval.survey.data import load_survey, write_tables
from tieval.survey.published_tables import reproduce

FIX = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture()
def study(tmp_path, monkeypatch):
    root = tmp_path / "root"
    folder = root / "data" / "qualfix"
    shutil.copytree(FIX / "qual" / "qualfix", folder)
    config = yaml.safe_load((folder / "study.yml").read_text())
    config["survey"] = {"format": "form", "file": "raw/survey.csv", "id_column": "respondent_id"}
    (folder / "study.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (folder / "raw" / "survey.csv").write_text("respondent_id\n")  # placeholder: the step reads processed data
    responses = pd.DataFrame(
        ANSWERS, columns=["respondent_id", "item_id", "code", "label", "category", "missing_reason"]
    )
    responses.insert(0, "study", "qualfix")
    responses.insert(1, "wave", "survey")  # the data contract's wave column (schema.SINGLE_WAVE)
    respondents = pd.DataFrame(
        {
            "study": "qualfix",
            "wave": "survey",
            "respondent_id": ["R1", "R2", "R3", "R4"],
            "status": "complete",
            "exclusion_reason": "",
            "n_items_answered": [3, 3, 3, 2],
        }
    )
    write_tables("qualfix", {"responses": responses, "respondents": respondents}, root)
    monkeypatch.setenv("TIEVAL_ROOT", str(root))
    return load_study(folder, check_files=False)


def test_run_computes_statistics_from_the_responses_and_writes_nothing(study):
    result = triangulation.run(study)
    assert not (study.root.parents[1] / "outputs").exists()
    stats = result.tables["triangulation_statistics.csv"].set_index(["finding", "item_id"])
    assert stats.loc[("f_learn", "B1"), ["count", "base", "percent"]].tolist() == [2, 4, 50.0]
    assert stats.loc[("f_learn", "Y1"), ["count", "base", "percent"]].tolist() == [3, 3, 100.0]
    assert stats.loc[("f_survey_only", "B2"), "shown"].startswith("75% (3/4) [")
    matrix = result.tables["convergence_matrix.csv"].set_index("finding")
    assert matrix.at["Time", "survey"] == "" and matrix.at["Time", "interview"] == "silence"
    assert matrix.at["Learning", "survey"] == "agreement"
    assert set(result.tables) == {
        "triangulation_statistics.csv",
        "joint_display.csv",
        "convergence_matrix.csv",
        "silence_survey_units.csv",
        "silence_codes.csv",
        "recommendations.csv",
    }
    assert result.evidence == (Note("3 findings; 3 survey statistics computed from 4 respondents."),)
    figure, counts = result.matrix
    assert isinstance(figure, AppendixFigure) and figure.name == "convergence_matrix"
    assert figure.png[:8] == b"\x89PNG\r\n\x1a\n" and figure.base == "3 findings"
    assert "Learning: agreement (survey, interview, questionnaire free text)" in figure.alt
    assert dict(zip(counts.frame["convergence"], counts.frame["findings"])) == {
        "agreement": 1,
        "partial agreement": 0,
        "dissonance": 0,
        "silence": 2,
    }
    assert isinstance(result.joint[0], Html) and 'href="#finding-f_learn"' in result.joint[0].markup
    assert isinstance(result.recommendations[0], Table) and result.notes == {}


def test_write_writes_every_table_and_the_figure(study):
    result = triangulation.run(study)
    paths = triangulation.write(result)
    folder = study.root.parents[1] / "outputs" / "qualfix" / "05_triangulation"
    assert {Path(p).name for p in paths} == set(result.tables) | {"convergence_matrix.png"}
    assert (folder / "convergence_matrix.png").read_bytes() == result.figure.png
    joint = pd.read_csv(folder / "joint_display.csv", keep_default_na=False).set_index("finding")
    assert (
        joint.at["f_learn", "convergence"] == "agreement" and joint.at["f_barrier", "statistics"] == "(no survey item)"
    )


def test_statistics_use_the_cells_the_tables_step_shows(study):
    """Under disclosure control the statistics come from the same cells as the survey tables: the
    skipped-item cells, which the published bases reveal anyway, stay shown (deliberate fix)."""
    respondents, responses = load_survey(study)
    cells = disclosure.item_cells(study, responses, respondents, 3)
    rep = reproduce(study, responses, respondents, load_published(study), min_cell=3)
    pd.testing.assert_frame_equal(cells, rep.cells)
    skipped = cells[(cells["item_id"] == "Y1") & (cells["kind"] == "missing")].iloc[0]
    assert skipped["count"] == 1 and not skipped["suppressed"]
    stats = (
        triangulation.run(study, min_cell=3).tables["triangulation_statistics.csv"].set_index(["finding", "item_id"])
    )
    assert stats.loc[("f_learn", "B1"), "shown"] == "suppressed" and bool(stats.loc[("f_learn", "B1"), "suppressed"])
    assert stats.loc[("f_learn", "Y1"), "shown"].startswith("100% (3/3)")


def test_a_study_without_findings_has_notes(tmp_path, monkeypatch):
    root = tmp_path / "root"
    shutil.copytree(FIX / "tables" / "root", root)
    monkeypatch.setenv("TIEVAL_ROOT", str(root))
    result = triangulation.run(load_study(root / "data" / "mini-tables", check_files=False))
    assert result.start == (Note(triangulation.NOTHING_TO_TRIANGULATE),) and result.figure is None
    assert result.recommendations == (Note(triangulation.NO_RECOMMENDATIONS),)
    assert result.notes["joint"] == triangulation.NOTHING_TO_TRIANGULATE
    assert triangulation.write(result) == []
    with pytest.raises(ValueError):
        triangulation.run(load_study(root / "data" / "mini-tables", check_files=False), min_cell=-1)


def test_the_step_reads_only_the_columns_its_statistics_need(study, monkeypatch):
    """An edit of the findings at a million respondents re-runs in seconds because the step reads
    the answer counts only (no long table); the statistics are those of the full read."""
    full = triangulation.run(study).tables["triangulation_statistics.csv"]
    asked = []

    def spy(study, columns=None, respondent_columns=None, *, counted=False):
        asked.append((columns, respondent_columns, counted))
        return load_survey(study, columns, respondent_columns, counted=counted)

    monkeypatch.setattr(triangulation, "load_survey", spy)
    narrow = triangulation.run(study)
    assert asked == [(counts.ITEM_CELL_COLUMNS, [], True)]  # the answer counts, not the long table
    pd.testing.assert_frame_equal(narrow.tables["triangulation_statistics.csv"], full)
    respondents, responses = load_survey(study, counts.ITEM_CELL_COLUMNS, [])
    assert list(respondents.columns) == ["status"] and "respondent_id" not in responses.columns


def test_survey_columns_follow_the_statistics_named():
    def tri(*specs):
        return SimpleNamespace(findings=[SimpleNamespace(quantitative=specs)])

    percent = SimpleNamespace(statistic="percent", wave="")
    assert triangulation.survey_columns(tri(percent)) == counts.ITEM_CELL_COLUMNS
    in_wave = SimpleNamespace(statistic="percent", wave="t2")
    assert triangulation.survey_columns(tri(percent, in_wave)) == [*counts.ITEM_CELL_COLUMNS, "wave"]
    change = SimpleNamespace(statistic="change", wave="t2")
    assert triangulation.survey_columns(tri(in_wave, change)) is None
