"""The wave helpers on dictionary-encoded long tables (tieval.survey.wave_data): the same rows and
texts as the plain-text path, without turning millions of rows into text."""

import numpy as np
import pandas as pd

from tieval.survey.wave_change import item_answers, item_values
from tieval.survey.wave_data import as_text, wave_subset


def _responses(categorical: bool) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "wave": ["t1", "t2", "t1", "t2", "t1"],
            "respondent_id": ["a", "b", "c", "d", "e"],
            "item_id": ["B1", "B1", "B2", "B3", "B1"],
            "code": [1.0, 2.0, np.nan, 3.0, 4.0],
            "missing_reason": ["", "", "skipped", "", ""],
        }
    )
    frame = frame.astype({c: "str" for c in ("wave", "respondent_id", "item_id", "missing_reason")})
    if categorical:
        frame = frame.astype({c: "category" for c in ("wave", "respondent_id", "item_id", "missing_reason")})
    return frame


def test_wave_subset_and_item_values_agree_on_categorical_and_text_columns():
    plain, coded = _responses(False), _responses(True)
    for wave in ("t1", "t2", "t3"):
        assert wave_subset(coded, wave)["respondent_id"].astype(str).tolist() == (
            wave_subset(plain, wave)["respondent_id"].tolist()
        )
    assert wave_subset(coded.assign(wave=pd.Categorical(["t1"] * 5)), "t1").shape == (5, 5)
    pd.testing.assert_frame_equal(item_values(coded, ["B1", "B2"]), item_values(plain, ["B1", "B2"]))
    assert item_values(plain, ["B1"])["value"].tolist() == [1.0, 2.0, 4.0]
    assert list(as_text(coded["item_id"])) == ["B1", "B1", "B2", "B3", "B1"]


def test_item_answers_are_item_values_per_item_without_the_missing_answers():
    """descriptives reads each item's answers on the item codes: the same values, in the same row order,
    as item_values (text ids) gives them, skipped and not-relevant answers left out."""
    for frame in (_responses(False), _responses(True)):
        frame = frame.assign(missing_reason=["", "not_relevant", "skipped", "", ""])
        answers = item_answers(frame, ["B1", "B2", "B3", "B9"])
        values = item_values(frame, ["B1", "B2", "B3"])
        for item in ("B1", "B2", "B3"):
            expected = values.loc[values["item"] == item, "value"].dropna().to_numpy()
            np.testing.assert_array_equal(answers[item], expected)
        assert answers["B1"].tolist() == [1.0, 4.0] and answers["B2"].size == 0 and answers["B9"].size == 0
        assert answers["B1"].dtype == np.float64
