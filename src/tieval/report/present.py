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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tieval import store
from tieval.config import Study, load_study
from tieval.paths import project_root, step_dir
from tieval.report.cells import STATUS_TONES, column_cells, human_header, reader_words, status_column, status_slug
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
    "figure_html",
    "short_alt",
    "slug",
    "lead",
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
    """Begin a notebook step: move to the project root, load the study and show the reconstruction (or invention) notice when the study's data are reconstructed (or invented)."""
    root = project_root(Path.cwd())
    if str(root) not in ("", "."):
        os.chdir(root)
    store.reset_provenance()
    _USED_IDS.clear()
    cfg = load_study(study)
    store.note_input(cfg.config_file)
    ctx = StepContext(cfg, step, {"study": study, **parameters})
    if cfg.data_notice:
        banner(cfg.data_notice)
    return ctx


def banner(text: str) -> None:
    """Show a visible warning box (used for the reconstructed-data notice)."""
    _display_html(
        f'<div class="tieval-banner" role="note" style="border:2px solid #b35806;'
        f'background:#fee0b6;padding:0.6em 0.9em;margin:0.6em 0;font-weight:600">'
        f"{html.escape(text)}</div>"
    )


def note(text: str) -> None:
    """Show a short explanatory sentence (plain text, escaped)."""
    _display_html(f'<p class="tieval-note">{html.escape(reader_words(text))}</p>')


#: Tables longer than this are summarised: status counts and the rows to look at first, the full
#: table one click away.
LONG_TABLE = 40
#: Rows shown above a long table when no row needs attention.
PREVIEW_ROWS = 10

_USED_IDS: set[str] = set()


