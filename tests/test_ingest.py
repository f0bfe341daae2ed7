"""Reading survey exports (tieval.survey.ingest): formats recognised from content, column roles, row numbers.

Fixtures: tests/fixtures/exports/ (built by build_fixtures.py) against the
mini-nomad fixture study; XLSX files are written here with openpyxl.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tieval.config import load_study
from tieval.errors import InputError
from tieval.survey.ingest import column_letter, column_roles, looks_numeric, read_export

FIXTURES = Path(__file__).parent / "fixtures"
EXPORTS = FIXTURES / "exports"
STUDY = FIXTURES / "studies" / "mini-nomad"
IDENTIFYING = [
    "IPAddress",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
]


@pytest.fixture(scope="module")
def study():
    return load_study(STUDY, check_files=False)


@pytest.fixture(scope="module")
def valid(study):
    return read_export(EXPORTS / "valid_qualtrics.csv", study)


def _write_xlsx(path: Path, rows: list[list], trailing_blank: int = 0) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    for row in rows:
        sheet.append(row)
    for _ in range(trailing_blank):
        sheet.append([None])
    book.save(path)
    return path


def _csv_rows(name: str) -> list[list[str]]:
    import csv

    with open(EXPORTS / name, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def xlsx_files(tmp_path_factory):
    """Form and Qualtrics layouts as workbooks, with real numbers and empty cells as Excel stores them."""
    folder = tmp_path_factory.mktemp("xlsx")
    form = _csv_rows("form_question_headers.csv")
    typed = [form[0]] + [[int(c) if c.isdigit() else (c or None) for c in row] for row in form[1:]]
    bad = [list(r) for r in typed]
    bad[3][5] = "Agree-ish"
    return {
        "form": _write_xlsx(folder / "form.xlsx", typed, trailing_blank=3),
        "qualtrics": _write_xlsx(folder / "qualtrics.xlsx", _csv_rows("valid_qualtrics.csv")),
        "bad": _write_xlsx(folder / "bad.xlsx", bad),
    }


# --- formats ------------------------------------------------------------------------------------


def test_qualtrics_three_header_rows(valid):
    assert valid.format == "qualtrics"
    assert valid.header_rows == 3 and valid.first_data_row == 4
    assert valid.n_records == 8
    assert valid.row_of(0) == 4
    assert valid.id_column == "ResponseId" and valid.status_column == "Status"
    assert valid.item_columns == {"G1": "Q1_1", "B1": "Q2_1", "B2": "Q2_2", "C1": "Q3_1", "D1": "Q4_1", "D2": "Q4_2"}
    assert valid.questions["Q5"] == "Which sector do you work in?"
    assert not valid.encoding_bom and not valid.numeric_recodes


def test_frame_is_all_text_with_only_the_columns_the_contract_needs(valid):
    assert list(valid.frame.columns) == [
        "Status",
        "ResponseId",
        "Q1_1",
        "Q2_1",
        "Q2_2",
        "Q3_1",
        "Q4_1",
        "Q4_2",
        "Q5",
        "Q6_TEXT",
    ]
    coded = ["Status", "Q1_1", "Q2_1", "Q2_2", "Q3_1", "Q4_1", "Q4_2", "Q5"]
    for column, dtype in valid.frame.dtypes.items():  # coded columns: categoricals of text
        assert str(dtype if column not in coded else dtype.categories.dtype) == "str", column
        assert (column in coded) == isinstance(dtype, pd.CategoricalDtype), column
    assert valid.frame.loc[4, "Q2_1"] == ""  # empty cells are '' (not NaN)


def test_coded_columns_list_their_texts_in_order_of_first_appearance_and_none_unused(valid):
    # the header rows above the answers are not categories, nor is anything else never answered
    for column in ["Status", "Q1_1", "Q2_1", "Q5"]:
        values = valid.frame[column]
        assert list(values.cat.categories) == list(pd.unique(values.astype(str))), column


def test_identifying_columns_are_never_read(valid):
    assert valid.identifying_dropped == IDENTIFYING
    assert not set(IDENTIFYING) & set(valid.frame.columns)
    assert not set(IDENTIFYING) & set(valid.questions)
    text = valid.frame.to_csv()
    for value in ("Okonkwo-Baptiste", "Thandiwe", "t.okonkwo@example.org", "EXT-99871", "53.76541"):
        assert value not in text


def test_metadata_is_skipped_and_embedded_data_named_in_a_warning(valid):
    assert "StartDate" in valid.metadata_dropped and "Duration (in seconds)" in valid.metadata_dropped
    assert valid.extra_columns == ["Cohort"]
    assert any("Cohort" in w and "kept out of the analysis" in w for w in valid.warnings)


def test_bom_and_crlf_read_like_the_plain_file(study, valid):
    bom = read_export(EXPORTS / "bom_crlf.csv", study)
    assert bom.encoding_bom and bom.format == "qualtrics"
    assert bom.columns[0] == "StartDate"  # the BOM is not part of the first column name
    pd.testing.assert_frame_equal(bom.frame, valid.frame)


def test_legacy_two_row_export_maps_v_columns_to_concepts(study):
    legacy = read_export(EXPORTS / "legacy_two_rows.csv", study)
    assert legacy.format == "qualtrics-legacy"
    assert legacy.header_rows == 2 and legacy.row_of(0) == 3
    assert legacy.id_column == "ResponseID" and legacy.status_column == "Status"
    assert {"Name", "EmailAddress", "ExternalDataReference", "IPAddress", "LocationLatitude"} <= set(
        legacy.identifying_dropped
    )
    assert "ResponseSet" in legacy.metadata_dropped
    assert legacy.numeric_recodes
    assert legacy.frame["Status"].tolist()[:7] == ["0"] * 6 + ["1"]


def test_numeric_values_export_is_flagged(study):
    assert read_export(EXPORTS / "numeric_recodes.csv", study).numeric_recodes


def test_line_breaks_inside_answers_keep_one_spreadsheet_row_per_record(valid):
    assert valid.frame.loc[0, "Q6_TEXT"].count("\n") == 1
    # record 0 spans two lines of the file, but the next record is still spreadsheet row 5
    assert [valid.row_of(i) for i in range(3)] == [4, 5, 6]


def test_blank_rows_inside_the_data_are_reported_and_rows_still_counted(study):
    export = read_export(EXPORTS / "blank_row_inside.csv", study)
    assert export.n_records == 8
    assert export.skipped_rows == [7, 8]
    assert export.row_of(3) == 9
    assert any("rows 7, 8" in w for w in export.warnings)


def test_trailing_blank_lines_are_ignored(study):
    export = read_export(EXPORTS / "blank_rows.csv", study)
    assert export.n_records == 8 and export.skipped_rows == []


def test_form_export_matched_by_question_text(study):
    form = read_export(EXPORTS / "form_question_headers.csv", study)
    assert form.format == "form-csv" and form.header_rows == 1 and form.row_of(0) == 2
    assert form.item_columns["B1"] == "I can see how the practice differs from usual ways of working"
    assert form.demographic_columns["sector"] == "Which sector do you work in?"
    assert form.status_column is None
    assert form.identifying_dropped == ["Email"] and form.metadata_dropped == ["Timestamp"]


# --- XLSX -------------------------------------------------------------------------------------------


def test_xlsx_form_export(study, xlsx_files):
    export = read_export(xlsx_files["form"], study)
    csv_export = read_export(EXPORTS / "form_question_headers.csv", study)
    assert export.format == "form-xlsx"
    assert export.n_records == 7  # trailing empty rows of the sheet are not records
    pd.testing.assert_frame_equal(export.frame, csv_export.frame)  # Excel numbers read back as "8", not "8.0"


def test_xlsx_with_qualtrics_layout(study, xlsx_files, valid):
    export = read_export(xlsx_files["qualtrics"], study)
    assert export.format == "qualtrics-xlsx" and export.header_rows == 3
    pd.testing.assert_frame_equal(export.frame, valid.frame)


# --- helpers ----------------------------------------------------------------------------------------


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA"]


def test_looks_numeric():
    assert looks_numeric(["1", " 2", "", "3.5"])
    assert not looks_numeric(["1", "Agree"])
    assert not looks_numeric(["", " "])


def test_column_roles_cover_every_column(study, valid):
    roles = column_roles(valid, study)
    assert len(roles) == len(valid.columns) == 26
    by_column = dict(zip(roles["column"], roles["role"]))
    assert by_column["IPAddress"] == "identifying: never read"
    assert by_column["Q4_1"] == "item D1 (agreement)"
    assert by_column["Cohort"].startswith("unknown")
    assert roles.loc[roles["column"] == "Cohort", "letter"].item() == "Z"


def test_missing_file_is_an_input_error(study, tmp_path):
    with pytest.raises(InputError, match="expected an existing survey export file"):
        read_export(tmp_path / "nope.csv", study)


def test_parser_failures_become_input_errors(study, tmp_path, monkeypatch):
    import pyarrow.csv as pacsv

    def broken(*args, **kwargs):
        raise RuntimeError("simulated parser crash")

    monkeypatch.setattr(pacsv, "open_csv", broken)
    with pytest.raises(InputError) as info:
        read_export(EXPORTS / "valid_qualtrics.csv", study)
    assert "valid_qualtrics.csv" in str(info.value)
    assert "RuntimeError: simulated parser crash" in str(info.value)
