"""Multi-select questions (split and joined layouts) and loop-and-merge blocks, read by the functions
the studies use (ingest, clean, validate, counts).

Fixture: tests/fixtures/exports/multi-select/ (study.yml and raw/survey.csv, bad_*.csv written by
tests/fixtures/exports/build_multiselect.py; README.md says which real-world layouts they reproduce).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tieval.config import load_study
from tieval.errors import ConfigError, InputError
from tieval.survey.clean import build_tables, validate, validate_file
from tieval.survey.counts import multi_select_cells
from tieval.survey.ingest import column_roles, read_export
from tieval.survey.multiselect import split_joined
from tieval.survey.redact import pseudonyms
from tieval.survey.validate import check_responses

HERE = Path(__file__).parent / "fixtures" / "exports" / "multi-select"


@pytest.fixture(scope="module")
def study():
    return load_study(HERE, check_files=False)


@pytest.fixture(scope="module")
def validation(study):
    return validate_file(HERE / "raw" / "survey.csv", study)


@pytest.fixture(scope="module")
def tables(validation):
    return build_tables(validation)


def _by_id(validation, values):
    return dict(zip(validation.ids.tolist(), list(values)))


def _rows(tables, validation, response_id: str, item_id: str) -> list[tuple[str, str, str, str]]:
    pseudo = dict(zip(validation.ids.tolist(), _pseudo(tables, validation)))[response_id]
    r = tables.responses
    sub = r[(r["respondent_id"].astype(str) == pseudo) & (r["item_id"].astype(str) == item_id)]
    return [tuple(map(str, row)) for row in sub[["label", "code", "category", "missing_reason"]].to_numpy()]


def _pseudo(tables, validation):
    return list(pseudonyms(validation.digests).ids)


def test_looped_items_expand_to_one_item_per_iteration(study):
    assert [it.id for it in study.items] == ["A1", "L1_1", "L1_2", "L1_3", "L2_1", "L2_2", "L2_3"]
    assert [str(it.column) for it in study.items][1:4] == ["1_Q5", "2_Q5", "3_Q5"]
    assert study.loops["L2_3"] == ("L2", "3")
    assert [it.id for it in study.multi_select] == ["Q4", "Q8"]


def test_split_option_columns_claimed_with_their_roles(study):
    export = read_export(HERE / "raw" / "survey.csv", study)
    assert export.multi_select_columns == {"Q4": ["Q4_1", "Q4_2", "Q4_9"], "Q8": ["Q8"]}
    roles = dict(zip(column_roles(export, study)["column"], column_roles(export, study)["role"]))
    assert roles["Q4_9"] == "multi-select item Q4 (parts)" and roles["3_Q6"] == "item L2_3 (agree)"
    assert not export.extra_columns


def test_unselected_options_and_blank_iterations_do_not_make_partial(validation):
    status = _by_id(validation, validation.status)
    # R_1: iteration 3 blank; R_2: multi-selects blank, iterations 2-3 blank -> complete
    # R_3: answered 1_Q5 but not 1_Q6 (a started iteration) -> partial; R_4: A1 blank -> partial
    assert status == {"R_1": "complete", "R_2": "complete", "R_3": "partial", "R_4": "partial", "R_5": "excluded"}
    assert _by_id(validation, validation.n_answered) == {"R_1": 5, "R_2": 3, "R_3": 2, "R_4": 2, "R_5": 3}
    assert _by_id(validation, validation.expected)["R_1"] == 5 and _by_id(validation, validation.expected)["R_2"] == 3


def test_split_cells_text_zero_and_blank(validation):
    q4 = validation.multi["Q4"]
    chosen = _by_id(validation, map(tuple, q4.chosen.tolist()))
    assert chosen["R_1"] == (True, True, False)
    assert chosen["R_3"] == (False, False, True)  # 0, 0, "None of these"
    assert chosen["R_4"] == (False, True, False)
    assert _by_id(validation, q4.answered) == {"R_1": True, "R_2": False, "R_3": True, "R_4": True, "R_5": True}


def test_joined_cells_match_labels_holding_the_separator(validation):
    q8 = validation.multi["Q8"]
    chosen = _by_id(validation, map(tuple, q8.chosen.tolist()))
    assert chosen["R_1"] == (True, True, False, False)  # "Email, Yes, sometimes": not Yes + "sometimes"
    assert chosen["R_4"] == (False, False, True, False)  # "Yes"
    assert not _by_id(validation, q8.answered)["R_2"]


def test_split_joined_longest_first_and_remainders(study):
    scale = study.scales["channels"]
    assert split_joined("Yes, sometimes, Yes", scale) == ([1, 2], "")
    assert split_joined("email ,phone,", scale) == ([0, 3], "")
    assert split_joined("Email, Fax", scale) == ([0], "fax")
    semi = dataclasses.replace(scale, separator=";")
    assert split_joined("Email;Yes, sometimes;", semi) == ([0, 1], "")  # Microsoft Forms' trailing ';'


def test_processed_rows_one_per_option_after_the_rated_items(tables, validation):
    assert _rows(tables, validation, "R_1", "Q4") == [
        ("Workshops", "1", "selected", ""),
        ("Coaching", "1", "selected", ""),
        ("None of these", "0", "not_selected", ""),
    ]
    assert _rows(tables, validation, "R_2", "Q8") == [
        ("Email", "", "", "not_answered"),
        ("Yes, sometimes", "", "", "not_answered"),
        ("Yes", "", "", "not_answered"),
        ("Phone", "", "", "not_answered"),
    ]
    r = tables.responses
    first = r[r["respondent_id"] == r["respondent_id"].iloc[0]]["item_id"].astype(str).tolist()
    assert first == ["A1", "L1_1", "L1_2", "L1_3", "L2_1", "L2_2", "L2_3"] + ["Q4"] * 3 + ["Q8"] * 4
    assert len(r) == 4 * (7 + 3 + 4)


def test_processed_responses_pass_the_data_contract_check(tables, study):
    checked = check_responses(tables.responses, study, "responses.csv", tables.respondents)
    assert set(checked.loc[checked["item_id"] == "Q4", "code"].dropna()) == {0.0, 1.0}
    bad = tables.responses.copy()
    bad["code"] = bad["code"].astype(str)
    at = bad.index[(bad["item_id"] == "Q4") & (bad["code"] == "1")][0]
    bad.loc[at, "code"] = "2"
    with pytest.raises(InputError, match=r"column code: expected 1 \(option chosen\) or 0 \(not chosen\)"):
        check_responses(bad, study, "responses.csv", tables.respondents)


def test_counts_n_and_percent_per_option(tables, study):
    cells = multi_select_cells(tables.responses, study)
    got = {(r.item_id, r.label): (r.count, r.base, round(r.percent, 1)) for r in cells.itertuples()}
    assert got[("Q4", "Workshops")] == (1, 3, 33.3)
    assert got[("Q4", "Coaching")] == (2, 3, 66.7)
    assert got[("Q4", "None of these")] == (1, 3, 33.3)
    assert got[("Q8", "Phone")] == (1, 3, 33.3)
    assert cells.loc[cells["item_id"] == "Q4", "n_not_answered"].tolist() == [1, 1, 1]
    assert cells["option"].tolist() == [1, 2, 3, 1, 2, 3, 4]


def test_a_split_cell_that_is_no_mark_names_row_and_column(study):
    with pytest.raises(InputError) as err:
        validate(read_export(HERE / "bad_mark.csv", study), study)
    message = str(err.value)
    assert "\n" not in message and "row 6" in message and "column Q4_1" in message
    assert "option 'Workshops' of item Q4 marked" in message and "found '2'" in message


def test_a_joined_cell_with_an_unknown_option_names_the_remainder(study):
    with pytest.raises(InputError) as err:
        validate(read_export(HERE / "bad_joined.csv", study), study)
    message = str(err.value)
    assert "\n" not in message and "row 7" in message and "column Q8" in message
    assert "no option matches 'fax'" in message and "'Email, Fax'" in message


def test_an_option_column_is_found_by_its_text_else_named(study, tmp_path):
    text = (HERE / "raw" / "survey.csv").read_text(encoding="utf-8").replace("Q4_9,", "Q4_8,", 1)
    (tmp_path / "survey.csv").write_text(text, encoding="utf-8")
    assert read_export(tmp_path / "survey.csv", study).multi_select_columns["Q4"][2] == "Q4_8"
    (tmp_path / "survey.csv").write_text(text.replace("- None of these", "- None"), encoding="utf-8")
    with pytest.raises(InputError, match="column Q4_9: expected a column for option 'None of these' of item Q4"):
        read_export(tmp_path / "survey.csv", study)


def _study_with(tmp_path, old: str, new: str):
    folder = tmp_path / "multi-select"
    folder.mkdir()
    (folder / "study.yml").write_text((HERE / "study.yml").read_text().replace(old, new), encoding="utf-8")
    return folder


def test_a_looped_item_needs_a_column_id(tmp_path):
    folder = _study_with(tmp_path, "column: Q6, loop", "column: {position: 9}, loop")
    with pytest.raises(ConfigError, match=r"key instrument.items\[4\].column: expected a column id for a looped"):
        load_study(folder, check_files=False)


def test_loop_iterations_are_distinct(tmp_path):
    folder = _study_with(tmp_path, "loop: [1, 2, 3]}\n    - {id: L2", "loop: [1, 1]}\n    - {id: L2")
    with pytest.raises(ConfigError, match=r"key instrument.items\[3\].loop\[1\]: expected distinct iteration"):
        load_study(folder, check_files=False)


def test_every_bad_mark_of_a_column_in_one_message(study, tmp_path):
    lines = (HERE / "bad_mark.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[6] = lines[6].replace("IP Address,R_4,,,", "IP Address,R_4,,x,", 1)  # row 7: Q4_1 holds 'x'
    (tmp_path / "two_bad.csv").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as err:
        validate(read_export(tmp_path / "two_bad.csv", study), study)
    message = str(err.value)
    assert "\n" not in message and "row 6, column Q4_1" in message
    assert "found 2 values it does not accept: '2' (row 6), 'x' (row 7)" in message
