"""Showing results inside a notebook: the step preamble and footer, tables with their base, figures with alt text.

Every notebook follows the same frame::

    # parameters cell (tagged "parameters")
    study = "lancashire-tiat"

    from tieval.report import present
    from tieval.steps import tables
    ctx = present.start(study, "03_tables")     # cwd = project root, study loaded, banner shown
    result = tables.run(ctx.study)              # computes everything, writes nothing
    ...
    present.show(result.published, ctx)         # one section: its tables, notes and figures in order
    ...
    written = tables.write(result)              # every file of the step
    present.finish(ctx)                         # footer: commit, parameters, input checksums

A step's result holds each section as a sequence of display blocks (:class:`Table`,
:class:`Note`, :class:`Banner`, :class:`Html` and
:class:`tieval.report.figures.AppendixFigure`); :func:`show` displays them in order, so a
section with nothing to show is simply a note.  Nothing here writes a file except the
provenance record of :func:`finish`.

The HTML produced here is deterministic (no random ids, no timestamps), so two
builds of the same inputs give byte-identical appendices.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tieval import store
from tieval.config import Study, load_study
from tieval.paths import project_root, step_dir
from tieval.report.figures import AppendixFigure
from tieval.report.site import provenance
from tieval.report.site.citation import git_commit

__all__ = [
    "StepContext",
    "start",
    "finish",
    "show_table",
    "show_html",
    "show_figure",
    "show",
    "figures_in",
    "Block",
    "figure_path",
    "Table",
    "Note",
    "Banner",
    "Html",
    "banner",
    "note",
    "table_html",
    "git_commit",
]


@dataclass
class StepContext:
    """What a notebook step knows about itself: its study, its name and its parameters."""

    study: Study
    step: str
    parameters: dict = field(default_factory=dict)


def _display_html(markup: str) -> None:
    try:
        from IPython.display import HTML, display  # noqa: PLC0415 - IPython: only inside a notebook
    except ImportError:  # outside Jupyter: print the markup
        print(markup)
        return
    display(HTML(markup))


def start(study: str, step: str, **parameters) -> StepContext:
    """Begin a notebook step: move to the project root, load the study, set the plot style,
    and show the reconstruction (or invention) notice when the study's data are reconstructed (or invented)."""
    root = project_root(Path.cwd())
    if str(root) not in ("", "."):
        os.chdir(root)
    store.reset_provenance()
    cfg = load_study(study)
    store.note_input(cfg.config_file)
    _plot_style()
    ctx = StepContext(cfg, step, {"study": study, **parameters})
    if cfg.data_notice:
        banner(cfg.data_notice)
    return ctx


def _plot_style() -> None:
    import matplotlib  # noqa: PLC0415 - matplotlib: heavy, loaded when a step starts

    matplotlib.use("Agg") if not _in_ipython() else None
    import matplotlib.pyplot as plt  # noqa: PLC0415 - after the backend is chosen
    import seaborn as sns  # noqa: PLC0415 - seaborn: heavy, loaded when a step starts

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", font_scale=0.95)
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.figsize": (8, 4.5),
            "svg.hashsalt": "tieval",
            "svg.fonttype": "none",
        }
    )


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython  # noqa: PLC0415 - IPython: only inside a notebook
    except ImportError:
        return False
    return get_ipython() is not None


def banner(text: str) -> None:
    """Show a visible warning box (used for the reconstructed-data notice)."""
    _display_html(
        f'<div class="tieval-banner" role="note" style="border:2px solid #b35806;'
        f'background:#fee0b6;padding:0.6em 0.9em;margin:0.6em 0;font-weight:600">'
        f"{html.escape(text)}</div>"
    )


def note(text: str) -> None:
    """Show a short explanatory sentence (plain text, escaped)."""
    _display_html(f'<p class="tieval-note">{html.escape(text)}</p>')


def table_html(
    frame: pd.DataFrame,
    caption: str = "",
    base: str = "",
    *,
    index: bool = False,
    max_rows: int | None = None,
    escape: bool = True,
) -> str:
    """HTML for a table with its caption and base, deterministic (no Styler uuids).

    ``escape=False`` keeps cell markup (links built and escaped by tieval itself)."""
    shown = frame if max_rows is None or len(frame) <= max_rows else frame.head(max_rows)
    body = shown.to_html(index=index, na_rep="", border=0, classes="tieval-table", escape=escape)
    cap = html.escape(caption)
    if base:
        cap += f' <span class="tieval-base">(base: {html.escape(base)})</span>'
    extra = ""
    if shown is not frame:
        extra = f"<p><em>First {max_rows} of {len(frame)} rows; the full table is in the CSV.</em></p>"
    return f'<figure class="tieval-figure-table"><figcaption>{cap}</figcaption>{body}{extra}</figure>'


