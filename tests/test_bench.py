"""Tests of the benchmark's synthetic exports and bookkeeping (no timing assertions: timings are measured by
``make bench``, not by tests)."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from tieval.config import load_study
from tieval.errors import InputError
from tieval.survey.clean import validate, validate_file
from tieval.survey.ingest import read_export
from tieval.tools import bench


@pytest.fixture(scope="module")
def study():
    return load_study(bench.BENCH_STUDY, check_files=False)


@pytest.fixture(scope="module")
def small(tmp_path_factory, study):
    path = tmp_path_factory.mktemp("bench") / "small.csv"
    bench.write_export(path, study, 200, seed=7)
    return path


def _records(path):
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_three_header_rows_like_the_stand_in(small, study):
    records = _records(small)
    ids, questions, import_ids = records[:3]
    assert ids == bench.qualtrics_header(study)[0]
    assert len(ids) == len(questions) == len(import_ids) == 49
    # every ImportId cell is JSON naming the column's import id
    parsed = [json.loads(cell) for cell in import_ids]
    assert all(set(p) >= {"ImportId"} for p in parsed)
    assert parsed[ids.index("ResponseId")]["ImportId"] == "_recordId"
    assert parsed[ids.index("Q2_1")]["ImportId"] == "QID2_1"
    # question text of the items is the instrument's wording
    b1 = study.item("B1")
    assert questions[ids.index(b1.column)] == b1.text
    # 200 records below the header, each as wide as the header
    assert len(records) == 3 + 200
    assert all(len(r) == len(ids) for r in records)


def test_header_rows_equal_the_stand_in_export(small, study):
    stand_in = study.root / "raw" / "survey.csv"
    if not stand_in.is_file():
        pytest.skip("the reconstructed stand-in export is not generated yet")
    assert _records(small)[:3] == _records(stand_in)[:3]


def test_answers_are_choice_text(small, study):
    records = _records(small)
    ids, body = records[0], records[3:]
    for item in (study.item("B1"), study.item("D2"), study.item("A1")):
        scale = study.scale_of(item)
        allowed = (
            {""}
            | set(scale.not_relevant)
            | (
                {str(v) for v in range(int(scale.min), int(scale.max) + 1)}
                if scale.type == "numeric"
                else {lv.label for lv in scale.levels}
            )
        )
        values = {r[ids.index(item.column)] for r in body}
        assert values <= allowed
        assert len(values - {""}) >= 3  # several answers, not a constant column
    sector = {r[ids.index("Q7")] for r in body} - {""}
    assert sector <= {lv.label for lv in study.scales["sector"].levels}
    # quoted line breaks and commas inside free text are present (a realistic export)
    texts = [r[ids.index("Q9_TEXT")] for r in body] + [r[ids.index("Q10_TEXT")] for r in body]
    assert any("\n" in t for t in texts) and any("," in t for t in texts) and any('"' in t for t in texts)


def test_parses_and_validates_with_the_real_reader(small, study):
    export = read_export(small, study)
    assert export.format == "qualtrics"
    assert export.header_rows == 3
    assert export.n_records == 200
    assert export.encoding_bom
    assert "IPAddress" in export.identifying_dropped and "RecipientEmail" in export.identifying_dropped
    assert "IPAddress" not in export.frame.columns
    validation = validate(export, study)
    counts = validation.counts()
    assert counts["records"] == 200
    assert 150 < counts["responses"] <= 200
    assert counts["complete"] > counts["partial"] > 0


def test_generation_is_seeded_and_deterministic(tmp_path, study):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    bench.write_export(a, study, 300, seed=3)
    bench.write_export(b, study, 300, seed=3)
    bench.write_export(c, study, 300, seed=4)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_response_ids_are_unique(study):
    _, columns = bench.synthetic_export(study, 5000, seed=1)
    ids = bench.cell_texts(columns["ResponseId"], 0, 5000)
    assert len(set(ids.tolist())) == 5000
    assert list(bench.cell_texts(columns["ResponseId"], 100, 103)) == list(ids[100:103])  # any block, same texts
    assert all(len(i) == 17 and i.startswith("R_") for i in ids[:50])


def test_bad_cell_is_reported_at_its_spreadsheet_row(tmp_path, study):
    bad_row = 2345
    path = tmp_path / "bad.csv"
    bench.write_export(path, study, 3000, seed=11, bad_row=bad_row)
    # independent check: the planted value is in the record the csv module counts as row 2345,
    # which lies further down the file than line 2345 (answers with line breaks come before it)
    records = _records(path)
    ids = records[0]
    column = ids.index("Q2_1")
    rows = [i + 1 for i, r in enumerate(records) if r[column] == bench.BAD_VALUE]
    assert rows == [bad_row]
    lines = path.read_bytes().split(b"\n")
    line_of_value = next(i + 1 for i, line in enumerate(lines) if bench.BAD_VALUE.encode() in line)
    assert line_of_value > bad_row
    with pytest.raises(InputError) as info:
        validate_file(path, study)
    err = info.value
    assert err.row == bad_row
    assert err.column.startswith("Q2_1")
    assert err.found == bench.BAD_VALUE
    assert f"row {bad_row}" in str(err)


def test_bad_cell_message_reports_row(tmp_path, study):
    path = tmp_path / "bad.csv"
    bench.write_export(path, study, 500, seed=2, bad_row=400)
    result = bench.bad_cell_message(path)
    assert result["row"] == 400
    assert "row 400" in result["message"] and bench.BAD_VALUE in result["message"]


def test_bad_row_outside_the_data_is_refused(study):
    with pytest.raises(ValueError):
        bench.synthetic_export(study, 100, bad_row=3)  # a header row
    with pytest.raises(ValueError):
        bench.synthetic_export(study, 100, bad_row=104)  # beyond the last record (row 103)


def test_cached_export_is_reused(tmp_path):
    first = bench.cached_export(150, seed=5, folder=tmp_path)
    stamp = first.stat().st_mtime_ns
    again = bench.cached_export(150, seed=5, folder=tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert first.name == bench.export_name(150, 5)


def test_growth_exponent_known_answers():
    assert bench.growth_exponent(1e5, 2.0, 1e6, 20.0) == pytest.approx(1.0)
    assert bench.growth_exponent(1e5, 1.0, 1e6, 10**1.15) == pytest.approx(1.15)
    assert bench.growth_exponent(1e3, 4.0, 1e4, 4.0) == pytest.approx(0.0)


def test_summarise_takes_medians_and_the_faster_floor():
    def path_run(s, rss):
        return {"seconds": s, "peak_rss_mb": rss, "stages": {"ingest": s / 2}, "records": 10, "responses_rows": 270}

    paths = [path_run(3.0, 100.0), path_run(9.0, 300.0), path_run(4.0, 200.0)]
    floors = {
        "pyarrow": [{"seconds": s, "peak_rss_mb": 50.0} for s in (1.0, 2.0, 3.0)],
        "pyarrow-serial": [{"seconds": s, "peak_rss_mb": 60.0} for s in (1.5, 1.5, 9.0)],
    }
    rec = bench.summarise(10, paths, floors)
    assert rec["seconds"] == 4.0
    assert rec["peak_rss_mb"] == 200.0
    assert rec["floor_seconds"] == 1.5 and rec["floor_reader"] == "pyarrow-serial"
    assert rec["floor_peak_rss_mb"] == 60.0
    assert rec["ratio"] == pytest.approx(4.0 / 1.5, abs=1e-3)
    assert rec["stages"] == {"ingest": 2.0}
    assert "io_seconds" not in rec


def test_floor_read_skips_the_two_extra_header_rows(small):
    result = bench.floor_read(small, "pyarrow-serial")
    assert result["rows"] == 200 and result["columns"] == 49
    with pytest.raises(ValueError):
        bench.floor_read(small, "csv-module")


def test_survey_path_runs_every_stage(small):
    result = bench.survey_path(small, io=True)
    assert set(result["stages"]) == {"config", "ingest", "validate", "clean", "table5", "constructs"}
    assert result["records"] == 200
    assert result["table5_rows"] == 27  # A1-A3, B1-F4
    assert result["responses_rows"] % 27 == 0 and 0 < result["responses_rows"] // 27 <= 200
    assert math.isclose(result["io_seconds"], result["write_seconds"] + result["read_seconds"])
    assert result["peak_rss_mb"] > 0


# --- the user's path: peers and the end-to-end helpers (tools.bench_peers, tools.bench_e2e) ---------
def test_pandas_and_duckdb_peers_compute_the_same_table5_and_scores(small, study):
    from tieval.tools import bench_peers

    p5, pscores = bench_peers.pandas_tables(str(small), study)
    d5, dscores = bench_peers.duckdb_tables(str(small), study)
    d5 = d5.pivot(index="item_id", columns="category", values="percent").fillna(0)
    assert sorted(p5.index) == sorted(d5.index) and len(p5) == 27
    for item in p5.index:
        for cat in p5.columns:
            assert math.isclose(p5.loc[item, cat], d5.loc[item, cat] if cat in d5.columns else 0.0, abs_tol=1e-9)
    dscores = dscores.pivot(index="ResponseId", columns="construct", values="score")
    assert sorted(pscores.index) == sorted(dscores.index)
    first = pscores.index[0]
    for construct in pscores.columns:
        a, b = pscores.loc[first, construct], dscores.loc[first, construct]
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b)


def test_pandas_peer_table5_matches_a_hand_count(small, study):
    from tieval.tools import bench_peers

    table5, _ = bench_peers.pandas_tables(str(small), study)
    rows = _records(small)
    header, data = rows[0], rows[3:]
    col = header.index("Q2_1")  # item B1, agreement scale
    answers = [r[col] for r in data if r[header.index("Status")] == "IP Address" and r[col] != ""]
    agree = sum(a in ("Agree", "Strongly agree") for a in answers)
    assert math.isclose(table5.loc["B1", "agree"], 100 * agree / len(answers))


def test_step_lines_of_a_build_are_parsed():
    from tieval.tools.bench_e2e import _step_seconds

    out = "setting up .venv\nlancashire-tiat    02_clean            12.5 s\nall studies        index                0.1 s\n"
    assert _step_seconds(out) == {"lancashire-tiat 02_clean": 12.5, "all studies index": 0.1}


def test_tree_run_measures_the_whole_process_tree(tmp_path):
    import sys

    from tieval.tools.bench_e2e import tree_run

    # a parent holding ~50 MB that starts a child holding ~150 MB: the tree's peak is their sum
    child = "import time; b = bytearray(150_000_000); time.sleep(1.0)"
    parent = f"import subprocess, sys; a = bytearray(50_000_000); subprocess.run([sys.executable, '-c', {child!r}])"
    result = tree_run([sys.executable, "-c", parent], tmp_path)
    assert result["returncode"] == 0
    assert result["peak_tree_mb"] > 200  # more than either process alone


def test_a_failed_build_is_named_by_its_error_lines():
    from tieval.tools.bench_e2e import _failure

    out = (
        "lancashire-tiat    01_study_overview    4.6 s\n"
        "error: kernel died while running 03_tables (out of memory?)\n"
        "make: *** [.make/rules.mk:40: outputs/lancashire-tiat/03_tables/03_tables.ipynb] Error 2\n"
    )
    assert _failure(out).splitlines() == out.splitlines()[1:]
    assert _failure("one line\nlast line\n") == "last line"
    assert _failure("") == "no output"


def test_the_figure_leaves_out_a_size_that_did_not_build(tmp_path):
    from tieval.tools.bench_e2e import e2e_figure

    done = {
        "respondents": 1000,
        "build": {"returncode": 0, "seconds": 30.0, "peak_tree_mb": 500.0},
        "triangulation_edit": {"seconds": 10.0},
        "peers": {},
    }
    failed = {"respondents": 10_000_000, "build": {"returncode": 2, "seconds": 900.0, "peak_tree_mb": 23_000.0}}
    fig = e2e_figure([done, failed])
    assert [list(line.get_xdata()) for line in fig.axes[0].lines][:1] == [[1000]]


def test_merge_keeps_the_records_of_other_sizes(tmp_path):
    from tieval.tools import bench_e2e  # noqa: PLC0415

    path = tmp_path / "e2e.json"
    old = [{"respondents": 100_000, "when": "A"}, {"respondents": 10_000_000, "when": "A"}]
    path.write_text(json.dumps({"records": old, "bad_cell": {"row": 1}, "when": "A"}), encoding="utf-8")
    new = [{"respondents": 10_000_000, "when": "B"}]
    records, checked, when = bench_e2e.merged(path, new, None, "B")
    assert [(r["respondents"], r["when"]) for r in records] == [(100_000, "A"), (10_000_000, "B")]
    assert checked == {"row": 1}  # no bad-cell check now: the file's is kept
    assert when == "A (10^5); B (10^7)"
    assert bench_e2e.merged(tmp_path / "none.json", new, None, "B") == (new, None, "B")
    assert bench_e2e._sizes_text([{"respondents": 2_500_000}]) == "2,500,000"
