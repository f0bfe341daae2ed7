"""Charts of the quantitative appendix: diverging stacked bars, 0-10 histograms, proportions with
Wilson intervals, word frequencies (with an optional word cloud), and the participant-flow
diagram (:func:`flow_layout` sizes its boxes from measured text and places them so they cannot
overlap; :func:`flow_chart` draws that layout).

Every function takes plain tables (counts already computed by :mod:`tieval.survey.counts`)
and returns a matplotlib ``Figure`` sized to be readable at appendix width (8 inches);
:func:`tieval.report.figures.render` turns it into PNG bytes.  Each plotting function has an
``alt_*`` companion that writes the alt text from the same data, so the description always
matches the picture.

Colours are colour-blind safe: the agreement scales use ColorBrewer's PuOr diverging scheme
(orange = disagree, purple = agree) with a light grey middle, not-relevant answers a darker
grey in a panel of their own, and categorical colours come from the Okabe-Ito palette.
Nothing is random: the word cloud is laid out with a fixed seed, so the same data give the
same image.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from tieval.report import style

__all__ = [
    "OKABE_ITO",
    "NOT_RELEVANT_COLOUR",
    "NEUTRAL_COLOUR",
    "diverging_colours",
    "wrap",
    "diverging_bars",
    "alt_diverging",
    "numeric_histograms",
    "alt_histograms",
    "proportion_chart",
    "alt_proportions",
    "word_chart",
    "alt_words",
    "measure_text",
    "flow_layout",
    "flow_chart",
]


#: Okabe & Ito (2008) colour-blind-safe categorical palette.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}


#: ColorBrewer PuOr, 5 classes, orange (low) to purple (high).
PUOR5 = ["#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"]


NEUTRAL_COLOUR = "#d9d9d9"


NOT_RELEVANT_COLOUR = "#8c8c8c"


TEXT_DARK = "#1a1a1a"


WIDTH = 8.0


def wrap(text: str, width: int = 48) -> str:
    """Wrap a label onto lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def diverging_colours(n: int) -> list[str]:
    """``n`` colour-blind-safe colours from disagree to agree (PuOr), with a grey middle for odd ``n``.

    Five points use ColorBrewer's five-class PuOr; other lengths sample matplotlib's PuOr map at
    ``n`` evenly spaced inner points, as ``seaborn.color_palette("PuOr", n)`` does.
    """
    if n == 5:
        colours = list(PUOR5)
    else:
        import matplotlib  # noqa: PLC0415 - matplotlib: heavy, only for uncommon scale lengths

        rgb = matplotlib.colormaps["PuOr"](np.linspace(0, 1, n + 2)[1:-1])[:, :3]
        colours = [f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}" for r, g, b in rgb]
    if n % 2 == 1:
        colours[n // 2] = NEUTRAL_COLOUR
    return colours


def _text_colour(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else TEXT_DARK


def _diverging_geometry(pct: pd.DataFrame, levels: list[str]) -> tuple[np.ndarray, int]:
    """Left edge of each item's first segment so that the neutral middle straddles zero."""
    m = len(levels)
    half = m // 2
    left = pct[levels[:half]].sum(axis=1).to_numpy()
    if m % 2 == 1:
        left = left + pct[levels[half]].to_numpy() / 2.0
    return -left, half


def diverging_bars(
    counts: pd.DataFrame,
    levels: list[str],
    groups: list[tuple[str, list[str]]],
    item_labels: dict[str, str],
    *,
    not_relevant: str = "Not relevant",
    label_width: int = 46,
):
    """Diverging stacked bar chart of ordinal items, centred on the neutral answer, one panel per group.

    ``counts``: items (index) x answer levels in scale order (plus an optional
    ``not_relevant`` column).  Percentages are of each item's answers, not-relevant
    included; not-relevant answers are drawn in grey in a separate right-hand panel.
    ``groups``: (title, item ids) in display order.  Segments of 7 % or more are labelled.
    """
    plt = style.pyplot()

    has_nr = not_relevant in counts.columns and counts[not_relevant].sum() > 0
    cols = levels + ([not_relevant] if has_nr else [])
    totals = counts[levels + ([not_relevant] if not_relevant in counts.columns else [])].sum(axis=1)
    pct = counts[cols].div(totals.where(totals > 0), axis=0).fillna(0) * 100
    colours = diverging_colours(len(levels))
    starts, _ = _diverging_geometry(pct, levels)
    start_of = dict(zip(pct.index, starts))
    ends = starts + pct[levels].sum(axis=1).to_numpy()
    reach = max(50.0, float(np.ceil(max(np.abs(starts).max(initial=0), ends.max(initial=0)) / 25) * 25))

    ticklabels = {
        i: wrap(f"{i}  {item_labels.get(i, i)} (n={int(totals[i])})", label_width) for _, ids in groups for i in ids
    }
    row_height = [max(0.45, 0.15 * max(ticklabels[i].count("\n") + 1 for i in ids) + 0.12) for _, ids in groups]
    heights = [max(len(ids), 1) * h + 0.45 for (_, ids), h in zip(groups, row_height)]
    fig = plt.figure(figsize=(WIDTH, sum(heights) + 1.1))
    gs = fig.add_gridspec(
        len(groups),
        2 if has_nr else 1,
        height_ratios=heights,
        width_ratios=[5, 1] if has_nr else [1],
        wspace=0.1,
        hspace=0.3,
    )
    for g, (title, ids) in enumerate(groups):
        ax = fig.add_subplot(gs[g, 0])
        y = np.arange(len(ids))[::-1]
        for j, level in enumerate(levels):
            left = np.array([start_of[i] for i in ids]) + pct.loc[ids, levels[:j]].sum(axis=1).to_numpy()
            width = pct.loc[ids, level].to_numpy()
            ax.barh(
                y,
                width,
                left=left,
                height=0.7,
                color=colours[j],
                edgecolor="white",
                linewidth=0.6,
                label=level if g == 0 else None,
            )
            for yy, x0, w in zip(y, left, width):
                if w >= 7:
                    ax.text(
                        x0 + w / 2,
                        yy,
                        f"{w:.0f}",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color=_text_colour(colours[j]),
                    )
        ax.axvline(0, color=TEXT_DARK, linewidth=0.8)
        ax.set_xlim(-reach, reach)
        ticks = np.arange(-reach, reach + 1, 25)
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{abs(t):.0f}%" for t in ticks], fontsize=8)
        ax.set_yticks(y)
        ax.set_yticklabels([ticklabels[i] for i in ids], fontsize=7.5)
        ax.set_ylim(-0.6, len(ids) - 0.4)
        ax.set_title(title, loc="left", fontsize=9.5, fontweight="bold")
        ax.grid(axis="y", visible=False)
        if has_nr:
            axn = fig.add_subplot(gs[g, 1], sharey=ax)
            w = pct.loc[ids, not_relevant].to_numpy()
            axn.barh(
                y,
                w,
                height=0.7,
                color=NOT_RELEVANT_COLOUR,
                hatch="//",
                edgecolor="white",
                linewidth=0.6,
                label=not_relevant if g == 0 else None,
            )
            for yy, ww in zip(y, w):
                if ww > 0:
                    axn.text(ww + 1, yy, f"{ww:.0f}", va="center", fontsize=7.5, color=TEXT_DARK)
            axn.set_xlim(0, max(30.0, float(np.ceil(pct[not_relevant].max() / 10) * 10) + 10))
            axn.tick_params(axis="y", left=False, labelleft=False)
            axn.tick_params(axis="x", labelsize=8)
            axn.set_xticks([0, 20] if axn.get_xlim()[1] <= 40 else [0, 25, 50])
            axn.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
            axn.grid(axis="y", visible=False)
            if g == 0:
                axn.set_title(not_relevant, loc="left", fontsize=8.5)
    handles, labels = [], []
    for a in fig.axes:
        h, lab = a.get_legend_handles_labels()
        handles += h
        labels += lab
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=min(len(labels), 6),
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )
    fig.subplots_adjust(bottom=0.9 / (sum(heights) + 1.1), top=1 - 0.25 / (sum(heights) + 1.1))
    return fig


def alt_diverging(
    counts: pd.DataFrame, levels: list[str], groups: list[tuple[str, list[str]]], *, not_relevant: str = "Not relevant"
) -> str:
    """Alt text for :func:`diverging_bars`: what is drawn, and the items with most and least agreement."""
    half = len(levels) // 2
    totals = counts[[c for c in counts.columns]].sum(axis=1)
    upper = counts[levels[len(levels) - half :]].sum(axis=1) / totals.where(totals > 0) * 100
    n_items = sum(len(ids) for _, ids in groups)
    head = (
        f"Diverging stacked bar chart of {n_items} items in {len(groups)} group(s) "
        f"({', '.join(t for t, _ in groups)}). Answers run from '{levels[0]}' (left, orange) to "
        f"'{levels[-1]}' (right, purple), centred on the middle answer."
    )
    if not upper.notna().any():
        return head + " No item has any answer."
    top, low = upper.idxmax(), upper.idxmin()
    nr = ""
    if not_relevant in counts.columns and counts[not_relevant].sum() > 0:
        share = counts[not_relevant] / totals * 100
        nr = (
            f" A separate grey panel shows '{not_relevant}' answers, most often for {share.idxmax()} "
            f"({share.max():.0f}%)."
        )
    top_names = " or ".join(f"'{lv}'" for lv in levels[len(levels) - half :])
    return (
        f"{head} Answering {top_names} is most common for {top} ({upper[top]:.0f}%) and least "
        f"common for {low} ({upper[low]:.0f}%).{nr}"
    )


def numeric_histograms(
    counts: pd.DataFrame,
    bins: list[tuple[str, float, float]],
    item_labels: dict[str, str],
    *,
    ncols: int = 3,
    label_width: int = 34,
):
    """Histograms (percent of answers) of items on a numeric scale, one panel per item, bars
    coloured by the scale's collapsed bins with each bin's total printed in its colour.

    ``counts``: items (index) x values in order (column names are the values as text)."""
    plt = style.pyplot()
    from matplotlib.patches import Patch  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    bin_colours = [OKABE_ITO["orange"], OKABE_ITO["blue"], OKABE_ITO["green"], OKABE_ITO["purple"]]
    values = np.array([float(c) for c in counts.columns])
    colour_of = []
    for v in values:
        k = next((i for i, (_, lo, hi) in enumerate(bins) if lo <= v <= hi), None)
        colour_of.append(bin_colours[k % len(bin_colours)] if k is not None else NOT_RELEVANT_COLOUR)
    n = len(counts)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, 2.9 * nrows + 0.6), sharey=True, squeeze=False)
    totals = counts.sum(axis=1)
    pct = counts.div(totals.where(totals > 0), axis=0).fillna(0) * 100
    top = float(np.ceil(pct.to_numpy().max(initial=10) / 10) * 10) + 10
    for k, item in enumerate(counts.index):
        ax = axes[k // ncols][k % ncols]
        ax.bar(values, pct.loc[item].to_numpy(), color=colour_of, width=0.8, edgecolor="white")
        for b, (label, lo, hi) in enumerate(bins):
            inside = (values >= lo) & (values <= hi)
            share = pct.loc[item].to_numpy()[inside].sum()
            ax.text(
                values[inside].mean() if inside.any() else (lo + hi) / 2,
                top - 4,
                f"{label}: {share:.0f}%",
                ha="center",
                va="top",
                fontsize=8,
                color=bin_colours[b % len(bin_colours)],
                fontweight="bold",
            )
            if b > 0:
                ax.axvline(lo - 0.5, color=TEXT_DARK, linestyle="--", linewidth=0.8)
        ax.set_ylim(0, top)
        ax.set_xticks(values)
        ax.set_xticklabels([f"{v:g}" for v in values], fontsize=7.5)
        ax.set_title(
            wrap(f"{item}  {item_labels.get(item, item)} (n={int(totals[item])})", label_width), fontsize=8, loc="left"
        )
        ax.grid(axis="x", visible=False)
        if k % ncols == 0:
            ax.set_ylabel("% of answers", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    if bins:  # a numeric scale without bands has no legend
        fig.legend(
            [Patch(color=bin_colours[b % len(bin_colours)]) for b in range(len(bins))],
            [f"{label}" for label, _, _ in bins],
            loc="lower center",
            ncol=len(bins),
            frameon=False,
            fontsize=8,
        )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def alt_histograms(counts: pd.DataFrame, bins: list[tuple[str, float, float]]) -> str:
    """Alt text for :func:`numeric_histograms`: per item the share in each bin and the most common value."""
    parts = []
    values = np.array([float(c) for c in counts.columns])
    for item in counts.index:
        row = counts.loc[item]
        total = row.sum()
        shares = []
        for label, lo, hi in bins:
            inside = (values >= lo) & (values <= hi)
            shares.append(f"{label} {100 * row.to_numpy()[inside].sum() / total:.0f}%" if total else f"{label} -")
        modes = [str(c) for c, v in zip(counts.columns, row.to_numpy()) if v == row.max() and v > 0]
        common = f", most common answer {' and '.join(modes)}" if 0 < len(modes) <= 2 else ""
        parts.append(f"{item} (n={int(total)}): {', '.join(shares)}{common}")
    return "Histograms of answers on a numeric scale, one panel per item. " + "; ".join(parts) + "."


def proportion_chart(frame: pd.DataFrame, *, label_width: int = 50, colour: str = OKABE_ITO["blue"]):
    """Horizontal bars of proportions with Wilson 95 % intervals and ``k/n`` labels.

    ``frame`` columns: label, count, base, percent (unrounded), ci_lower, ci_upper (percent)."""
    plt = style.pyplot()

    n = len(frame)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.5 * n + 1.1))
    y = np.arange(n)[::-1]
    pct = frame["percent"].astype(float).to_numpy()
    lo = frame["ci_lower"].astype(float).to_numpy()
    hi = frame["ci_upper"].astype(float).to_numpy()
    ax.barh(y, pct, height=0.6, color=colour, alpha=0.35, edgecolor=colour)
    ax.errorbar(
        pct,
        y,
        xerr=[pct - lo, hi - pct],
        fmt="o",
        color=colour,
        ecolor=TEXT_DARK,
        elinewidth=1.2,
        capsize=3,
        markersize=4,
    )
    for yy, k, b in zip(y, frame["count"], frame["base"]):
        ax.text(103, yy, f"{int(k)}/{int(b)}", va="center", fontsize=8)
    ax.set_xlim(0, 113)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xticklabels([f"{t}%" for t in (0, 20, 40, 60, 80, 100)], fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels([wrap(t, label_width) for t in frame["label"]], fontsize=8)
    ax.set_xlabel("percent, with Wilson 95% interval", fontsize=8)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def alt_proportions(frame: pd.DataFrame) -> str:
    """Alt text for :func:`proportion_chart`: each proportion with its interval."""
    parts = [
        f"{lab}: {int(k)} of {int(b)} ({p:.0f}%, 95% interval {lo:.0f}-{hi:.0f}%)"
        for lab, k, b, p, lo, hi in zip(
            frame["label"], frame["count"], frame["base"], frame["percent"], frame["ci_lower"], frame["ci_upper"]
        )
    ]
    return "Bar chart of proportions with Wilson 95% intervals. " + "; ".join(parts) + "."


def word_chart(freq: pd.DataFrame, *, cloud: bool = True, seed: int = 0, top: int = 25):
    """Word frequencies as horizontal bars (words the report printed in blue, others in orange),
    with a word cloud of the same counts beside them when ``cloud`` (laid out with ``seed``).

    ``freq`` columns: word, count, and optionally in_report."""
    plt = style.pyplot()
    from matplotlib.patches import Patch  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    shown = freq.head(top)
    in_report = shown["in_report"] if "in_report" in shown else pd.Series(True, index=shown.index)
    n = len(shown)
    height = max(2.5, 0.28 * n + 1.0)
    if cloud and (freq["count"] > 0).any():
        fig, (ax, axc) = plt.subplots(1, 2, figsize=(WIDTH, height), width_ratios=[1, 1.25])
    else:
        fig, ax = plt.subplots(figsize=(WIDTH, height))
        axc = None
    y = np.arange(n)[::-1]
    colours = [OKABE_ITO["blue"] if r else OKABE_ITO["orange"] for r in in_report]
    ax.barh(y, shown["count"].to_numpy(), color=colours, height=0.7)
    ax.set_yticks(y)
    ax.set_yticklabels(shown["word"], fontsize=8)
    ax.set_xlabel("respondents' answers using the word", fontsize=8)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="y", visible=False)
    if "in_report" in shown:
        ax.legend(
            [Patch(color=OKABE_ITO["blue"]), Patch(color=OKABE_ITO["orange"])],
            ["printed in the report", "not printed"],
            fontsize=7.5,
            loc="lower right",
            frameon=False,
        )
    if axc is not None:
        from wordcloud import WordCloud  # noqa: PLC0415 - wordcloud: optional, only for a cloud

        counts = {w: int(c) for w, c in zip(freq["word"], freq["count"]) if c > 0}
        wc = WordCloud(
            width=700,
            height=int(700 * height / (WIDTH * 0.55)),
            background_color="white",
            random_state=seed,
            prefer_horizontal=1.0,
            min_font_size=10,
            max_font_size=90,
            color_func=lambda *a, **k: OKABE_ITO["blue"],
            margin=4,
        )
        wc.generate_from_frequencies(counts)
        axc.imshow(wc.to_array(), interpolation="bilinear")
        axc.set_axis_off()
    fig.tight_layout()
    return fig


