"""`python -m tieval validate FILE --study STUDY`: a summary and exit 0, or one line and exit 2.

Every malformed or awkward fixture in tests/fixtures/exports/ is run through the
command line entry point and its one-line message is checked for the file,
the spreadsheet row, the column and what was expected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tieval.__main__ import main

FIXTURES = Path(__file__).parent / "fixtures"
EXPORTS = FIXTURES / "exports"
STUDY = FIXTURES / "studies" / "mini-nomad"
ROOT = Path(__file__).resolve().parents[1]

AGREEMENT = (
    "expected one of 'Strongly disagree', 'Disagree', 'Neither agree nor disagree', 'Agree', "
    "'Strongly agree', 'Not relevant to my role', 'Not relevant at this stage'"
)

#: fixture file -> fragments its one-line message must contain
BAD_INPUTS = {
    "empty.csv": ["expected a survey export with a header row and responses; found an empty file (0 bytes)"],
    "bom_only.csv": ["found an empty file"],
    "header_only.csv": ["row 4: expected at least one response below the 3 header rows; found none"],
    "semicolons.csv": ["row 1: expected a comma-separated export (the file seems to be separated by semicolons"],
    "tabs.csv": ["row 1:", "separated by tabs"],
    "bad_label.csv": ["row 6, column Q2_1 (item B1): " + AGREEMENT, "found 'Agre'"],
    "bad_label_after_multiline.csv": ["row 8, column Q4_2 (item D2): expected one of", "found 'Agree strongly'"],
    "out_of_range.csv": ["row 7, column Q1_1 (item G1): expected a number from 0 to 10; found '11'"],
    "not_a_number.csv": ["row 5, column Q1_1 (item G1): expected a number from 0 to 10; found 'seven'"],
    "unknown_numeric_code.csv": [
        "row 6, column Q2_2 (item B2): expected one of the numeric codes 1, 2, 3, 4, 5, 6, 7",
        "found '9'",
    ],
    "not_relevant_code_unmapped.csv": ["row 7, column Q2_1 (item B1)", "numeric codes", "found '8'"],
    "bad_demographic.csv": [
        "row 6, column Q5 (sector): expected one of 'Health (NHS)', 'Local Authority', "
        "'Voluntary/Charity Sector'; found 'Police'"
    ],
    "missing_item_column.csv": ["row 1, column Q4_2: expected a column for item D2", "the header has none"],
    "missing_demographic_column.csv": ["row 1, column Q5: expected a column for demographic sector"],
    "missing_id_column.csv": ["row 1, column ResponseId: expected a column of response ids (survey.id_column"],
    "duplicate_item_column.csv": [
        "row 1, column Q2_1: expected each column name once in the header",
        "2 columns named 'Q2_1' (columns S, Z)",
    ],
    "duplicate_response_id.csv": [
        "row 9, column ResponseId: expected each response id once (this id is also on row 6); found 'R_3cDeFgHiJkLmNoP'"
    ],
    "empty_response_id.csv": ["row 7, column ResponseId: expected a response id in every row"],
    "short_row.csv": [
        "row 7, column Q3_1: expected 26 values separated by commas, like the header row",
        "shorter than the header",
        "found '20 values'",
    ],
    "long_row.csv": [
        "row 8, column AA (beyond the header): expected 26 values",
        "longer than the header",
        "found '27 values'",
    ],
    "unclosed_quote.csv": ["row 9", 'a quote (") opened in this row is never closed'],
    "not_cp1252.csv": [
        "row 9, column Q6_TEXT: expected UTF-8 text",
        "found 'byte 0x81 at offset",
    ],
    "utf16_no_bom.csv": ["found UTF-16 text without a byte-order mark"],
    "binary_garbage.csv": ["expected a text CSV file (this is binary data"],
    "unknown_status.csv": ["row 8, column Status: expected a Qualtrics Status", "found 'Maybe'"],
    "only_previews.csv": [
        "expected at least one response that is not a preview, test, spam or empty record",
        "all excluded (survey preview 2)",
    ],
    "old_excel.xls": ["old-style Excel .xls file"],
    "qualtrics_download.zip": [
        "expected the export itself, not a zip download (unzip it",
        "Mini NoMAD survey_May 1, 2024_09.10.csv",
    ],
    "corrupt.xlsx": ["expected a readable XLSX workbook (the zip container is damaged)"],
}


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main(["validate", *[str(a) for a in args], "--study", str(STUDY)])
    out, err = capsys.readouterr()
    return code, out, err


def test_there_are_at_least_25_bad_input_fixtures():
    assert len(BAD_INPUTS) >= 25
    assert all((EXPORTS / name).is_file() for name in BAD_INPUTS)


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_and_exit_2(name, capsys):
    code, out, err = _run(capsys, EXPORTS / name)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith(f"error: tests/fixtures/exports/{name}") or err.startswith(f"error: {EXPORTS / name}")
    assert "Traceback" not in err
    for fragment in BAD_INPUTS[name]:
        assert fragment in err, (fragment, err)


def test_bad_label_in_an_xlsx_names_the_sheet_row(tmp_path, capsys):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ResponseId", "Q1_1", "Q2_1", "Q2_2", "Q3_1", "Q4_1", "Q4_2", "Q5", "Q6_TEXT"])
    sheet.append(["R_1", 7, "Agree", "Agree", "Agree", "Agree", "Agree", "Health (NHS)", None])
    sheet.append([None] * 9)  # a blank spreadsheet row still counts
    sheet.append(["R_2", 3, "Agree", "Agree", "Agreed", "Agree", "Agree", "Health (NHS)", None])
    book.save(tmp_path / "export.xlsx")
    code, _, err = _run(capsys, tmp_path / "export.xlsx")
    assert code == 2
    assert "export.xlsx, row 4, column Q3_1 (item C1)" in err and "found 'Agreed'" in err


def test_missing_file(capsys, tmp_path):
    code, _, err = _run(capsys, tmp_path / "missing.csv")
    assert code == 2 and "missing.csv: expected an existing survey export file" in err


def test_valid_export_prints_a_summary_and_exits_0(capsys):
    code, out, err = _run(capsys, EXPORTS / "valid_qualtrics.csv")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].endswith("valid_qualtrics.csv: Qualtrics CSV export (three header rows), 8 record(s)")
    assert lines[1] == "received: 7 (records that are not previews, tests or spam)"
    assert lines[2] == "responses: 6 (4 complete, 2 partial)"
    assert lines[3] == "excluded: 2 (survey preview 1, no items answered 1)"
    assert lines[4] == "warnings: 1"
    assert "Cohort" in lines[5]


@pytest.mark.parametrize(
    "name, first_line, excluded",
    [
        ("bom_crlf.csv", "Qualtrics CSV export (three header rows), 8 record(s)", "excluded: 2 "),
        ("legacy_two_rows.csv", "legacy Qualtrics CSV export (two header rows), 8 record(s)", "excluded: 2 "),
        ("numeric_recodes.csv", "Qualtrics CSV export (three header rows), 8 record(s)", "excluded: 2 "),
        (
            "status_codes.csv",
            "10 record(s)",
            "excluded: 4 (survey preview 1, survey test 1, spam 1, no items answered 1)",
        ),
        (
            "form_question_headers.csv",
            "online-form CSV export (one header row), 7 record(s)",
            "excluded: 1 (no items answered 1)",
        ),
        ("blank_row_inside.csv", "8 record(s)", "excluded: 2 "),
    ],
)
def test_awkward_but_valid_exports(name, first_line, excluded, capsys):
    code, out, err = _run(capsys, EXPORTS / name)
    assert code == 0, err
    assert first_line in out.splitlines()[0]
    assert "responses: 6 (4 complete, 2 partial)" in out
    assert excluded in out


def test_validate_builds_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, _ = _run(capsys, EXPORTS / "valid_qualtrics.csv")
    assert code == 0
    assert list(tmp_path.iterdir()) == []


def _subprocess(*args) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run(
        [sys.executable, "-m", "tieval", "validate", *map(str, args), "--study", str(STUDY)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_subprocess_exit_codes():
    good = _subprocess(EXPORTS / "valid_qualtrics.csv")
    assert good.returncode == 0 and "responses: 6 (4 complete, 2 partial)" in good.stdout
    bad = _subprocess(EXPORTS / "bad_label.csv")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        "error: tests/fixtures/exports/bad_label.csv, row 6, column Q2_1 (item B1): " + AGREEMENT + "; found 'Agre'"
    ]
