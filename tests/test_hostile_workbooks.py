"""Hostile workbooks and text (issue 18): which sheet is read, merged cells, formula cells, and
bidirectional controls in free text and quotations.

Every workbook is written here with openpyxl from the fixture exports (tests/fixtures/exports/) and
read against the mini-nomad fixture study, as tests/test_ingest.py does.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tieval import store
from tieval.errors import InputError
from tieval.survey.exports import sheets
from tieval.survey.exports.sheets import Merge, Sheet, fill_header_merges, pick_sheet, read_sheet
from tieval.survey.ingest import read_export

FIXTURES = Path(__file__).parent / "fixtures"
EXPORTS = FIXTURES / "exports"
STUDY = FIXTURES / "studies" / "mini-nomad"


@pytest.fixture(scope="module")
def study(mini_nomad):
    return mini_nomad


@pytest.fixture(scope="module")
def auto(mini_nomad_auto):
    return mini_nomad_auto


def _named(study, sheet):
    return dataclasses.replace(study, survey=dataclasses.replace(study.survey, sheet=sheet))


def _rows(name: str) -> list[list[str]]:
    with open(EXPORTS / name, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _book(path: Path, sheets: dict[str, list[list]], hidden=()) -> Path:
    """A workbook of ``sheets`` (title -> rows) in order; the titles in ``hidden`` hidden."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    book.save(path)
    return path


# --- which sheet ------------------------------------------------------------------------------------


def test_pick_sheet_rules(tmp_path):
    p = tmp_path / "x.xlsx"
    assert pick_sheet(p, ["A"], [False], None) == 0
    assert pick_sheet(p, ["Notes", "Data"], [True, False], None) == 1  # the only visible one
    assert pick_sheet(p, ["Notes", "Data"], [True, False], "Notes") == 0  # hidden, but named
    with pytest.raises(InputError, match=r"x.xlsx: expected one visible sheet.*survey.sheet.*found \"2 visible"):
        pick_sheet(p, ["A", "B", "C"], [False, False, True], None)
    with pytest.raises(InputError, match=r"a visible sheet.*only hidden sheets 'A'"):
        pick_sheet(p, ["A"], [True], None)
    with pytest.raises(InputError, match=r"a sheet named 'Z' \(survey.sheet in study.yml\); found 'A, B'"):
        pick_sheet(p, ["A", "B"], [False, False], "Z")


def test_a_hidden_first_sheet_is_never_read_unnamed(tmp_path, study):
    rows = _rows("valid_qualtrics.csv")
    decoy = [rows[0], rows[1], rows[2]] + [["x"] * len(rows[0])]
    path = _book(tmp_path / "s.xlsx", {"Old": decoy, "Responses": rows}, hidden={"Old"})
    export = read_export(path, study)
    reference = read_export(EXPORTS / "valid_qualtrics.csv", study)
    assert export.frame.equals(reference.frame)
    assert read_sheet(path, "xlsx").title == "Responses"


def test_several_visible_sheets_need_survey_sheet(tmp_path, study):
    rows = _rows("valid_qualtrics.csv")
    path = _book(tmp_path / "two.xlsx", {"Responses": rows, "Summary": [["n", "3"]], "Old": rows}, hidden={"Old"})
    with pytest.raises(InputError) as caught:
        read_export(path, study)
    line = caught.value.one_line()
    assert "\n" not in line and line.startswith("error: ") and "two.xlsx" in line
    assert "'Responses', 'Summary'" in line and "survey.sheet" in line and "hidden: 'Old'" in line
    export = read_export(path, _named(study, "Responses"))
    assert export.n_records == read_export(EXPORTS / "valid_qualtrics.csv", study).n_records


def test_a_hidden_sheet_is_read_when_named(tmp_path, study):
    rows = _rows("valid_qualtrics.csv")
    path = _book(tmp_path / "h.xlsx", {"Cover": [["About this export"]], "Data": rows}, hidden={"Data"})
    with pytest.raises(InputError):  # unnamed: the visible cover sheet is no export
        read_export(path, study)
    assert read_export(path, _named(study, "Data")).frame.equals(
        read_export(EXPORTS / "valid_qualtrics.csv", study).frame
    )


# --- merged cells ------------------------------------------------------------------------------------


def _surveymonkey_book(path: Path, merge_header: bool, merge_data: str = "") -> Path:
    source = openpyxl.load_workbook(EXPORTS / "surveymonkey.xlsx").active
    rows = [list(r) for r in source.iter_rows(values_only=True)]
    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    if merge_header:
        # as SurveyMonkey saves it: each question's text over its sub-answer columns, the metadata
        # headers over both header rows
        header = rows[0]
        starts = [i for i, v in enumerate(header) if v is not None] + [len(header)]
        for a, b in zip(starts, starts[1:], strict=False):
            if b - a > 1:
                ws.merge_cells(start_row=1, start_column=a + 1, end_row=1, end_column=b)
        ws.merge_cells("A1:A2")
    if merge_data:
        ws.merge_cells(merge_data)
    book.save(path)
    return path


