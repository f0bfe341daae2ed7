"""Figures: geometry of the diverging bars, colour choices, alt text from the data, determinism."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from tieval.report import charts as figures  # noqa: E402

LEVELS = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]


@pytest.fixture()
def counts():
    return pd.DataFrame(
        [[1, 2, 4, 2, 1, 0], [0, 0, 1, 4, 5, 0], [2, 3, 1, 1, 0, 3]],
        index=["B1", "B2", "D2"],
        columns=LEVELS + ["Not relevant"],
    )


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def test_neutral_straddles_zero():
    pct = pd.DataFrame([[10, 20, 40, 20, 10], [0, 0, 0, 50, 50]], columns=LEVELS)
    starts, half = figures._diverging_geometry(pct, LEVELS)
    assert half == 2
    assert starts.tolist() == [-50.0, 0.0]  # 10 + 20 + 40/2 to the left of zero; nothing left of zero


def test_even_scales_split_in_the_middle():
    levels = ["no", "rather no", "rather yes", "yes"]
    pct = pd.DataFrame([[10, 30, 40, 20]], columns=levels)
    starts, _ = figures._diverging_geometry(pct, levels)
    assert starts.tolist() == [-40.0]


def test_colours_are_diverging_with_a_grey_middle():
    five = figures.diverging_colours(5)
    assert five[2] == figures.NEUTRAL_COLOUR and len(set(five)) == 5
    assert five[0] == "#e66101" and five[-1] == "#5e3c99"  # ColorBrewer PuOr ends
    seven = figures.diverging_colours(7)
    assert len(set(seven)) == 7 and seven[3] == figures.NEUTRAL_COLOUR
    assert figures.NOT_RELEVANT_COLOUR not in five


def test_diverging_bars_panels_and_not_relevant_apart(counts):
    groups = [("Coherence", ["B1", "B2"]), ("Collective action", ["D2"])]
    fig = figures.diverging_bars(counts, LEVELS, groups, {"B1": "one", "B2": "two", "D2": "three"})
    assert len(fig.axes) == 4  # main + not-relevant panel per group
    assert fig.get_size_inches()[0] == figures.WIDTH
    plt.close(fig)
    no_nr = counts.drop(columns="Not relevant")
    fig = figures.diverging_bars(no_nr, LEVELS, groups, {})
    assert len(fig.axes) == 2  # no not-relevant answers: no grey panel
    plt.close(fig)


def test_diverging_bars_are_deterministic(counts):
    groups = [("All", ["B1", "B2", "D2"])]
    assert png(figures.diverging_bars(counts, LEVELS, groups, {})) == png(
        figures.diverging_bars(counts, LEVELS, groups, {})
    )


def test_alt_text_describes_the_data(counts):
    alt = figures.alt_diverging(counts, LEVELS, [("All", ["B1", "B2", "D2"])])
    assert "3 items" in alt and "B2 (90%)" in alt and "D2 (10%)" in alt
    assert "most often for D2 (30%)" in alt


def test_numeric_histograms():
    cols = [str(v) for v in range(11)]
    c = pd.DataFrame([[1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1], [0] * 10 + [4]], index=["A1", "A2"], columns=cols)
    bins = [("0-5", 0, 5), ("6-10", 6, 10)]
    fig = figures.numeric_histograms(c, bins, {"A1": "familiar", "A2": "normal"})
    assert sum(ax.get_visible() for ax in fig.axes) == 2
    plt.close(fig)
    alt = figures.alt_histograms(c, bins)
    assert "A1 (n=6): 0-5 33%, 6-10 67%" in alt and "A2 (n=4): 0-5 0%, 6-10 100%, most common answer 10" in alt


def test_proportion_chart_and_alt():
    frame = pd.DataFrame(
        {
            "label": ["met expectations", "recommend"],
            "count": [9, 10],
            "base": [10, 10],
            "percent": [90.0, 100.0],
            "ci_lower": [59.6, 72.2],
            "ci_upper": [98.2, 100.0],
        }
    )
    fig = figures.proportion_chart(frame)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["9/10", "10/10"]
    plt.close(fig)
    assert "met expectations: 9 of 10 (90%, 95% interval 60-98%)" in figures.alt_proportions(frame)


def test_word_chart_with_cloud_is_deterministic():
    freq = pd.DataFrame(
        {"word": ["hopeful", "excited", "calm", "brave"], "count": [4, 2, 1, 0], "in_report": [True, True, False, True]}
    )
    a = png(figures.word_chart(freq, seed=3))
    b = png(figures.word_chart(freq, seed=3))
    assert a == b
    fig = figures.word_chart(freq, cloud=False)
    assert len(fig.axes) == 1
    plt.close(fig)
    alt = figures.alt_words(freq)
    assert "hopeful (4)" in alt and "no answer here uses: brave" in alt


def test_wrap():
    assert figures.wrap("a " * 30, 10).count("\n") >= 5
    assert np.all([len(line) <= 10 for line in figures.wrap("word " * 20, 10).split("\n")])
