"""The convergence matrix: findings against the data sources that speak to them, as a table, a figure and counts.

Each cell holds the finding's convergence code (Farmer et al. 2006) where the source contributes evidence,
'' where it is silent; the figure colours (Okabe-Ito, colour-blind safe) and letters the cells."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieval.mixed.findings import CONVERGENCE, SILENCE, Triangulation
from tieval.report import style

__all__ = [
    "SURVEY_SOURCE",
    "COLOURS",
    "data_sources",
    "convergence_matrix",
    "convergence_figure",
    "convergence_alt_text",
    "convergence_counts",
]


#: Name of the quantitative strand in the convergence matrix.
SURVEY_SOURCE = "survey"


#: Colour-blind-safe colours (Okabe-Ito) per convergence code; grey for "no evidence from this source".
COLOURS = {
    "agreement": "#0072B2",
    "partial agreement": "#56B4E9",
    "dissonance": "#D55E00",
    SILENCE: "#E69F00",
    "": "#F2F2F2",
}


#: Short cell labels, so colour is not the only cue.
ABBREVIATIONS = {"agreement": "A", "partial agreement": "P", "dissonance": "D", SILENCE: "S", "": ""}


def data_sources(excerpts: pd.DataFrame) -> list[str]:
    """The data sources of the matrix: the survey, then each excerpt source in order of appearance."""
    return [SURVEY_SOURCE] + [s for s in dict.fromkeys(excerpts["source"]) if s]


def convergence_matrix(tri: Triangulation, excerpts: pd.DataFrame) -> pd.DataFrame:
    """Findings by data source: the finding's convergence code where the source contributes
    evidence (survey items; the sources of its excerpts and declared sources), '' elsewhere."""
    source_of = dict(zip(excerpts["excerpt_id"], excerpts["source"]))
    columns = data_sources(excerpts)
    rows = []
    for f in tri.findings:
        present = {source_of[e] for e in f.excerpts} | set(f.sources)
        if f.has_quantitative:
            present.add(SURVEY_SOURCE)
        rows.append([f.convergence if c in present else "" for c in columns])
    return pd.DataFrame(rows, index=pd.Index([f.title for f in tri.findings], name="finding"), columns=columns)


def convergence_figure(matrix: pd.DataFrame):
    """A grid of findings (rows) by data source (columns), each cell coloured by the finding's
    convergence code (Okabe-Ito colours) and lettered (A, P, D, S) so colour is not the only cue."""
    plt = style.pyplot()
    from matplotlib.colors import ListedColormap  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw
    from matplotlib.patches import Patch  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    codes = list(COLOURS)
    index = matrix.replace({c: i for i, c in enumerate(codes)}).to_numpy(dtype=float)
    height = 0.45 * len(matrix) + 1.6
    # No layout engine: long finding titles and the outside legend would squeeze the grid to
    # nothing; the grid keeps its size and the tight bounding box on saving takes in the labels.
    fig, ax = plt.subplots(figsize=(1.9 * matrix.shape[1] + 0.6, height))
    ax.imshow(index, cmap=ListedColormap([COLOURS[c] for c in codes]), vmin=-0.5, vmax=len(codes) - 0.5, aspect="auto")
    for (r, c), value in np.ndenumerate(matrix.to_numpy()):
        ax.text(
            c,
            r,
            ABBREVIATIONS[value],
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color="white" if value in ("agreement", "dissonance") else "black",
        )
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns])
    ax.set_yticks(range(len(matrix)), list(matrix.index))
    ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False)
    ax.set_xticks(np.arange(-0.5, matrix.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, len(matrix), 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="minor", length=0)
    handles = [
        Patch(facecolor=COLOURS[c], edgecolor="#999999", label=f"{ABBREVIATIONS[c]}  {c}") for c in CONVERGENCE
    ] + [Patch(facecolor=COLOURS[""], edgecolor="#999999", label="no evidence from this source")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=9)
    return fig


def convergence_alt_text(matrix: pd.DataFrame) -> str:
    """Alt text of the convergence matrix: each finding with its code and its sources."""
    parts = []
    for finding, row in matrix.iterrows():
        used = [c for c in matrix.columns if row[c]]
        code = next((row[c] for c in used), "")
        parts.append(f"{finding}: {code} ({', '.join(used)})")
    return (
        f"Grid of {len(matrix)} findings by {matrix.shape[1]} data sources; cells with evidence are "
        "coloured and lettered by convergence code. " + "; ".join(parts) + "."
    )


def convergence_counts(tri: Triangulation) -> pd.DataFrame:
    """How many findings carry each convergence code (every code listed, in :data:`CONVERGENCE` order)."""
    codes = pd.Series([f.convergence for f in tri.findings], dtype=str)
    counts = codes.value_counts().reindex(list(CONVERGENCE), fill_value=0)
    return pd.DataFrame({"convergence": counts.index, "findings": counts.to_numpy().astype(int)})
