"""The tables step (``tieval.steps.tables``) without papermill: ``run`` computes every section and
writes nothing, ``write`` writes every table and figure.

Uses the hand-made ``mini-tables`` study (tests/fixtures/tables/root, six included respondents
r1-r6, one excluded; its numbers are worked out by hand in test_published_tables.py), copied into a
throw-away project root so that what ``write`` puts on disk can be listed exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from tieval.config import load_study  # noqa: E402
from tieval.report.figures import AppendixFigure  # noqa: E402
from tieval.report.present import Banner, Note, Table  # noqa: E402
from tieval.steps import tables  # noqa: E402

TABLES_ROOT = Path(__file__).parent / "fixtures" / "tables" / "root"


@pytest.fixture()
def root(tmp_path, monkeypatch):
    """A copy of the fixture root, with TIEVAL_ROOT pointing at it."""
    shutil.copytree(TABLES_ROOT, tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture()
def study(root):
    return load_study(root / "data" / "mini-tables", check_files=False)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_run_writes_nothing_and_fills_every_section(root, study):
    before = _files(root)
    result = tables.run(study)
    assert _files(root) == before
    assert result.notes == {"waves": tables.ONE_WAVE}  # cross-sectional: a one-line note, no change section
    assert result.waves == (Note(tables.ONE_WAVE),) and result.change is None
    assert [type(b) for b in result.data] == [Note]
    assert result.data[0].text.startswith("6 respondents are analysed (5 complete, 1 partial).")
    # Table 1: agreement items in one frame, then the 0-10 item, then the comparison; Table 2; Table 3 skipped
    captions = [b.caption for b in result.published if isinstance(b, Table)]
    assert captions[2] == "Table 1: published and reproduced values"
    assert captions[4] == "Table 2: published and reproduced values"
    agreement = result.published[0].frame
    assert agreement.loc[0, "Item"] == "Q1. The training was useful"
    assert agreement.loc[0, "Agree / Strongly agree"] == "60% (3/5) [23–88]"
    assert agreement.loc[1, "Not relevant"] == "20% (1/5) [4–62]"
    assert result.published[0].max_rows is None
    assert isinstance(result.published[-1], Note) and "Table 3" in result.published[-1].text


def test_run_scores_constructs_and_renders_figures(study):
    result = tables.run(study)
    summary = result.construct_summary.set_index("construct")
    assert summary.loc["c1", "alpha"] == pytest.approx(0.9643)
    assert summary.loc["c1", "alpha_n"] == 3
    assert summary.loc["c2", "mean"] == pytest.approx(3.4)
    assert isinstance(result.constructs[0], Banner)  # the fixture is marked reconstructed
    assert result.constructs[1].frame is result.construct_summary
    assert list(result.construct_scores.columns) == ["respondent_id", "c1", "c2", "basis"]
    names = [f.name for f in result.figures]
    assert names == ["diverging_agreement", "histograms_zero_ten", "proportions_text", "words_feel"]
    assert all(isinstance(f, AppendixFigure) and f.png.startswith(b"\x89PNG\r\n\x1a\n") for f in result.figures)
    assert result.words.top_words == ["hopeful"]
    freq = result.words.frequencies.set_index("word")
    assert freq.loc["hopeful", "count"] == 4 and freq.loc["brave", "count"] == 0  # printed, nobody wrote it


def test_run_is_deterministic(study):
    first, second = tables.run(study), tables.run(study)
    assert [f.png for f in first.figures] == [f.png for f in second.figures]


def test_run_under_disclosure_control_says_why_sections_are_empty(study):
    result = tables.run(study, min_cell=3)
    assert result.notes == {
        "scale_figures": tables.NO_FIGURES_DISCLOSURE,
        "proportion_figures": "No single-proportion table or text-only proportion to draw (disclosure control is on).",
        "word_figure": tables.NO_WORDS_DISCLOSURE,
        "waves": tables.ONE_WAVE,
    }
    assert result.figures == []
    assert result.construct_scores is None  # per-respondent rows are not published under control
    assert isinstance(result.data[1], Banner) and "counts of 1 to 2 respondents" in result.data[1].text
    assert result.published[0].frame.loc[0, "Agree / Strongly agree"] == "suppressed"


def test_run_rejects_a_bad_min_cell(study):
    with pytest.raises(ValueError, match="min_cell"):
        tables.run(study, min_cell=-1)


def test_write_writes_every_table_and_figure(root, study):
    result = tables.run(study)
    written = tables.write(result)
    folder = root / "outputs" / "mini-tables" / "03_tables"
    assert sorted(p.name for p in written) == sorted(
        [
            "table1.csv",
            "table2.csv",
            "text_proportions.csv",
            "reproduced.csv",
            "published_comparison.csv",
            "distributions.csv",
            "construct_summary.csv",
            "construct_scores.csv",
            "reliability.csv",
            "item_total.csv",
            "diverging_agreement.png",
            "histograms_zero_ten.png",
            "proportions_text.png",
            "words_feel.png",
        ]
    )
    assert all(p.parent == folder for p in written)
    assert (folder / "words_feel.png").read_bytes() == result.figures[-1].png
    reproduced = pd.read_csv(folder / "reproduced.csv", keep_default_na=False).set_index("figure_id")
    assert reproduced.loc["t1.Q1.agree", "value"] == 60  # 3 of 5, unrounded
    assert reproduced.loc["text.2", "value"] == 4
    table1 = pd.read_csv(folder / "table1.csv").set_index("item_id")
    assert table1.loc["Q2", "not_relevant_count"] == 1 and table1.loc["Q2", "not_relevant_base"] == 5


def test_write_under_disclosure_control_leaves_out_scores_and_figures(root, study):
    written = tables.write(tables.run(study, min_cell=3))
    names = {p.name for p in written}
    assert "construct_summary.csv" in names and "construct_scores.csv" not in names
    assert not any(n.endswith(".png") for n in names)
