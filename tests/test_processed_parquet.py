"""Processed data as typed Parquet: declared column types, byte-identical writes, checked reads, CSV copies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tieval import store
from tieval.errors import InputError
from tieval.schema import column_type
from tieval.survey import data


def _responses() -> pd.DataFrame:
    """Three rows as the cleaning step builds them (categorical text, the code as %.6g text)."""
    cat = pd.Categorical
    return pd.DataFrame(
        {
            "study": cat(["s", "s", "s"]),
            "wave": cat(["survey", "survey", "survey"]),
            "respondent_id": cat(["R2", "R2", "R1"]),
            "item_id": cat(["Q1", "Q2", "Q1"], categories=["Q2", "Q1"]),
            "code": cat(["5", "", "2.5"]),
            "label": cat(["=Agree", "", "Disagree"]),
            "category": cat(["agree", "not_relevant", "disagree"]),
            "missing_reason": cat(["", "not_relevant", ""]),
        }
    )


def _kinds(path, column):
    return column_type("responses", column)


def test_two_writes_of_the_same_data_are_byte_identical(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    store.write_parquets({a: _responses()}, _kinds)
    store.write_parquets({b: _responses().sample(frac=1, random_state=1).sort_index()}, _kinds)
    assert a.read_bytes() == b.read_bytes()
    assert not list(tmp_path.glob("*.tmp"))


def test_columns_are_stored_with_their_declared_types(tmp_path):
    path = tmp_path / "r.parquet"
    store.write_parquets({path: _responses()}, _kinds)
    schema = pq.read_schema(path)
    assert schema.field("item_id").type == pa.dictionary(pa.int8(), pa.string())
    assert schema.field("code").type == pa.float64()
    assert schema.metadata is None or b"pandas" not in schema.metadata  # no pandas metadata
    table = pq.read_table(path)
    assert table.column("code").to_pylist() == [5.0, None, 2.5]
    assert table.column("label").to_pylist() == ["=Agree", "", "Disagree"]  # stored as is, '' for missing


def test_read_gives_sorted_categories_and_checks_types(tmp_path):
    path = tmp_path / "r.parquet"
    store.write_parquets({path: _responses().drop(columns=["wave"])}, _kinds)
    frame = store.read_parquet(path, lambda c: column_type("responses", c), ["item_id"])
    assert list(frame["item_id"].cat.categories) == ["Q1", "Q2"]
    assert frame["item_id"].tolist() == ["Q1", "Q2", "Q1"]
    text = store.read_parquet(path, lambda c: column_type("responses", c), [], ["label"], categorical=False)
    assert list(text.columns) == ["label"] and text["label"].dtype == "str"
    with pytest.raises(InputError, match=r"r\.parquet.*column code.*a column of type text; found 'double'"):
        store.read_parquet(path, lambda c: "text" if c == "code" else column_type("responses", c), [])
    with pytest.raises(InputError, match="column wave.*missing"):
        store.read_parquet(path, lambda c: column_type("responses", c), ["wave"])
    (tmp_path / "bad.parquet").write_text("study,code\n")
    with pytest.raises(InputError, match="bad.parquet: expected a Parquet file"):
        store.read_parquet(tmp_path / "bad.parquet", lambda c: "text", [])


def test_csv_copy_is_what_the_csv_writer_wrote(tmp_path, monkeypatch):
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    frame = _responses()
    data.write_tables("s", {"responses": frame}, tmp_path)
    store.write_csv(frame, tmp_path / "direct.csv")

    class _Study:
        id = "s"
        demographics = ()

    copies = {path.name: path for path in data.export_csv(_Study(), tmp_path)}
    assert sorted(copies) == ["answer_counts.csv", "responses.csv"]  # the counts are written with the responses
    written = copies["responses.csv"]
    assert written.read_bytes() == (tmp_path / "direct.csv").read_bytes()
    assert written.read_text().splitlines()[1] == "s,survey,R2,Q1,5,'=Agree,agree,"
    counted = copies["answer_counts.csv"].read_text().splitlines()
    assert counted[0] == "study,wave,item_id,code,label,category,missing_reason,n_rows" and len(counted) == 4


def test_a_failed_write_leaves_the_previous_files(tmp_path, monkeypatch):
    path, other = tmp_path / "r.parquet", tmp_path / "x.csv"
    store.write_parquets({path: _responses()}, _kinds, {other: pd.DataFrame({"a": [1]})})
    before = path.read_bytes(), other.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(store, "_stage_csv", fail)
    with pytest.raises(OSError, match="simulated"):
        store.write_parquets({path: _responses().iloc[:1]}, _kinds, {other: pd.DataFrame({"a": [2]})})
    assert (path.read_bytes(), other.read_bytes()) == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_mini_tables_fixture_reads_as_its_contract(mini_tables):
    study, respondents = mini_tables
    responses = data.load_responses(study, respondents)
    assert respondents["status"].dtype == "str" and respondents["n_items_answered"].dtype == np.int32
    assert isinstance(responses["item_id"].dtype, pd.CategoricalDtype)
    assert responses["code"].dtype == float
    free = data.load_free_text(study, ["text"])
    assert list(free.columns) == ["text"] and free["text"].iloc[0] == "Hopeful, excited and calm"


@pytest.mark.parametrize("categorical", [True, False])
def test_a_read_column_by_column_is_the_whole_table_read(tmp_path, categorical):
    """read_parquet converts one column at a time (a lower peak at a million respondents): the frame
    is the one pyarrow's whole-table conversion gives, row groups with their own dictionaries included."""
    path = tmp_path / "r.parquet"
    big = pd.concat([_responses()] * 4, ignore_index=True)
    table = pa.Table.from_pandas(
        big.assign(code=[1.5, np.nan, 2.0] * 4, n=np.arange(12, dtype="int32")), preserve_index=False
    )
    pq.write_table(table.replace_schema_metadata(None), path, row_group_size=5)
    names = table.column_names
    whole = pq.read_table(path)
    if not categorical:
        whole = pa.Table.from_arrays(
            [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in whole.columns], names=names
        )
    pd.testing.assert_frame_equal(store._read_columns(path, names, categorical), whole.to_pandas(), check_exact=True)
    part = store._read_columns(path, ["code", "item_id"], categorical)
    assert list(part.columns) == ["code", "item_id"] and len(part) == 12
    assert store._read_columns(path, [], categorical).shape[1] == 0


