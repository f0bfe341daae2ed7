"""The page frame of every appendix: head links, header with search, sidebar, pager, footer, contents box.

A page is ``outputs/html/<study>/<step>.html`` (reader view) or ``<step>-code.html`` (auditor
view).  Its frame comes from here and is placed by tieval's nbconvert template:

- :func:`head_links`: the shared stylesheets and scripts of ``outputs/html/assets/``;
- :func:`page_top`: skip link, header (site name, the other view, search box) and the sidebar;
- :func:`page_bottom`: previous/next appendix with their titles, and the page footer;
- :func:`insert_toc`: the contents box, placed right below the page's ``<h1>``.

The sidebar lists every appendix of every study (:func:`site_map`); it sits between two
comments so that the index build can bring it up to date in every page
(:func:`replace_sidebar`) when a study or step is added after a page was rendered.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tieval import notebook_io, registry
from tieval.config import load_study
from tieval.paths import discover_studies, outputs_dir, step_dir

__all__ = [
    "CODE_SUFFIX",
    "StudyPages",
    "step_title",
    "notebook_title",
    "site_map",
    "page_name",
    "page_title",
    "head_links",
    "sidebar",
    "replace_sidebar",
    "page_top",
    "page_bottom",
    "insert_toc",
]

CODE_SUFFIX = "-code"
SIDEBAR_START = "<!-- tieval:sidebar -->"
SIDEBAR_END = "<!-- /tieval:sidebar -->"


@dataclass(frozen=True)
class StudyPages:
    """One study of the site: its id, its title and its appendices as (step, title), in order."""

    id: str
    title: str
    steps: tuple[tuple[str, str], ...]


def step_title(nb) -> tuple[str, str]:
    """(title, one-line summary) of a notebook: its first markdown heading and the paragraph after it."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = [ln.strip() for ln in cell.source.splitlines()]
        title = next((ln.lstrip("#").strip() for ln in lines if ln.startswith("#")), "")
        paragraph: list[str] = []
        for ln in lines:
            if ln.startswith("#") or (not ln and not paragraph):
                continue
            if not ln:
                break
            paragraph.append(ln)
        if title:
            return title, _plain(" ".join(paragraph))
    return "", ""


def _plain(markdown: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown)
    return re.sub(r"[*_`]", "", text)


@lru_cache(maxsize=64)
def _title_of(path: str, mtime_ns: int) -> str:
    return step_title(notebook_io.read(path))[0]


def notebook_title(path: Path) -> str:
    """The title (first heading) of the notebook at ``path``; '' when it has none or does not exist."""
    path = Path(path)
    if not path.is_file():
        return ""
    return _title_of(str(path), path.stat().st_mtime_ns)


def site_map(root: Path, rendered_only: bool = False) -> list[StudyPages]:
    """Every study and its appendices, titled from the pipeline notebooks (``notebooks/<step>.ipynb``).

    By default every registered pipeline step (what a page being rendered will link to); with
    ``rendered_only``, the registered steps (tool steps such as ``00_reconstruct`` included) whose
    executed notebook and reader view exist (what the index links)."""
    root = Path(root)
    out = []
    for sid in discover_studies(root):
        cfg = load_study(sid, root, check_files=False)
        if rendered_only:
            names = sorted(s.name for s in registry.TOOL_STEPS + registry.STEPS)
            names = [
                n
                for n in names
                if (step_dir(sid, n, root) / f"{n}.ipynb").is_file()
                and (outputs_dir(None, root) / "html" / sid / f"{n}.html").is_file()
            ]
        else:
            names = registry.step_names()
        steps = tuple((n, notebook_title(root / "notebooks" / f"{n}.ipynb") or n) for n in names)
        out.append(StudyPages(sid, cfg.title, steps))
    return out


def page_name(step: str, code: bool) -> str:
    """File name of a step's reader (``<step>.html``) or auditor (``<step>-code.html``) view."""
    return f"{step}{CODE_SUFFIX if code else ''}.html"


def page_title(step_heading: str, study_title: str, code: bool) -> str:
    """The ``<title>`` of a view: distinct for the reader and the auditor view."""
    view = "auditor view, with code" if code else "appendix"
    return f"{step_heading} — {study_title} ({view})"


