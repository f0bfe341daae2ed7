"""Exports of every Qualtrics vintage and of other tools, read by the functions the studies use.

Fixtures: tests/fixtures/exports/ (built by build_formats.py; README.md says which real-world
behaviour each reproduces), against the mini-nomad study (with ``survey.format: auto`` where the
file is not a Qualtrics one) and the seven-point study beside the fixtures.  Each test looks at
specific cells: a respondent, an item, its label.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from tieval.config import ColumnRef, load_study
from tieval.errors import InputError
from tieval.survey.clean import build_tables, validate, validate_file
from tieval.survey.exports.sheets import read_grid
from tieval.survey.ingest import column_roles, read_export, summarise_names

FIXTURES = Path(__file__).parent / "fixtures"
EXPORTS = FIXTURES / "exports"
STUDY = FIXTURES / "studies" / "mini-nomad"
SEVEN = EXPORTS / "seven-point"


@pytest.fixture(scope="module")
def study(mini_nomad):
    return mini_nomad


@pytest.fixture(scope="module")
def auto(mini_nomad_auto):
    return mini_nomad_auto


@pytest.fixture(scope="module")
def reference(study):
    """The responses of the current-format export, as every other format must give them."""
    return build_tables(validate(read_export(EXPORTS / "valid_qualtrics.csv", study), study))


def _answers(study, name: str) -> dict[tuple[str, str], str]:
    """(original response id, item) -> label, for the included respondents."""
    validation = validate_file(EXPORTS / name, study)
    ids = validation.ids.to_numpy()
    out = {}
    for iid, decoded in validation.items.items():
        labels = decoded.per_record(decoded.label)
        for k in range(len(ids)):
            if validation.included[k]:
                out[ids[k], iid] = labels[k]
    return out


def _without_recodes(study):
    scales = {
        k: dataclasses.replace(s, levels=tuple(dataclasses.replace(lv, recode=None) for lv in s.levels))
        for k, s in study.scales.items()
    }
    return dataclasses.replace(study, scales=scales)


# --- Qualtrics vintages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("qualtrics_insights.csv", "qualtrics-insights"),
        ("qualtrics_tsv.tsv", "qualtrics-tsv"),
        ("excel_resaved.csv", "qualtrics"),
        ("bom_crlf.csv", "qualtrics"),
    ],
)
def test_qualtrics_vintages_give_the_same_responses(study, reference, name, fmt):
    if name == "excel_resaved.csv":  # Excel's 'CSV (Comma delimited)': Windows-1252, read when declared
        study = _encoded(study, "cp1252")
    export = read_export(EXPORTS / name, study)
    assert export.format == fmt and export.header_rows == 3 and export.row_of(0) == 4
    tables = build_tables(validate(export, study))
    pd.testing.assert_frame_equal(tables.responses, reference.responses)
    pd.testing.assert_frame_equal(tables.respondents, reference.respondents)


def test_insights_header_rows_are_not_respondents(study):
    export = read_export(EXPORTS / "qualtrics_insights.csv", study)
    assert export.n_records == 8
    assert export.frame.loc[0, "ResponseId"] == "R_1aBcDeFgHiJkLmN"
    assert "Response ID" not in set(export.frame["ResponseId"])


def test_tsv_download_is_utf16_with_tabs(study):
    export = read_export(EXPORTS / "qualtrics_tsv.tsv", study)
    assert export.frame.loc[1, "Q2_1"] == "Strongly disagree"
    assert export.frame.loc[0, "Q6_TEXT"] == "Great session.\nThanks to Jo for running it, and to Priya Shah."


def _encoded(study, encoding):
    return dataclasses.replace(study, survey=dataclasses.replace(study.survey, encoding=encoding))


def test_excel_resaved_windows_1252_is_read_when_declared(study):
    export = read_export(EXPORTS / "excel_resaved.csv", _encoded(study, "cp1252"))
    assert export.frame.loc[5, "Q6_TEXT"] == "Not sure yet \u2013 it\u2019s early days"
    assert not any("1252" in w for w in export.warnings)
    latin = read_export(EXPORTS / "excel_resaved.csv", _encoded(study, "latin-1"))  # what the study declares
    assert latin.frame.loc[5, "Q6_TEXT"] == "Not sure yet \x96 it\x92s early days"


def test_an_undeclared_windows_1252_export_is_one_line_naming_the_byte_and_the_key(study):
    with pytest.raises(InputError) as info:
        read_export(EXPORTS / "excel_resaved.csv", study)
    message = info.value.one_line()
    assert "row 9, column Q6_TEXT: expected UTF-8 text" in message and "survey.encoding: cp1252" in message
    assert "found 'byte 0x96 at offset 3575'" in message and "\n" not in message


def test_a_byte_the_declared_encoding_lacks_is_named(study):
    with pytest.raises(InputError) as info:
        read_export(EXPORTS / "not_cp1252.csv", _encoded(study, "cp1252"))
    assert "expected cp1252 text (survey.encoding)" in str(info.value) and "byte 0x81" in str(info.value)


def test_legacy_repeated_ids_found_by_question_text(study):
    export = read_export(EXPORTS / "legacy_repeated_ids.csv", study)
    assert export.format == "qualtrics-legacy"
    assert export.item_columns == {
        "G1": "Q1",
        "B1": "Q2 [L]",
        "B2": "Q2 [M]",
        "C1": "Q2 [N]",
        "D1": "Q3 [O]",
        "D2": "Q3 [P]",
    }
    assert export.frame.loc[1, "Q2 [M]"] == "2"  # R_2: B2 'Disagree', as a numeric code
    assert "(empty column S after the last comma)" in export.metadata_dropped
    answers = _answers(study, "legacy_repeated_ids.csv")
    assert answers["R_2bCdEfGhIjKlMnO", "D1"] == "Strongly agree"
    assert answers["R_4dEfGhIjKlMnOpQ", "D2"] == "Not relevant at this stage"


def test_a_column_named_by_position_or_text(study):
    items = list(study.items)
    items[1] = dataclasses.replace(items[1], column=ColumnRef(position=13))  # B1 -> column M
    items[2] = dataclasses.replace(items[2], column=ColumnRef(text=items[1].text))  # B2 -> B1's text
    moved = dataclasses.replace(study, items=items)
    export = read_export(EXPORTS / "legacy_repeated_ids.csv", moved)
    assert export.item_columns["B1"] == "Q2 [M]" and export.item_columns["B2"] == "Q2 [L]"


def test_a_repeated_id_named_by_id_says_how_to_name_it(study):
    items = [dataclasses.replace(study.items[0], column="Q2"), *study.items[1:]]
    with pytest.raises(InputError) as info:
        read_export(EXPORTS / "legacy_repeated_ids.csv", dataclasses.replace(study, items=items))
    message = str(info.value)
    assert "row 1, column Q2: expected each column name once in the header" in message
    assert "column: {position: 12}" in message and "3 columns named 'Q2' (columns L, M, N)" in message


# --- numeric exports -----------------------------------------------------------------------------


def test_seven_point_recodes_follow_study_yml_not_scale_order():
    seven = load_study(SEVEN, check_files=False)
    text = validate_file(EXPORTS / "seven_point_text.csv", seven)
    numeric = validate_file(EXPORTS / "seven_point_numeric.csv", seven)
    first = numeric.items["S1"]
    assert first.recoded
    # R_a1 answered 'Somewhat disagree', exported as 6: scale code 3, not 'Agree' (6)
    assert first.per_record(first.label)[0] == "Somewhat disagree" and first.per_record(first.code)[0] == 3
    for iid in ("S1", "S2", "S3"):
        a, b = text.items[iid], numeric.items[iid]
        assert a.per_record(a.label).tolist() == b.per_record(b.label).tolist(), iid


def test_numeric_codes_without_declared_recodes_stop_with_the_codes_found():
    seven = _without_recodes(load_study(SEVEN, check_files=False))
    with pytest.raises(InputError) as info:
        validate_file(EXPORTS / "seven_point_numeric.csv", seven)
    message = str(info.value)
    assert "row 4, column Q1_1 (item S1): expected answer labels, or numeric codes whose meaning" in message
    assert "found numeric codes '6' (row 4), '7' (row 5), '3' (row 6), '4' (row 7)" in message
    assert "\n" not in message


def test_spss_value_labels_give_the_code_meanings(study, reference):
    export = read_export(EXPORTS / "qualtrics_spss.sav", _without_recodes(study))
    assert export.format == "spss-sav" and export.row_of(0) == 1
    assert export.frame.loc[0, "Q2_1"] == "Agree" and export.frame.loc[6, "Status"] == "Survey Preview"
    assert export.questions["Q5"] == "Which sector do you work in?"
    assert export.identifying_dropped == ["IPAddress", "RecipientEmail"]
    tables = build_tables(validate(export, _without_recodes(study)))
    pd.testing.assert_frame_equal(tables.responses, reference.responses)


def test_spss_code_without_a_label_is_an_error(study):
    with pytest.raises(InputError, match=r"spss_unlabelled_code.sav, row 3, column Q3_1 \(item C1\).*found '9'"):
        validate_file(EXPORTS / "spss_unlabelled_code.sav", study)


# --- other tools --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["surveymonkey.csv", "surveymonkey.xlsx", "surveymonkey.xls"])
def test_surveymonkey_two_header_rows(auto, name):
    export = read_export(EXPORTS / name, auto)
    assert export.format.startswith("surveymonkey") and export.header_rows == 2 and export.row_of(0) == 3
    assert export.id_column == "Respondent ID"
    assert export.item_columns["B1"] == (
        "Please say how far you agree - I can see how the practice differs from usual ways of working"
    )
    assert export.item_columns["G1"] == "When you use the practice, how familiar does it feel?"
    assert set(export.identifying_dropped) == {
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    }
    assert {"Collector ID", "Start Date", "End Date"} <= set(export.metadata_dropped)
    text = export.frame.drop(columns=["Any other comments?"]).to_csv()  # free text is redacted later
    for value in ("t.okonkwo@example.org", "Thandiwe", "Okonkwo", "203.0.113.57", "EXT-99871"):
        assert value not in text
    answers = _answers(auto, name)
    assert answers["114000000001", "B1"] == "Strongly disagree"
    assert answers["114000000003", "D2"] == "Not relevant at this stage"


def test_old_excel_xls_reads_cell_for_cell_like_the_xlsx():
    """surveymonkey.xls is written by our BIFF8 writer (fixtures/exports/biff8.py): ids and codes as
    Excel NUMBER cells, text in the shared-string table; xlrd reads it into the same grid."""
    xls = read_grid(EXPORTS / "surveymonkey.xls", "xls", None)
    xlsx = read_grid(EXPORTS / "surveymonkey.xlsx", "xlsx", None)
    assert xls == xlsx
    assert xls[2][0] == "114000000000" and xls[2][9] == "8" and xls[0][0] == "Respondent ID"


def test_microsoft_forms_workbook(auto):
    export = read_export(EXPORTS / "microsoft_forms.xlsx", auto)
    assert export.format == "microsoft-forms-xlsx" and export.id_column == "ID"
    assert export.identifying_dropped == ["Email", "Name"]
    assert "Last modified time" in export.metadata_dropped
    assert export.extra_columns == ["Which topics were covered?"]  # 'Trauma;Safety;' cells, not read
    assert export.frame.loc[1, "When you use the practice, how familiar does it feel?"] == "3"
    assert "Okonkwo" not in export.frame.drop(columns=["Any other comments?"]).to_csv()


def test_google_forms_grid_rows_and_timestamp_id(auto):
    export = read_export(EXPORTS / "google_forms.csv", auto)
    assert export.format == "google-forms-csv" and export.id_column == "Timestamp"
    assert export.item_columns["C1"] == "Please say how far you agree [I will continue to support the practice]"
    assert export.identifying_dropped == ["Email Address"]
    answers = _answers(auto, "google_forms.csv")
    assert answers["2024/05/02 9:10:01 AM GMT+1", "B1"] == "Strongly disagree"


def test_declared_format_must_match_the_layout(study):
    with pytest.raises(InputError) as info:
        read_export(EXPORTS / "surveymonkey.csv", study)
    assert "row 1: expected a qualtrics export (survey.format in study.yml)" in str(info.value)
    assert "surveymonkey export" in str(info.value)


def test_column_roles_of_a_two_row_export(auto):
    roles = column_roles(read_export(EXPORTS / "surveymonkey.csv", auto), auto)
    by = dict(zip(roles["letter"], roles["role"]))
    assert by["A"].startswith("response id") and by["E"] == "identifying: never read"
    assert by["K"] == "item B1 (agreement)" and by["P"] == "demographic sector"


# --- errors a user can act on -------------------------------------------------------------------

BAD = {
    "importid_row_cut.csv": "row 3, column Q5 (X): expected an ImportId in every column of header row 3",
    "truncated_header.csv": "row 3: expected a Qualtrics export with its ImportId row 3",
    "not_cp1252.csv": "row 9, column Q6_TEXT: expected UTF-8 text",
    "utf16_no_bom.csv": "found UTF-16 text without a byte-order mark",
    "stata.dta": "found a Stata .dta file",
    "report.pdf": "found a PDF document",
    "definition.qsf": "found a Qualtrics survey definition (.qsf)",
    "spreadsheet.ods": "found an OpenDocument spreadsheet (.ods)",
    "old_excel.xls": "expected a readable old-style Excel .xls file",
    "several_bad_labels.csv": ("row 5, column Q2_2 (item B2): expected one of 'Strongly disagree'"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_variants_give_one_line(auto, name):
    with pytest.raises(InputError) as info:
        validate_file(EXPORTS / name, auto)
    message = str(info.value)
    assert message.startswith(str(EXPORTS / name)) or message.startswith(f"tests/fixtures/exports/{name}")
    assert BAD[name] in message and "\n" not in message


def test_every_unknown_answer_of_a_column_in_one_message(study):
    with pytest.raises(InputError) as info:
        validate_file(EXPORTS / "several_bad_labels.csv", study)
    message = str(info.value)
    assert "found 2 answers it does not accept: 'Agre' (row 5), 'Strongly agre' (row 7)" in message
    assert "1 other column(s) also hold answers their scale does not accept: Q4_1" in message


def test_duplicate_respondent_ids_of_surveymonkey(auto):
    with pytest.raises(InputError) as info:
        validate_file(EXPORTS / "surveymonkey_duplicate_ids.csv", auto)
    assert "row 6, column Respondent ID: expected each response id once (this id is also on row 4)" in str(info.value)


def test_hundreds_of_unused_columns_in_one_line():
    names = [f"Q7_{k}" for k in range(1, 301)] + ["Cohort", "Q9", "Q10"] + [f"Loop{k}" for k in range(20)]
    text = summarise_names(names)
    assert text.startswith("Q7_1..Q7_300 (300), Cohort, Q9, Q10, Loop0..Loop19 (20)")
    many = summarise_names([f"E{k}x" for k in range(40)])
    assert many.endswith(" and 28 more") and "\n" not in many