def alt_words(freq: pd.DataFrame, *, top: int = 5) -> str:
    """Alt text for :func:`word_chart`: the most frequent words with their counts."""
    used = freq[freq["count"] > 0]
    lead = ", ".join(f"{w} ({c})" for w, c in zip(used["word"].head(top), used["count"].head(top)))
    extra = ""
    if "in_report" in freq:
        absent = freq.loc[(freq["count"] == 0) & freq["in_report"], "word"].tolist()
        if absent:
            extra = f" Words the report printed that no answer here uses: {', '.join(absent)}."
    return (
        f"Bar chart of how often each of {len(used)} words was used, most frequent first, with a word "
        f"cloud of the same counts. Most frequent: {lead}.{extra}"
    )


# --- the participant-flow diagram -------------------------------------------------------------
#: Geometry of the flow diagram, in pixels at :data:`FLOW_DPI` (font size in points).
FLOW_DPI = 100
FLOW_FONT = 9.0
FLOW_WRAP = 30
FLOW_PAD = 8.0
FLOW_HGAP = 24.0
FLOW_VGAP = 34.0
FLOW_MARGIN = 6.0
FLOW_FILL = "#deebf7"
FLOW_EDGE = "#3182bd"


def measure_text(texts: list[str], *, fontsize: float = FLOW_FONT, dpi: int = FLOW_DPI) -> list[tuple[float, float]]:
    """Width and height in pixels of each (multi-line, centred) text as matplotlib draws it at ``dpi``,
    measured by the Agg renderer's own text extents (the sizes the drawing then uses)."""
    style.apply()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - matplotlib: heavy
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(dpi=dpi)
    renderer = FigureCanvasAgg(fig).get_renderer()
    out = []
    for text in texts:
        artist = fig.text(0, 0, text, fontsize=fontsize, ha="center", va="center", multialignment="center")
        box = artist.get_window_extent(renderer)
        out.append((float(box.width), float(box.height)))
        artist.remove()
    return out


