"""The overview step (``tieval.steps.overview``) and its tables (``tieval.report.overview``).

The step is run on the committed ``surrey-als`` study (only ``study.yml`` and
``published/figures.csv`` are read) and, for the flow layout, on the mini-nomad fixture
(tests/fixtures/studies/mini-nomad: five flow stages in a chain, the first approximate); ``write`` goes
to a throw-away root.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from tieval.config import load_study  # noqa: E402
from tieval.paths import project_root  # noqa: E402
from tieval.report import overview as tables  # noqa: E402
from tieval.report.figures import AppendixFigure  # noqa: E402
from tieval.report.present import Note, Table  # noqa: E402
from tieval.steps import overview  # noqa: E402

MINI = Path(__file__).parent / "fixtures" / "studies" / "mini-nomad"


@pytest.fixture(scope="module")
def surrey():
    return load_study(project_root() / "data" / "surrey-als", check_files=False)


@pytest.fixture(scope="module")
def mini():
    return load_study(MINI, check_files=False)


def test_flow_table_parents_default_to_the_previous_stage(mini):
    flow = tables.flow_table(mini)
    assert flow["stage"].tolist() == ["invited", "responded", "with_answers", "complete", "partial_first_one"]
    assert flow["parent"].tolist() == ["", "invited", "responded", "with_answers", "complete"]
    assert flow["n"].tolist() == [40, 7, 6, 4, 1]
    assert flow["approximate"].tolist() == [True, False, False, False, False]


def test_flow_alt_text_names_every_stage(mini):
    assert tables.flow_alt_text(mini) == (
        "Participant flow diagram. Invited: about 40; Responses: 7; Responses with at least one answer: 6; "
        "Complete responses: 4; Answered only the first item: 1."
    )


def test_flow_table_with_an_explicit_parent(surrey):
    flow = tables.flow_table(surrey).set_index("stage")
    assert flow.loc["participants", "n"] == 23
    assert flow.loc["interview_1m", "parent"] == "participants"  # a branch, not the previous stage


def test_instrument_and_scales_tables(surrey):
    items = tables.instrument_table(surrey)
    assert len(items) == len(surrey.items) == 14
    first = items.iloc[0]
    assert (first["item"], first["scale"], first["wording source"]) == ("met_expectations", "agreement", "printed")
    assert "construct" not in items.columns  # empty columns are dropped: surrey-als has no constructs
    scales = tables.scales_table(surrey).set_index("scale")
    assert scales.loc["yes_no", "not relevant answers"] == "Only able to attend the first session"
    assert scales.loc["agreement", "categories"] == "disagree, neutral, agree"


def test_report_sessions_and_themes_tables(surrey):
    report = tables.report_table(surrey).set_index("field")["value"]
    assert report["year"] == "2023"
    sessions = tables.sessions_table(surrey).set_index("session")
    assert sessions.loc["interview_1m", "participants"] == 7
    assert sessions.loc["interview_3m", "timepoint"] == "3 month"
    themes = tables.themes_table(surrey)
    assert themes.loc[0, "label"] == "Hearing from others"


def test_run_holds_every_section(surrey):
    result = overview.run(surrey)
    assert result.notes == {}
    assert [type(b) for b in result.report] == [Table, Note]
    assert [type(b) for b in result.flow] == [Table, AppendixFigure]
    figure = result.flow[1]
    assert figure.name == "participant_flow" and figure.png.startswith(b"\x89PNG")
    assert figure.alt.startswith("Participant flow diagram of 4 stages, from Participants across the four action")
    assert len(figure.alt) <= tables.ALT_LIMIT
    assert result.figures == [figure]
    by_unit = result.published[1].frame.set_index("unit")["figures"]
    assert by_unit["count"] == 31
    assert result.published[0].base == "65 figures"
    assert result.questionnaire[1].base == "14 items" and result.questionnaire[1].max_rows is None


def test_write_writes_the_flow_figure(surrey, tmp_path, monkeypatch):
    result = overview.run(surrey)
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    written = overview.write(result)
    folder = tmp_path / "outputs" / "surrey-als" / "01_study_overview"
    assert written == [folder / "participant_flow.png", folder / "participant_flow.layout.json"]
    assert written[0].read_bytes() == result.flow[1].png
    layout = json.loads(written[1].read_text(encoding="utf-8"))
    assert [b["id"] for b in layout["boxes"]] == ["participants", "questionnaire", "interview_1m", "interview_3m"]
    assert tables.boxes_overlap(layout) == []
    with Image.open(written[0]) as png:  # the layout's pixels are the PNG's
        assert png.size == (layout["width"], layout["height"])
