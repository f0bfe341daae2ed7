"""Figures of an appendix as data: rendered PNG bytes with alt text, caption and base, and the
figure sets of the tables step.

:func:`render` turns a matplotlib figure (drawn by :mod:`tieval.report.charts` or a step's own
module) into an :class:`AppendixFigure`: its PNG bytes (deterministic: no software or date
metadata, tight bounding box) with its name, alt text, caption and base, closing the
matplotlib figure.  A step's result holds these; :func:`tieval.report.present.show_figure`
displays one and :func:`write_figure` writes one.  :func:`scale_figures` and
:func:`proportion_figures` read the tables step's counts off a study's reproduction and render
each of its figures.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tieval import store
from tieval.report.charts import (
    alt_diverging,
    alt_histograms,
    alt_proportions,
    diverging_bars,
    numeric_histograms,
    proportion_chart,
)
from tieval.report.survey_tables import item_groups, item_label, proportion_rows, scale_name
from tieval.survey.counts import category_display, items_by_scale, scale_counts
from tieval.survey.published_tables import base_text, single_category_tables, standalone_text, table_rows

__all__ = [
    "AppendixFigure",
    "render",
    "write_figure",
    "scale_figures",
    "proportion_figures",
]


# --------------------------------------------------------------------------------------------
# figure sets of the tables notebook


@dataclass(frozen=True)
class AppendixFigure:
    """One rendered figure of an appendix: its file name (without ``.png``), PNG bytes, alt text,
    caption and base (what the figure's numbers are shares of)."""

    name: str
    png: bytes
    alt: str
    caption: str
    base: str = ""


def render(name: str, fig, *, alt: str, caption: str, base: str = "", tight: bool = True) -> AppendixFigure:
    """Render a matplotlib figure to PNG (tight bounding box unless ``tight`` is False, as for a
    figure whose pixel geometry is recorded; no software metadata, so the same figure gives the
    same bytes) and close it.  Alt text is required."""
    import matplotlib.pyplot as plt  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    if not alt.strip():
        raise ValueError(f"figure {name}: alt text is required")
    buf = io.BytesIO()
    if tight:
        fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    else:
        fig.savefig(buf, format="png", dpi="figure", metadata={"Software": None})
    plt.close(fig)
    return AppendixFigure(name, buf.getvalue(), alt, caption, base)


def write_figure(figure: AppendixFigure, folder: Path) -> Path:
    """Write ``figure`` to ``folder/<name>.png`` atomically (recorded as an output of the step)."""
    path = Path(folder) / f"{figure.name}.png"
    with store.atomic_write(path, "wb") as handle:
        handle.write(figure.png)
    store.note_output(path)
    return path


def scale_figures(study, cells: pd.DataFrame) -> list[AppendixFigure]:
    """Diverging bars for each ordinal scale's items, then histograms for each numeric scale's,
    from the reproduction's cells (``published_tables.Reproduction.cells``)."""
    labels = {it.id: item_label(study, it.id) for it in study.items}
    out = []
    for scale_id, ids in items_by_scale(study, "ordinal").items():
        counts = scale_counts(cells, ids)
        groups = item_groups(study, ids)
        levels = study.scales[scale_id].labels
        out.append(
            render(
                f"diverging_{scale_id}",
                diverging_bars(counts, levels, groups, labels),
                alt=alt_diverging(counts, levels, groups),
                caption=f"Answers to the items on the scale '{scale_name(study, scale_id)}', grouped as in the "
                "questionnaire; numbers are percentages of those answering each item.",
                base=base_text(counts.sum(axis=1), "item"),
            )
        )
    for scale_id, ids in items_by_scale(study, "numeric").items():
        counts = scale_counts(cells, ids).drop(columns="Not relevant", errors="ignore")
        bins = [(b.label, b.min, b.max) for b in study.scales[scale_id].bins]
        out.append(
            render(
                f"histograms_{scale_id}",
                numeric_histograms(counts, bins, labels),
                alt=alt_histograms(counts, bins),
                caption=f"Answers to the items on the scale '{scale_name(study, scale_id)}', as percentages of "
                "those answering.",
                base=base_text(counts.sum(axis=1), "item"),
            )
        )
    return out


def proportion_figures(study, reproduction) -> list[AppendixFigure]:
    """A proportion chart with Wilson intervals for each published single-category table, then one
    for the proportions the report gives only in its text (``reproduction``:
    :func:`tieval.survey.published_tables.reproduce`)."""
    out = []
    for table in single_category_tables(reproduction):
        frame = proportion_rows(table_rows(table), study, with_category=False)
        category = category_display(study.scale_of(table.frame["item_id"].iloc[0]), table.categories[0])
        out.append(
            render(
                f"proportions_{table.id}",
                proportion_chart(frame),
                alt=alt_proportions(frame),
                caption=f"{table.number}: respondents answering '{category}', with Wilson 95% intervals.",
                base=table.base,
            )
        )
    text_rows = standalone_text(reproduction)
    if len(text_rows):
        frame = proportion_rows(text_rows, study)
        out.append(
            render(
                "proportions_text",
                proportion_chart(frame),
                alt=alt_proportions(frame),
                caption="Proportions the report gives only in its text, with Wilson 95% intervals.",
                base=base_text(frame["base"]),
            )
        )
    return out
