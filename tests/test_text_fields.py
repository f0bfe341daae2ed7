"""Text fields that are not scales (issue 14 point 6), and role labels that are not sectors.

The study is the documented template (``make new-study``) copied into a temporary project, with
its team question changed to a ``text`` scale: a demographic answered in the respondent's own
words, as a student would declare a free-text "your team" question.  Before the fix this passed
cleaning and stopped 03_tables with "expected one of the levels of team: ; found 'Community team'".
"""

from __future__ import annotations

import pandas as pd
import pytest

from tieval.config import load_study
from tieval.qual.participants import speaker_sector
from tieval.steps import tables as tables_step
from tieval.survey.clean import clean_study
from tieval.tools.template import create_study

TEAM_CATEGORICAL = """    team:
      type: categorical
      levels:
        - {code: 1, label: "Ward A", category: "Ward A"}
        - {code: 2, label: "Ward B", category: "Ward B"}
        - {code: 3, label: "Community team", category: "Community team"}"""


@pytest.fixture()
def text_demographic(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    folder = create_study("tx", tmp_path)
    config = folder / "study.yml"
    text = config.read_text(encoding="utf-8")
    assert TEAM_CATEGORICAL in text
    text = text.replace(TEAM_CATEGORICAL, "    team:\n      type: text")
    text = text.replace(
        "  free_text:\n",
        "  text_fields:\n"
        '    - {id: comments_other, text: "Other (please specify)", column: Q7_TEXT, kind: other_specify}\n'
        "  free_text:\n",
    )
    text = text.replace(
        '    - {id: comments, text: "Is there anything else you would like to tell us?", column: Q7_TEXT}\n', ""
    )
    config.write_text(text.replace("  free_text:\n", "  free_text: []\n", 1), encoding="utf-8")
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    return tmp_path


def test_a_text_demographic_is_carried_as_free_text_and_tables_build(text_demographic):
    study = load_study("tx")
    assert [d.id for d in study.demographics] == []
    assert [f.id for f in study.free_text] == ["team", "comments_other"]
    result = clean_study("tx")
    assert "team" not in result.tables.respondents.columns
    free = result.tables.free_text
    team = free[free["question_id"] == "team"]
    assert sorted(team["text"].unique()) == ["Community team", "Ward A", "Ward B"]
    other = free.loc[free["question_id"] == "comments_other", "text"].tolist()
    assert len(other) == 4 and "[name] ran it brilliantly; contact me on [email]" in other  # redacted
    step = tables_step.run(study)  # raised InputError ("one of the levels of team: ") before
    shown = [
        b.frame for blocks in vars(step).values() if isinstance(blocks, tuple) for b in blocks if hasattr(b, "frame")
    ]
    assert not any("team" in frame.columns for frame in shown if isinstance(frame, pd.DataFrame))


@pytest.mark.parametrize(
    ("label", "sector"),
    [
        ("Interviewee 3", ""),
        ("interviewee", ""),
        ("Participant 1", ""),
        ("Focus group participant 2", ""),
        ("Respondent 12", ""),
        ("Youth Work 1", "Youth work"),
        ("Health visitor 4", "Health visitor"),
    ],
)
def test_role_labels_are_not_sectors(label, sector):
    assert speaker_sector(label) == sector
