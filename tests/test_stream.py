"""Batch-by-batch reading of CSV text (tieval.survey.exports.stream)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from tieval.survey.exports import stream

NAMES = ["id", "q1", "q2", "text"]


def _text(n: int) -> bytes:
    rng = np.random.default_rng(7)
    answers = np.array(["Agree", "Disagree", "Neutral", "", "Strongly agree"])
    lines = ["ResponseId,Q1,Q2,Comment"]
    for i in range(n):
        a, b = answers[rng.integers(0, 5, 2)]
        # the last answer of Q2 appears for the first time late in the file
        b = "Late answer" if i == n - 3 else b
        lines.append(f'R_{i},{a},{b},"line one\nline, two {i}"')
    return ("\n".join(lines) + "\n").encode()


def _whole_file(data: bytes) -> pd.DataFrame:
    """What the whole-file reader gives (the reference the batches must reproduce)."""
    table = pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(column_names=NAMES),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={"id": pa.string(), "q1": stream.CODED, "q2": stream.CODED, "text": pa.string()},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table.slice(1).to_pandas()


def _read(data: bytes, on_invalid=lambda row: "skip", names=NAMES) -> pd.DataFrame:
    return stream.read_columns(pa.BufferReader(data), names, names, {"q1", "q2"}, ",", on_invalid, skip=1)


@pytest.mark.parametrize("block", [256, 1 << 22])
def test_batches_give_the_whole_file_frame(monkeypatch, block):
    monkeypatch.setattr(stream, "BLOCK_SIZE", block)
    data = _text(3000)
    frame, reference = _read(data), _whole_file(data)
    assert len(frame) == 3000
    for name in ("id", "text"):
        assert frame[name].dtype == "str"
        assert frame[name].tolist() == reference[name].tolist()
    for name in ("q1", "q2"):
        # same texts row by row, categories in order of first appearance (header text first)
        assert frame[name].astype(str).tolist() == reference[name].astype(str).tolist()
        first_seen = list(dict.fromkeys(["Q1" if name == "q1" else "Q2", *frame[name].astype(str)]))
        assert list(frame[name].cat.categories) == first_seen
    assert frame["q2"].cat.categories[-1] == "Late answer"
    assert frame.loc[2997, "q2"] == "Late answer"
    assert frame.loc[0, "text"] == "line one\nline, two 0"


def test_codes_take_the_smallest_type():
    frame = _read(_text(50))
    assert frame["q1"].array.codes.dtype == np.int8


def test_codes_widen_when_a_column_has_many_distinct_texts(monkeypatch):
    monkeypatch.setattr(stream, "BLOCK_SIZE", 512)
    lines = ["ResponseId,Q1,Q2,Comment", *(f"R{i},v{i},a,t" for i in range(400))]
    frame = _read(("\n".join(lines) + "\n").encode())
    assert frame["q1"].array.codes.dtype == np.int16
    assert frame["q1"].astype(str).tolist() == [f"v{i}" for i in range(400)]


def test_rows_of_the_wrong_width_go_to_the_handler_and_are_skipped():
    seen = []

    def on_invalid(row):
        seen.append((row.expected_columns, row.actual_columns))
        return "skip"

    data = b"ResponseId,Q1,Q2,Comment\nR1,a,b,c\nR2,a,b\nR3,a,b,c\n"
    frame = _read(data, on_invalid)
    assert seen == [(4, 3)]
    assert frame["id"].tolist() == ["R1", "R3"]


def test_header_only_gives_an_empty_frame():
    frame = _read(b"ResponseId,Q1,Q2,Comment\n")
    assert len(frame) == 0 and list(frame.columns) == NAMES


def test_bad_utf8_is_an_arrow_error():
    with pytest.raises(pa.ArrowInvalid):
        _read(b"ResponseId,Q1,Q2,Comment\nR1,\xff\xfe,b,c\n")
