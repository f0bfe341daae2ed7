"""Figures: geometry of the diverging bars, colour choices, alt text from the data, determinism."""

from __future__ import annotations

import io
import json

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


# --- the participant-flow diagram: measured boxes that never overlap ----------------------------
LABEL_SETS = [
    ["A", "B", "C"],
    ["Training attendees sent the survey link", "Responses received", "Responses with missing data"],
    ["x" * 90, "Supercalifragilisticexpialidocious" * 3, "short", "a b " * 40, "W" * 12 + " M" * 30],
    ["Answered only the first three items (A1-A3) " * 4, "Ok", "Interviewed three months after " * 3] * 2,
]
SHAPES = {  # parent lists, by position: a chain, a fan, a fan with a deep branch, two roots and a join
    "chain": [[], [0], [1], [2], [3], [4]],
    "fan": [[], [0], [0], [0], [0], [0]],
    "branches": [[], [0], [1], [1], [3], [1]],
    "join": [[], [0], [], [2], [1, 3], [1]],
}


def _stages(labels: list[str], shape: list[list[int]]) -> pd.DataFrame:
    rows = []
    for i, ps in enumerate(shape):
        rows.append(
            {
                "stage": f"s{i}",
                "label": labels[i % len(labels)],
                "n": 3000 if i == 0 else 10 * i,
                "approximate": i == 0,
                "parent": ", ".join(f"s{p}" for p in ps),
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("labels", range(len(LABEL_SETS)))
def test_flow_boxes_never_overlap_whatever_the_labels(labels, shape):
    from tieval.report import overview  # noqa: PLC0415

    layout = overview.flow_layout(_stages(LABEL_SETS[labels], SHAPES[shape]))
    assert overview.boxes_overlap(layout) == []
    texts = [b["label"] for b in layout["boxes"]]
    widths = figures.measure_text(texts)
    for box, (w, h) in zip(layout["boxes"], widths):  # each box holds its measured text with room
        assert box["x1"] - box["x0"] >= w + 2 * figures.FLOW_PAD - 0.2
        assert box["y1"] - box["y0"] >= h + 2 * figures.FLOW_PAD - 0.2
        assert 0 <= box["x0"] and box["x1"] <= layout["width"] and 0 <= box["y0"] and box["y1"] <= layout["height"]
    for box in layout["boxes"]:  # a child sits in a row below each of its parents
        for p in box["parents"]:
            parent = next(b for b in layout["boxes"] if b["id"] == p)
            assert box["y0"] >= parent["y1"]
    assert layout["boxes"][0]["label"].endswith("n = about 3,000")


def test_an_overlapping_layout_is_reported():
    from tieval.report import overview  # noqa: PLC0415

    layout = {
        "width": 300,
        "height": 100,
        "boxes": [
            {"id": "a", "label": "A", "x0": 0, "y0": 0, "x1": 100, "y1": 40},
            {"id": "b", "label": "B", "x0": 99, "y0": 39, "x1": 200, "y1": 80},  # one pixel into a
            {"id": "c", "label": "C", "x0": 200, "y0": 0, "x1": 300, "y1": 40},  # touches b: no overlap
            {"id": "d", "label": "D", "x0": 150, "y0": 10, "x1": 250, "y1": 50},  # across b and c
        ],
    }
    assert overview.boxes_overlap(layout) == [("a", "b"), ("b", "d"), ("c", "d")]


def test_the_flow_layout_file_is_deterministic_and_matches_the_png(tmp_path):
    from PIL import Image  # noqa: PLC0415

    from tieval.report import overview  # noqa: PLC0415
    from tieval.report.figures import render  # noqa: PLC0415

    flow = _stages(LABEL_SETS[1], SHAPES["join"])
    first = overview.layout_json(overview.flow_layout(flow))
    assert first == overview.layout_json(overview.flow_layout(flow))
    path = overview.write_layout(overview.flow_layout(flow), tmp_path / "participant_flow.layout.json")
    assert path.read_text(encoding="utf-8") == first
    layout = json.loads(first)
    assert sorted(layout) == ["boxes", "dpi", "height", "width"]
    assert sorted(layout["boxes"][0]) == ["id", "label", "parents", "x0", "x1", "y0", "y1"]
    a = render("f", overview.flow_figure(flow, layout), alt="flow", caption="", tight=False).png
    b = render("f", overview.flow_figure(flow), alt="flow", caption="", tight=False).png
    assert a == b
    with Image.open(io.BytesIO(a)) as png:
        assert png.size == (layout["width"], layout["height"])


@pytest.mark.parametrize(
    ("value", "approximate", "printed"),
    [
        (3000, True, "about 3,000"),
        (48, False, "48"),
        ("≈3,000", False, "about 3,000"),
        ("~3000", False, "about 3,000"),
        ("about 3000", False, "about 3,000"),
        ("Approximately 1,250", False, "about 1,250"),
        ("12", False, "12"),
    ],
)
def test_approximate_numbers_are_written_about(value, approximate, printed):
    from tieval.report import overview  # noqa: PLC0415

    assert overview.flow_number(value, approximate) == printed


def test_a_flow_number_that_is_not_a_number_is_an_error():
    from tieval.report import overview  # noqa: PLC0415

    with pytest.raises(ValueError, match="expected a number of people"):
        overview.flow_number("lots")


def test_a_parent_that_is_not_an_earlier_stage_is_an_error():
    with pytest.raises(ValueError, match="flow stage a: parent 'b' is not an earlier stage"):
        figures.flow_layout([{"id": "a", "text": "A", "parents": ["b"]}, {"id": "b", "text": "B"}])


def test_the_flow_alt_text_stays_short():
    from tieval.report import overview  # noqa: PLC0415

    for labels in LABEL_SETS:
        for shape in SHAPES.values():
            flow = _stages(labels, shape)
            alt = overview.flow_alt_text(flow)
            assert alt.startswith("Participant flow diagram") and len(alt) <= overview.ALT_LIMIT
    short = overview.flow_alt_text(_stages(["A", "B"], [[], [0]]))
    assert short == "Participant flow diagram. A: about 3,000; B: 10."