def slug(text: str) -> str:
    """An id fragment from a caption: lower-case words joined by ``-`` (at most 60 characters)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:60].strip("-") or "table"


def _unique_id(ident: str) -> str:
    """``ident``, or ``ident-2``, ``ident-3``... when a block of the page already has it
    (the ids in use are forgotten at :func:`start`, one page per notebook run)."""
    out, k = ident, 1
    while out in _USED_IDS:
        k += 1
        out = f"{ident}-{k}"
    _USED_IDS.add(out)
    return out


def _caption(caption: str, base: str, csv: str) -> str:
    cap = html.escape(caption)
    if base:
        cap += f' <span class="tieval-base">(base: {html.escape(reader_words(base))})</span>'
    if csv:
        name = csv.rsplit("/", 1)[-1]
        cap += f' <a class="tieval-csv" href="{html.escape(csv)}" download>Download CSV ({html.escape(name)})</a>'
    return cap


NUM = ' class="num"'


def _rows_markup(cells: list[list[str]], numeric: list[bool], statuses: list[list[str | None]], rows) -> str:
    out = []
    for i in rows:
        tds = []
        for j, text in enumerate(cells[i]):
            attrs = NUM if numeric[j] else ""
            if statuses[i][j]:
                attrs += f' data-status="{statuses[i][j]}"'
            tds.append(f"<td{attrs}>{text}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    return "".join(out)


def _table_markup(head: str, body: str, label: str, extra: str = "") -> str:
    return (
        f'<div class="tieval-scroll{extra}" tabindex="0" role="group" aria-labelledby="{label}">'
        f'<table class="tieval-table" aria-labelledby="{label}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def table_html(
    frame: pd.DataFrame,
    caption: str = "",
    base: str = "",
    *,
    index: bool = False,
    max_rows: int | None = None,
    escape: bool = True,
    csv: str = "",
    ident: str = "",
) -> str:
    """HTML of a table block: a numbered figure (``id="tbl-<ident>"``, default from the caption) with
    its caption, base and CSV link (``csv``: the path of the step's CSV relative to the page), the
    table in a scroll box with human headers (:func:`tieval.report.cells.human_header`), numeric
    columns right-aligned (``class="num"``), status cells marked ``data-status``; a table longer
    than :data:`LONG_TABLE` rows is summarised (status counts, the rows not matching or the first
    rows) with the whole table in a ``<details>`` below.  Deterministic (no random ids).

    ``escape=False`` keeps cell markup (links built and escaped by tieval itself); ``max_rows``
    shows only the first rows (the rest are in the CSV)."""
    frame = frame.reset_index() if index else frame
    shown = frame if max_rows is None or len(frame) <= max_rows else frame.head(max_rows)
    declared = set(frame.attrs.get("numeric", ()))
    cells_by_col, numeric, is_status = [], [], []
    for name in shown.columns:
        texts, num = column_cells(shown[name], numeric=name in declared)
        status = status_column(texts)
        cells_by_col.append([html.escape(t) if escape else t for t in texts])
        numeric.append(num)
        is_status.append(status)
    n = len(shown)
    cells = [[col[i] for col in cells_by_col] for i in range(n)]
    statuses = [
        [status_slug(html.unescape(cells[i][j])) if is_status[j] else None for j in range(len(cells_by_col))]
        for i in range(n)
    ]
    ident = "tbl-" + (ident or slug(caption))
    label = f"{ident}-caption"
    head = "".join(
        f'<th scope="col"{NUM if numeric[j] else ""}>{html.escape(human_header(name))}</th>'
        for j, name in enumerate(shown.columns)
    )
    attrs = f' data-status-columns="{",".join(str(j) for j, s in enumerate(is_status) if s)}"' if any(is_status) else ""
    parts = [
        f'<figure class="tieval-block tieval-tablefig" id="{ident}" data-kind="table"{attrs}>'
        f'<figcaption id="{label}">{_caption(caption, base, csv)}</figcaption>'
    ]
    if n > LONG_TABLE:
        # the verdict is the last status column (the audit's "status" after its one-to-one "comparison")
        verdict = max((j for j, s in enumerate(is_status) if s), default=None)
        tones: dict[str, int] = {}
        attention = []
        for i in range(n):
            value = html.unescape(cells[i][verdict]).strip().lower() if verdict is not None else ""
            if value:
                tones[value] = tones.get(value, 0) + 1
            if value and STATUS_TONES.get(value, "good") != "good":
                attention.append((STATUS_TONES[value], i))
        counts = "; ".join(f"{k}: {v}" for k, v in sorted(tones.items(), key=lambda kv: -kv[1]))
        what = f"{human_header(shown.columns[verdict])} " if verdict is not None else ""
        parts.append(
            f'<p class="tieval-summary">{n} rows' + (f" ({html.escape(what + counts)})" if counts else "") + ".</p>"
        )
        bad = [i for tone, i in attention if tone == "bad"]
        attention = bad or [i for _, i in attention]  # disagreements first; else what holds only under conditions
        if attention and len(attention) <= LONG_TABLE:
            lead, preview = f"The {len(attention)} rows to look at first (not matching or not consistent):", attention
        else:
            lead, preview = f"The first {PREVIEW_ROWS} rows:", list(range(PREVIEW_ROWS))
        parts.append(f'<p class="tieval-preview-lead">{lead}</p>')
        parts.append(_table_markup(head, _rows_markup(cells, numeric, statuses, preview), label, " tieval-preview"))
        parts.append(
            f'<details class="tieval-full"><summary>Show all {n} rows</summary>'
            + _table_markup(head, _rows_markup(cells, numeric, statuses, range(n)), label)
            + "</details>"
        )
    else:
        parts.append(_table_markup(head, _rows_markup(cells, numeric, statuses, range(n)), label))
    if shown is not frame:
        rest = "the full table is in the CSV" if csv else "the rest are not shown"
        parts.append(f'<p class="tieval-more"><em>First {max_rows} of {len(frame)} rows; {rest}.</em></p>')
    parts.append("</figure>")
    return "".join(parts)


def show_table(
    frame: pd.DataFrame,
    caption: str = "",
    base: str = "",
    *,
    index: bool = False,
    max_rows: int | None = 60,
    escape: bool = True,
    csv: str = "",
    ident: str = "",
) -> None:
    """Display a table with its caption and the base (n) it is computed on
    (``escape=False``: cells hold markup built by tieval, e.g. links), its id unique on the page."""
    ident = _unique_id("tbl-" + (ident or slug(caption))).removeprefix("tbl-")
    _display_html(table_html(frame, caption, base, index=index, max_rows=max_rows, escape=escape, csv=csv, ident=ident))


def show_html(markup: str) -> None:
    """Display HTML built (and escaped) by a tieval module: sections with anchors, linked tables."""
    _display_html(markup)


def figure_path(figure: AppendixFigure, ctx: StepContext) -> Path:
    """Where the step's ``write`` puts ``figure``: ``outputs/<study>/<step>/<name>.png``."""
    return step_dir(ctx.study.id, ctx.step) / f"{figure.name}.png"


#: The longest alt text; a longer description goes in a ``<details>`` beside the figure.
ALT_MAX = 250


def short_alt(alt: str) -> str:
    """Alt text of at most :data:`ALT_MAX` characters: ``alt`` itself, or its first sentence, or its
    first words followed by "(described below)"."""
    alt = " ".join(alt.split())
    if len(alt) <= ALT_MAX:
        return alt
    first = re.split(r"(?<=[.;:])\s", alt, maxsplit=1)[0]
    if len(first) <= ALT_MAX - 20:
        return first.rstrip(".;:") + " (described below)."
    cut = alt[: ALT_MAX - 22].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "… (described below)."


def figure_html(figure: AppendixFigure) -> str:
    """HTML of a figure block (``id="fig-<name>"``): the PNG inline, short alt text, the caption with
    its base, and a long description in a ``<details>`` when the alt text is longer than :data:`ALT_MAX`."""
    data = base64.b64encode(figure.png).decode("ascii")
    ident = f"fig-{html.escape(figure.name)}"
    cap = html.escape(figure.caption)
    if figure.base:
        cap += f' <span class="tieval-base">(base: {html.escape(figure.base)})</span>'
    alt = short_alt(figure.alt)
    described = ""
    if alt != " ".join(figure.alt.split()):
        described = (
            f'<details class="tieval-description" id="{ident}-description"><summary>Description of the figure</summary>'
            f"<p>{html.escape(figure.alt)}</p></details>"
        )
    return (
        f'<figure class="tieval-block tieval-figure" id="{ident}" data-kind="figure">'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}"/>'
        f"<figcaption>{cap}</figcaption>{described}</figure>"
    )