@pytest.mark.parametrize("block", [sheets.MERGE_BLOCK, 5, 13])
def test_merged_ranges_are_read_from_the_sheet_xml(tmp_path, monkeypatch, block):
    """Every range once, whatever block of the XML its element falls in (tiny blocks split them)."""
    monkeypatch.setattr(sheets, "MERGE_BLOCK", block)
    path = _book(tmp_path / "m.xlsx", {"Answers": [["a", "b", "c"]] * 12})
    book = openpyxl.load_workbook(path)
    for ref in ("A1:C1", "B5:B9", "A11:C12"):
        book["Answers"].merge_cells(ref)
    book.save(path)
    assert [m.ref for m in read_sheet(path, "xlsx").merged] == ["A1:C1", "B5:B9", "A11:C12"]


def test_fill_header_merges_fills_along_the_top_row_only(tmp_path):
    grid = [["id", "Question", "", ""], ["", "a", "b", "c"], ["1", "x", "y", "z"]]
    sheet = Sheet("S", grid, [Merge(1, 2, 1, 4), Merge(1, 1, 2, 1)])
    filled = fill_header_merges(tmp_path / "w.xlsx", sheet, 2)
    assert filled[0] == ["id", "Question", "Question", "Question"]
    assert filled[1] == ["", "a", "b", "c"]  # the vertical merge A1:A2: the id header spans both rows
    assert sheet.grid[0] == ["id", "Question", "", ""]  # the sheet as read is not changed
    with pytest.raises(InputError, match=r"w.xlsx, row 3, column Question \(B\): .*merges B2:B3"):
        fill_header_merges(tmp_path / "w.xlsx", Sheet("S", grid, [Merge(2, 2, 3, 2)]), 2)


def test_merged_header_cells_read_like_the_unmerged_export(tmp_path, auto):
    merged = read_export(_surveymonkey_book(tmp_path / "m.xlsx", True), auto)
    plain = read_export(_surveymonkey_book(tmp_path / "p.xlsx", False), auto)
    assert merged.format == plain.format == "surveymonkey-xlsx"
    assert merged.columns == plain.columns and merged.item_columns == plain.item_columns
    assert merged.frame.equals(plain.frame)
    assert merged.item_columns["B1"] == (
        "Please say how far you agree - I can see how the practice differs from usual ways of working"
    )


def test_merged_answer_cells_are_one_line_naming_sheet_and_range(tmp_path, auto):
    path = _surveymonkey_book(tmp_path / "d.xlsx", True, merge_data="K4:L5")
    with pytest.raises(InputError) as caught:
        read_export(path, auto)
    line = caught.value.one_line()
    assert line.startswith("error: ") and "\n" not in line
    assert "d.xlsx, row 4, column Please say how far you agree (K):" in line and "sheet 'Sheet' merges K4:L5" in line
    assert "found 'merged cells K4:L5'" in line


def test_a_merge_across_header_and_answers_is_refused(tmp_path, auto):
    path = _surveymonkey_book(tmp_path / "x.xlsx", False, merge_data="T2:T3")
    with pytest.raises(InputError, match=r"row 3, column Any other comments\? \(T\): .*merges T2:T3"):
        read_export(path, auto)


# --- formula cells -------------------------------------------------------------------------------------


def test_formula_cells_of_the_sheet_read_are_warned_with_file_sheet_and_cells(tmp_path, study):
    rows = _rows("valid_qualtrics.csv")
    col = rows[0].index("Q6_TEXT")
    rows[3][col] = '=HYPERLINK("http://x.example","click")'  # written by openpyxl as a formula
    rows[4][col] = "=1+1"
    path = _book(tmp_path / "f.xlsx", {"Notes": [["=2+2"]], "Responses": rows}, hidden={"Notes"})
    book = openpyxl.load_workbook(path)
    book["Responses"].cell(row=6, column=col + 1).value = "=SUM(A1:A2)"
    book["Responses"].cell(row=6, column=col + 1).data_type = "s"  # typed as text by a respondent
    book.save(path)
    export = read_export(path, study)
    letter = openpyxl.utils.get_column_letter(col + 1)
    warning = next(w for w in export.warnings if "formula cell" in w)
    assert f"3 formula cell(s) in f.xlsx, sheet 'Responses' (cells {letter}4, {letter}5, {letter}6)" in warning
    assert "HYPERLINK" not in warning  # references, never the content
    free = export.frame["Q6_TEXT"].tolist()
    assert free[:3] == ["", "", "=SUM(A1:A2)"]  # never computed: no cached value; text stays text
    written = store.write_csv(export.frame[["ResponseId", "Q6_TEXT"]], tmp_path / "out.csv")
    assert "'=SUM(A1:A2)" in written.read_text(encoding="utf-8")