def head_links(prefix: str, stylesheets: list[str], scripts: list[str]) -> str:
    """``<link>`` and ``<script defer>`` tags for the shared assets (``print.css`` with ``media="print"``)."""
    tags = []
    for name in stylesheets:
        media = ' media="print"' if name == "print.css" else ""
        tags.append(f'<link rel="stylesheet" href="{prefix}assets/{html.escape(name)}"{media}>')
    tags += [f'<script defer src="{prefix}assets/{html.escape(name)}"></script>' for name in scripts]
    return "\n".join(tags)


def sidebar(studies: list[StudyPages], study: str, step: str, code: bool, prefix: str = "../") -> str:
    """The sidebar: every appendix of every study (same view as the page), the current one marked."""
    parts = [SIDEBAR_START, '<h2 class="site-sidebar-title">All appendices</h2>']
    for s in studies:
        items = []
        for name, title in s.steps:
            current = ' aria-current="page"' if (s.id, name) == (study, step) else ""
            items.append(f'<li><a href="{prefix}{s.id}/{page_name(name, code)}"{current}>{html.escape(title)}</a></li>')
        parts.append(
            f'<section class="site-sidebar-study"><h3><a href="{prefix}index.html#{s.id}">{html.escape(s.title)}</a></h3>'
            f"<ol>{''.join(items)}</ol></section>"
        )
    parts.append(SIDEBAR_END)
    return "".join(parts)


_SIDEBAR = re.compile(re.escape(SIDEBAR_START) + ".*?" + re.escape(SIDEBAR_END), re.S)


def replace_sidebar(page: str, new: str) -> str:
    """``page`` with its sidebar (between the sidebar comments) replaced by ``new``; unchanged if it has none."""
    return _SIDEBAR.sub(lambda _: new, page, count=1)


def page_top(studies: list[StudyPages], study: str, step: str, code: bool, study_title: str, step_heading: str) -> str:
    """Skip link, header (site name, where the page is, the other view, search box) and sidebar."""
    other = page_name(step, not code)
    other_label = "Reader view (code hidden)" if code else "Auditor view (code shown)"
    view = "Auditor view" if code else "Reader view"
    return (
        '<a class="skip-link" href="#main">Skip to the content</a>\n'
        '<header class="site-header">'
        '<p class="site-name"><a href="../index.html">tieval appendices</a></p>'
        f'<p class="site-where">{html.escape(study_title)} · {html.escape(step_heading)} · {view} '
        f'<a class="site-other-view" href="{other}">{other_label}</a></p>'
        '<div class="site-search" role="search" hidden>'
        '<label for="site-search-input">Search all appendices</label> '
        '<input type="search" id="site-search-input" autocomplete="off" aria-controls="site-search-results">'
        '<div id="site-search-results" class="site-search-results" aria-live="polite"></div></div>'
        "</header>\n"
        '<div class="site-frame">\n'
        '<nav class="site-sidebar" aria-label="All appendices">' + sidebar(studies, study, step, code) + "</nav>\n"
    )


def page_bottom(studies: list[StudyPages], study: str, step: str, code: bool, commit: str, notebook_href: str) -> str:
    """Previous/next appendix of the study (with their titles) and the page footer."""
    steps = next((s.steps for s in studies if s.id == study), ())
    names = [n for n, _ in steps]
    links = []
    if step in names:
        i = names.index(step)
        if i > 0:
            name, title = steps[i - 1]
            links.append(
                f'<a class="site-prev" href="{page_name(name, code)}" rel="prev">'
                f'<span class="site-pager-label">Previous</span> {html.escape(title)}</a>'
            )
        if i + 1 < len(steps):
            name, title = steps[i + 1]
            links.append(
                f'<a class="site-next" href="{page_name(name, code)}" rel="next">'
                f'<span class="site-pager-label">Next</span> {html.escape(title)}</a>'
            )
    pager = f'<nav class="site-pager" aria-label="Previous and next appendix">{"".join(links)}</nav>\n' if links else ""
    return (
        pager + "</div>\n" + '<footer class="site-footer"><p>tieval compendium · built from commit '
        f"<code>{html.escape(commit[:12])}</code> · "
        '<a href="#provenance">How this appendix was built</a> · '
        f'<a href="{html.escape(notebook_href)}">Executed notebook (.ipynb)</a> · '
        '<a href="../index.html">All appendices</a></p></footer>'
    )


_H1_END = re.compile(r"</h1>")


def insert_toc(body: str, contents: str) -> str:
    """``body`` with ``contents`` placed right after its first ``</h1>`` (at the start if it has none)."""
    if not contents:
        return body
    match = _H1_END.search(body)
    if match is None:
        return contents + body
    return body[: match.end()] + "\n" + contents + body[match.end() :]
