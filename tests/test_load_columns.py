"""Reading only the responses columns a step needs (issue 17 pt 2): ``load_survey(study, columns=...)``.

The triangulation only counts answers (:func:`tieval.survey.counts.item_cells`); at a million
respondents the long table's respondent ids are most of its memory, so it can read
``counts.ITEM_CELL_COLUMNS`` alone.  These tests pin that the narrow read gives the same cells,
cell by cell, and that the answers are still checked; and that the code check, which runs in
blocks of rows to keep its temporaries small, names the same first bad row as a whole-table check.  They use the hand-made ``mini-tables``
fixture (tests/fixtures/tables/root).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tieval import store
from tieval.errors import InputError
from tieval.schema import RESPONSES
from tieval.survey import counts, data
from tieval.survey.columns import BLOCK
from tieval.survey.validate import check_responses


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


def _long(full: pd.DataFrame, n: int) -> pd.DataFrame:
    """The fixture's responses repeated to ``n`` rows (more than one block of the code check)."""
    reps = -(-n // len(full))
    return pd.concat([full] * reps, ignore_index=True).iloc[:n].reset_index(drop=True)


def test_a_bad_code_beyond_the_first_block_is_named_by_its_row(mini_tables):
    study, _ = mini_tables
    _, full = data.load_survey(study)
    frame = _long(full, BLOCK * 2 + 10)
    answered = np.flatnonzero((frame["missing_reason"] == "").to_numpy())
    row = int(answered[answered > BLOCK + 5][0])
    frame.loc[row, "code"] = 99.0
    with pytest.raises(InputError, match="a code of the scale") as info:
        check_responses(frame, study, "responses.parquet")
    assert f"row {row + 2}" in str(info.value) and "99" in str(info.value)


def test_a_non_number_in_a_later_block_is_reported_before_an_off_scale_code(mini_tables):
    study, _ = mini_tables
    _, full = data.load_survey(study)
    frame = data.as_text(_long(full, BLOCK + 100), "responses")
    answered = np.flatnonzero((frame["missing_reason"] == "").to_numpy())
    frame.loc[int(answered[0]), "code"] = "99"  # off the scale, in the first block
    late = int(answered[answered > BLOCK][0])
    frame.loc[late, "code"] = "lots"  # not a number, in the second block: this kind is reported first
    with pytest.raises(InputError, match="a numeric answer code") as info:
        check_responses(frame, study, "responses.parquet")
    assert f"row {late + 2}" in str(info.value) and "lots" in str(info.value)
    frame.loc[late, "code"] = "4"
    with pytest.raises(InputError, match="a code of the scale") as info:
        check_responses(frame, study, "responses.parquet")
    assert f"row {int(answered[0]) + 2}" in str(info.value)


def test_codes_read_as_text_in_blocks_are_the_float_codes(mini_tables):
    study, _ = mini_tables
    _, full = data.load_survey(study)
    frame = _long(full, BLOCK + 7)
    checked = check_responses(data.as_text(frame, "responses"), study, "responses.parquet")
    np.testing.assert_array_equal(checked["code"].to_numpy(), frame["code"].to_numpy())
    assert checked["code"].dtype == np.float64 and checked["code"].notna().sum() > BLOCK // 2
