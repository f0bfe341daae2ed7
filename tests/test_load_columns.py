"""Reading only the responses columns a step needs (issue 17 pt 2): ``load_survey(study, columns=...)``.

The triangulation only counts answers (:func:`tieval.survey.counts.item_cells`); at a million
respondents the long table's respondent ids are most of its memory, so it can read
``counts.ITEM_CELL_COLUMNS`` alone.  These tests pin that the narrow read gives the same cells,
cell by cell, and that the answers are still checked.  They use the hand-made ``mini-tables``
fixture (tests/fixtures/tables/root).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tieval import store
from tieval.errors import InputError
from tieval.schema import RESPONSES
from tieval.survey import counts, data


def test_the_narrow_read_holds_only_the_counted_columns(mini_tables):
    study, _ = mini_tables
    _, narrow = data.load_survey(study, columns=counts.ITEM_CELL_COLUMNS)
    assert list(narrow.columns) == ["item_id", "code", "label", "missing_reason"]
    _, full = data.load_survey(study)
    assert list(full.columns) == RESPONSES
    pd.testing.assert_frame_equal(narrow, full[list(narrow.columns)])


def test_the_narrow_read_gives_the_same_cells(mini_tables):
    study, respondents = mini_tables
    n = int((respondents["status"] != "excluded").sum())
    _, narrow = data.load_survey(study, columns=counts.ITEM_CELL_COLUMNS)
    _, full = data.load_survey(study)
    a, b = counts.item_cells(narrow, study, n), counts.item_cells(full, study, n)
    pd.testing.assert_frame_equal(a, b)
    assert a["count"].sum() > 0


def test_the_checked_columns_are_always_read(mini_tables):
    study, respondents = mini_tables
    responses = data.load_responses(study, respondents, columns=["category"])
    assert list(responses.columns) == ["item_id", "code", "label", "category", "missing_reason"]


def test_a_narrow_read_still_checks_the_answers(mini_tables, tmp_path, monkeypatch):
    study, respondents = mini_tables
    _, full = data.load_survey(study)
    bad = data.as_text(full, "responses")
    bad.loc[1, "item_id"] = "NOPE"
    frame = bad.astype({c: "category" for c in bad.columns if c != "code"})
    monkeypatch.setattr(data, "table_path", lambda *a, **k: tmp_path / "responses.parquet")
    store.write_parquets({tmp_path / "responses.parquet": frame}, lambda p, c: data.column_type("responses", c))
    with pytest.raises(InputError, match="an item id from study.yml") as info:
        data.load_responses(study, respondents, columns=counts.ITEM_CELL_COLUMNS)
    assert "row 3" in str(info.value) and "NOPE" in str(info.value)