def _many_respondents(n: int) -> pd.DataFrame:
    """``n`` respondents answering two items, in respondent order, as the cleaning step builds them."""
    ids = [f"R{i:05d}" for i in range(n)]
    return pd.DataFrame(
        {
            "study": pd.Categorical(["s"] * 2 * n),
            "respondent_id": pd.Categorical([r for r in ids for _ in range(2)]),
            "item_id": pd.Categorical(["Q1", "Q2"] * n),
            "code": pd.Categorical(["1", ""] * n),
            "label": pd.Categorical(["Yes", ""] * n),
            "category": pd.Categorical(["yes", "not_answered"] * n),
            "missing_reason": pd.Categorical(["", "not_answered"] * n),
        }
    )


def test_each_row_group_stores_only_the_respondent_ids_it_uses(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "ROW_GROUP", 100)
    monkeypatch.setattr(store, "COMPACT_ABOVE", 16)
    frame, path = _many_respondents(500), tmp_path / "r.parquet"
    store.write_parquets({path: frame}, _kinds)
    parquet = pq.ParquetFile(path)
    assert parquet.metadata.num_row_groups == 10
    for group in range(10):
        ids = parquet.read_row_group(group, columns=["respondent_id"]).column(0).chunk(0)
        assert len(ids.dictionary) == 50  # 100 rows of two answers each, not all 500 ids
        assert ids.dictionary.to_pylist() == sorted(ids.dictionary.to_pylist())
        study = parquet.read_row_group(group, columns=["study"]).column(0).chunk(0)
        assert len(study.dictionary) == 1  # a small dictionary is kept as it is
    back = store.read_parquet(path, lambda c: column_type("responses", c), [])
    assert back["respondent_id"].astype(str).tolist() == frame["respondent_id"].astype(str).tolist()
    assert back["respondent_id"].cat.categories.tolist() == sorted(set(frame["respondent_id"].astype(str)))
    again = tmp_path / "again.parquet"
    store.write_parquets({again: frame}, _kinds)
    assert again.read_bytes() == path.read_bytes()


def test_an_empty_table_is_written_with_its_schema(tmp_path):
    path = tmp_path / "r.parquet"
    store.write_parquets({path: _responses().iloc[:0]}, _kinds)
    assert pq.read_metadata(path).num_rows == 0
    assert pq.read_schema(path).field("item_id").type == pa.dictionary(pa.int8(), pa.string())