def show_table(
    frame: pd.DataFrame,
    caption: str = "",
    base: str = "",
    *,
    index: bool = False,
    max_rows: int | None = 60,
    escape: bool = True,
) -> None:
    """Display a table with its caption and the base (n) it is computed on
    (``escape=False``: cells hold markup built by tieval, e.g. links)."""
    _display_html(table_html(frame, caption, base, index=index, max_rows=max_rows, escape=escape))


def show_html(markup: str) -> None:
    """Display HTML built (and escaped) by a tieval module: sections with anchors, linked tables."""
    _display_html(markup)


def figure_path(figure: AppendixFigure, ctx: StepContext) -> Path:
    """Where the step's ``write`` puts ``figure``: ``outputs/<study>/<step>/<name>.png``."""
    return step_dir(ctx.study.id, ctx.step) / f"{figure.name}.png"


def show_figure(figure: AppendixFigure, ctx: StepContext) -> None:
    """Display a rendered figure (its PNG inline) with its alt text, its caption giving the base,
    and the file the step writes it to.  Writes nothing."""
    data = base64.b64encode(figure.png).decode("ascii")
    cap = html.escape(figure.caption)
    if figure.base:
        cap += f' <span class="tieval-base">(base: {html.escape(figure.base)})</span>'
    _display_html(
        f'<figure class="tieval-figure" id="fig-{html.escape(figure.name)}">'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(figure.alt, quote=True)}" '
        f'style="max-width:100%"/><figcaption>{cap} '
        f'<span class="tieval-file">[{html.escape(figure_path(figure, ctx).as_posix())}]</span></figcaption></figure>'
    )


@dataclass(frozen=True)
class Table:
    """A table to show with its caption and base (the arguments of :func:`show_table`)."""

    frame: pd.DataFrame
    caption: str = ""
    base: str = ""
    index: bool = False
    max_rows: int | None = 60
    escape: bool = True


@dataclass(frozen=True)
class Note:
    """A sentence to show (:func:`note`): an explanation, or why a section has nothing to show."""

    text: str


@dataclass(frozen=True)
class Banner:
    """A warning box to show (:func:`banner`)."""

    text: str


@dataclass(frozen=True)
class Html:
    """Markup built and escaped by a tieval module (:func:`show_html`)."""

    markup: str


#: What a section of a step's result is made of.
Block = Table | Note | Banner | Html | AppendixFigure


def figures_in(*sections: Iterable[Block]) -> list[AppendixFigure]:
    """The figures among the blocks of ``sections``, in order (what a step's ``write`` writes)."""
    return [block for section in sections for block in section if isinstance(block, AppendixFigure)]


def show(blocks: Iterable[Block], ctx: StepContext) -> None:
    """Display a section of a step's result: each block in order, as its own output."""
    for block in blocks:
        if isinstance(block, Table):
            show_table(
                block.frame, block.caption, block.base, index=block.index, max_rows=block.max_rows, escape=block.escape
            )
        elif isinstance(block, Note):
            note(block.text)
        elif isinstance(block, Banner):
            banner(block.text)
        elif isinstance(block, Html):
            show_html(block.markup)
        elif isinstance(block, AppendixFigure):
            show_figure(block, ctx)
        else:
            raise TypeError(f"cannot show {type(block).__name__}: not a display block")


def finish(ctx: StepContext) -> None:
    """End a step: show the provenance section and write ``outputs/<study>/<step>/provenance.json``.

    The section (:func:`tieval.report.site.provenance.provenance_html`) gives the git commit, the
    parameters, the SHA-256 of every input the step read, the Python and package versions, and
    links to the executed notebook and to the source of every tieval module the step used, so a
    reviewer can tell exactly what an appendix was built from."""
    inputs = sorted(set(store.inputs_read()))
    checksums = {p: store.sha256_file(p) for p in inputs if Path(p).is_file()}
    record = {
        "step": ctx.step,
        "study": ctx.study.id,
        "parameters": ctx.parameters,
        "commit": git_commit(),
        "inputs": checksums,
        "outputs": sorted(set(store.outputs_written())),
        "reconstructed": ctx.study.reconstructed,
        "software": provenance.software_versions(),
    }
    _display_html(provenance.provenance_html(record, provenance.step_module_names(ctx.step, project_root())))
    store.write_json(record, step_dir(ctx.study.id, ctx.step) / "provenance.json")