def flow_layout(stages: list[dict], *, measure=measure_text) -> dict:
    """Box geometry of a flow diagram whose boxes cannot overlap, whatever their text.

    ``stages``: dicts with ``id``, ``text`` (the box's text, lines separated by newlines) and
    ``parents`` (ids of the stages it comes from; none for a first stage), parents listed before
    their children.  Each box is sized to its measured text (``measure``: texts -> (width, height)
    in pixels) plus padding.  Rows are the depth of a stage (one more than its deepest parent); a
    stage with one parent is placed under it, its siblings side by side (a tidy tree), a stage with
    several parents midway between them.  Each row is then swept left to right, pushing a box right
    until it clears its left neighbour by :data:`FLOW_HGAP` (so no two boxes of a row overlap), and
    rows are stacked by their tallest box plus :data:`FLOW_VGAP` (so no two rows overlap).

    Returns ``{"width", "height", "boxes": [{"id", "label", "x0", "y0", "x1", "y1", "parents"}]}`` in
    figure pixels, origin at the top left (as the PNG is read), rounded to 0.1 px."""
    ids = [s["id"] for s in stages]
    parents = {s["id"]: [p for p in s.get("parents", []) if p] for s in stages}
    index = {sid: i for i, sid in enumerate(ids)}
    depth: dict[str, int] = {}
    for sid in ids:
        bad = [p for p in parents[sid] if p not in depth]
        if bad:
            raise ValueError(f"flow stage {sid}: parent {bad[0]!r} is not an earlier stage")
        depth[sid] = 1 + max(depth[p] for p in parents[sid]) if parents[sid] else 0
    sizes = dict(zip(ids, ((w + 2 * FLOW_PAD, h + 2 * FLOW_PAD) for w, h in measure([s["text"] for s in stages]))))
    centre = _tidy_centres(ids, parents, {sid: w for sid, (w, _) in sizes.items()})
    offset = {sid: centre[sid] - centre[parents[sid][0]] for sid in ids if len(parents[sid]) == 1}
    rows = [[sid for sid in ids if depth[sid] == r] for r in range(max(depth.values(), default=-1) + 1)]
    x0: dict[str, float] = {}
    for members in rows:  # top down: where each box wants to be, given its parents' final places
        wanted = {}
        for sid in members:
            ps = parents[sid]
            mids = [x0[p] + sizes[p][0] / 2 for p in ps]
            wanted[sid] = centre[sid] if not ps else (mids[0] + offset[sid] if len(ps) == 1 else sum(mids) / len(ps))
        edge = -float("inf")
        for sid in sorted(members, key=lambda s: (wanted[s], index[s])):
            x0[sid] = max(wanted[sid] - sizes[sid][0] / 2, edge)
            edge = x0[sid] + sizes[sid][0] + FLOW_HGAP
    shift = FLOW_MARGIN - min(x0.values(), default=0.0)
    boxes, top = [], FLOW_MARGIN
    for members in rows:
        tallest = max(sizes[sid][1] for sid in members)
        for sid in members:
            w, h = sizes[sid]
            bx0, by0 = x0[sid] + shift, top + (tallest - h) / 2
            box = {"id": sid, "label": stages[index[sid]]["text"], "parents": parents[sid]}
            box.update({"x0": round(bx0, 1), "y0": round(by0, 1), "x1": round(bx0 + w, 1), "y1": round(by0 + h, 1)})
            boxes.append(box)
        top += tallest + FLOW_VGAP
    boxes.sort(key=lambda b: index[b["id"]])
    width = max((b["x1"] for b in boxes), default=0.0) + FLOW_MARGIN
    height = top - FLOW_VGAP + FLOW_MARGIN if boxes else 2 * FLOW_MARGIN
    return {"width": int(np.ceil(width)), "height": int(np.ceil(height)), "dpi": FLOW_DPI, "boxes": boxes}