# --- bidirectional controls -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\u202bמשוב טוב\u202c",  # a balanced right-to-left embedding
        "\u2067شكرا\u2069 for the session",  # a balanced isolate
        "\u2066a \u202eb\u202c c\u2069",  # nested, closed innermost first
        "plain marks \u200f\u200e\u061c",  # marks open nothing
    ],
)
def test_balanced_bidi_and_plain_marks_are_kept(text):
    assert store.bidi_problem(text) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("access\u202e level", "U+202E (right-to-left override) never closed"),
        ("x\u2066y", "U+2066 (left-to-right isolate) never closed"),
        ("x\u202cy", "U+202C (pop directional formatting) with nothing open"),
        ("x\u2069", "U+2069 (pop directional isolate) with nothing open"),
        ("\u2067a\u202cb\u2069", "U+202C (pop directional formatting) first"),
        ("\u202ea\u202c\u202e", "U+202E (right-to-left override) never closed"),
    ],
)
def test_unbalanced_bidi_is_named(text, found):
    expected, shown = store.bidi_problem(text)
    assert shown == found and "bidirectional" in expected


def test_check_bidi_names_row_column_and_code_point(tmp_path):
    values = pd.Series(["fine", "\u202bok\u202c", "bad\u202e"], dtype="str")
    with pytest.raises(InputError) as caught:
        store.check_cells(tmp_path / "e.csv", values, "text")
    assert caught.value.one_line() == (
        "error: " + str(tmp_path / "e.csv") + ", row 4, column text: expected a U+202C closing the U+202E "
        "(right-to-left override) in the same cell (bidirectional controls balanced); found 'U+202E "
        "(right-to-left override) never closed'"
    )
    coded = pd.Series(["a", "b\u2066", "a"], dtype="category")
    with pytest.raises(InputError, match=r"row 11, column code: .*U\+2066"):
        store.check_cells(tmp_path / "e.csv", coded, "code", rows=[10, 11, 12])
    store.check_cells(tmp_path / "e.csv", pd.Series([1, 2]), "n")  # no text: nothing to check


def test_quotations_keep_balanced_bidi_and_refuse_unbalanced(tmp_path):
    path = tmp_path / "excerpts.csv"
    path.write_text('excerpt_id,text\nX-1,"\u202bמשוב\u202c, said"\nX-2,plain\n', encoding="utf-8")
    frame = store.read_csv(path, declared="inputs.encoding")
    assert frame["text"][0] == "\u202bמשוב\u202c, said"  # kept as it is
    path.write_text('excerpt_id,text\nX-1,plain\nX-2,"line one\nline \u2067two"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"excerpts.csv, row 3, column text: .*found 'U\+2067"):
        store.read_csv(path, declared="inputs.encoding")
    path.write_text("excerpt_id,te\u202ext\nX-1,plain\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"excerpts.csv, row 1: .*U\+202E"):
        store.read_csv(path, declared="inputs.encoding")


def test_survey_free_text_bidi(tmp_path, study):
    rows = _rows("valid_qualtrics.csv")
    col = rows[0].index("Q6_TEXT")
    rows[4][col] = "\u2067شكرا\u2069 for the session"
    path = tmp_path / "ok.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    assert read_export(path, study).frame["Q6_TEXT"][1] == "\u2067شكرا\u2069 for the session"
    rows[5][col] = "refund \u202eorder"
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(InputError) as caught:
        read_export(bad, study)
    line = caught.value.one_line()
    assert "bad.csv, row 6, column Q6_TEXT: expected a U+202C closing the U+202E" in line
    assert "never closed" in line and "\n" not in line


def test_control_characters_in_a_cell_are_named_tabs_and_line_breaks_kept():
    assert store.control_problem("two lines\nand a\ttab\r\n") is None
    assert store.control_problem("a\x00b") == ("text without NUL or other control characters", "\\x00")
    assert store.cell_problem("x\x1b[2J") == ("text without NUL or other control characters", "\\x1b")
    assert store.cell_problem("a \u202eb")[1].startswith("U+202E")  # bidi problems come through the same door
    with pytest.raises(InputError) as err:
        store.check_cells(Path("s.csv"), pd.Series(["fine", "bad\x00"], dtype="str"), "what", rows=[4, 5])
    assert str(err.value).count("\n") == 0 and "row 5" in str(err.value) and "column what" in str(err.value)


def test_a_text_export_with_a_stray_nul_is_read_as_text_and_binary_data_is_not():
    from tieval.survey.exports.sniff import _text_with_stray_nuls  # noqa: PLC0415

    assert _text_with_stray_nuls(b"id,text\n1,ab\x00c\n")
    assert _text_with_stray_nuls("id,text\n1,caf\u00e9".encode()[:-1])  # a character cut at the block's end
    assert not _text_with_stray_nuls(bytes(range(256)))
    assert not _text_with_stray_nuls(b"a\x00" * 20)