def show_figure(figure: AppendixFigure, ctx: StepContext) -> None:
    """Display a rendered figure (its PNG inline) with its alt text and its caption giving the base.
    Writes nothing."""
    _display_html(figure_html(figure))


@dataclass(frozen=True)
class Table:
    """A table to show with its caption and base (the arguments of :func:`show_table`)."""

    frame: pd.DataFrame
    caption: str = ""
    base: str = ""
    index: bool = False
    max_rows: int | None = 60
    escape: bool = True
    csv: str = ""  # the CSV file of the step this table is (or shows a view of), e.g. "audit.csv"
    ident: str = ""  # the table's id on the page (``tbl-<ident>``; default: from the caption)


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


#: Shown for a section of a step's result that has no block at all.
NOTHING_TO_SHOW = "This section has nothing to show for this study."

#: What a section of a step's result is made of.
Block = Table | Note | Banner | Html | AppendixFigure


def figures_in(*sections: Iterable[Block]) -> list[AppendixFigure]:
    """The figures among the blocks of ``sections``, in order (what a step's ``write`` writes)."""
    return [block for section in sections for block in section if isinstance(block, AppendixFigure)]


def lead(blocks: Iterable[Block], ctx: StepContext) -> None:
    """Display a step's lead-in (the notes under its title, such as "no qualitative material"):
    unlike a section (:func:`show`), a lead-in with no block shows nothing at all."""
    blocks = list(blocks)
    if blocks:
        show(blocks, ctx)


def show(blocks: Iterable[Block], ctx: StepContext) -> None:
    """Display a section of a step's result: each block in order, as its own output."""
    blocks = list(blocks)
    if not blocks:
        note(NOTHING_TO_SHOW)
    for block in blocks:
        if isinstance(block, Table) and block.frame.empty:
            note(f"{block.caption or 'This table'}: nothing to list for this study.")
        elif isinstance(block, Table):
            show_table(
                block.frame,
                block.caption,
                block.base,
                index=block.index,
                max_rows=block.max_rows,
                escape=block.escape,
                csv=f"{ctx.step}/{block.csv}" if block.csv and ctx is not None else "",
                ident=block.ident,
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