def _tidy_centres(ids: list[str], parents: dict[str, list[str]], widths: dict[str, float]) -> dict[str, float]:
    """Horizontal centres of a tidy tree over the single-parent links: each stage's children side
    by side under it, each subtree as wide as its widest row; first stages and stages joining
    several parents start trees of their own (the caller places a join between its parents)."""
    kids: dict[str, list[str]] = {sid: [] for sid in ids}
    for sid in ids:
        if len(parents[sid]) == 1:
            kids[parents[sid][0]].append(sid)

    def inner(sid: str) -> float:
        return sum(span[k] for k in kids[sid]) + FLOW_HGAP * max(len(kids[sid]) - 1, 0)

    span: dict[str, float] = {}
    for sid in reversed(ids):  # children come after their parents
        span[sid] = max(widths[sid], inner(sid))
    centre: dict[str, float] = {}

    def place(sid: str, left: float) -> None:
        centre[sid] = left + span[sid] / 2
        x = left + (span[sid] - inner(sid)) / 2
        for k in kids[sid]:
            place(k, x)
            x += span[k] + FLOW_HGAP

    left = 0.0
    for sid in ids:
        if len(parents[sid]) != 1:
            place(sid, left)
            left += span[sid] + FLOW_HGAP
    return centre


def flow_chart(layout: dict):
    """Draw a :func:`flow_layout` as a matplotlib figure of exactly ``width`` x ``height`` pixels at
    its ``dpi`` (save it without a tight bounding box, so the layout's coordinates are the PNG's):
    a rounded box per stage with its text centred, an arrow from each parent's bottom edge to the
    box's top edge."""
    style.apply()
    from matplotlib.figure import Figure  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: PLC0415

    width, height, dpi = layout["width"], layout["height"], layout["dpi"]
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    fig.patch.set_facecolor("white")

    def fx(x: float) -> float:
        return x / width

    def fy(y: float) -> float:
        return 1 - y / height

    by_id = {b["id"]: b for b in layout["boxes"]}
    for b in layout["boxes"]:
        fig.patches.append(
            FancyBboxPatch(
                (fx(b["x0"] + 3), fy(b["y1"] - 3)),
                fx(b["x1"] - b["x0"] - 6),
                (b["y1"] - b["y0"] - 6) / height,
                boxstyle=f"round,pad={3 / width},rounding_size={4 / width}",
                transform=fig.transFigure,
                facecolor=FLOW_FILL,
                edgecolor=FLOW_EDGE,
                linewidth=1.0,
                mutation_aspect=width / height,
            )
        )
        fig.text(
            fx((b["x0"] + b["x1"]) / 2),
            fy((b["y0"] + b["y1"]) / 2),
            b["label"],
            fontsize=FLOW_FONT,
            ha="center",
            va="center",
            multialignment="center",
            color=TEXT_DARK,
        )
        for p in b.get("parents", []):
            a = by_id[p]
            fig.patches.append(
                FancyArrowPatch(
                    (fx((a["x0"] + a["x1"]) / 2), fy(a["y1"])),
                    (fx((b["x0"] + b["x1"]) / 2), fy(b["y0"])),
                    transform=fig.transFigure,
                    arrowstyle="-|>",
                    mutation_scale=10,
                    color="#555555",
                    linewidth=1.0,
                    shrinkA=0,
                    shrinkB=0,
                )
            )
    return fig
