"""Writing derived files (tieval.store): the Arrow CSV formatter writes exactly what pandas writes."""

from __future__ import annotations

import io
import random

import numpy as np
import pandas as pd
import pytest

from tieval import store

ALPHABET = ["a", "b", "é", ",", '"', "\n", "\r", " ", "\t", "🙂", "'", ";", "\u2028", "\x85"]


def _pandas_bytes(frame: pd.DataFrame) -> bytes:
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
        name = rng.choice(["a", "b,c", 'q"', "x y", "n\nl", "é"]) + str(j)
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
