"""HTML appendices, the index page and the provenance manifest: the appendices as a self-contained site.

Each executed notebook becomes two appendices in ``outputs/html/<study>/``:

- ``<step>.html``, the reader view: prose, tables and figures, code hidden;
- ``<step>-code.html``, the auditor view: the same with every code cell shown, the injected
  parameters labelled, and each call into ``tieval`` linked to its source page.

Both are rendered with tieval's own nbconvert template (``report/nbtemplate/tieval``), which
loads nothing from another host and inlines no stylesheet: every page links the shared assets of
``outputs/html/assets/``.  Beside the pages, ``outputs/html/<study>/<step>/`` holds what the pages
link: the step's CSV tables, its executed notebook and its figures, each stored once under a name
made from its SHA-256 (:mod:`tieval.report.site.media`).  The page frame (sidebar listing every
appendix, previous/next with titles, header with search, footer) comes from
:mod:`tieval.report.site.layout`; citations are linked to a reference list on each page
(:mod:`tieval.report.site.references`); the provenance section is written by the notebook itself
(:func:`tieval.report.present.finish`).

:func:`build_index` completes the site: the assets, the sidebars brought up to date, the source
page of every module a step used (``outputs/html/source/``), the search index and
``outputs/html/index.html``; then ``outputs/manifest.json`` (and its copy inside the site) lists
every output with its checksum, the step and parameters that made it and the inputs it read.

Rendering is deterministic: the same executed notebooks give the same bytes.
The steps and their order come from the step registry (:mod:`tieval.registry`);
notebooks are read and exported through :mod:`tieval.notebook_io`, so this module
does not need the runner (:mod:`tieval.pipeline`), which imports it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

from tieval import notebook_io, registry
from tieval.atomic import atomic_write, sha256_file, write_json, write_text
from tieval.config import load_study
from tieval.paths import make_dir, outputs_dir, project_root, step_dir
from tieval.report.numbering import number_blocks
from tieval.report.site import assets, citation, layout, media, references, search, sources
from tieval.report.site.citation import git_commit
from tieval.report.site.layout import CODE_SUFFIX, step_title

__all__ = [
    "render_views",
    "build_index",
    "write_source_pages",
    "build_manifest",
    "html_dir",
    "step_title",
    "toc",
    "TEMPLATE_DIR",
    "CODE_SUFFIX",
]

#: Where tieval's nbconvert template (``tieval/``) lives.
TEMPLATE_DIR = Path(__file__).resolve().parent / "nbtemplate"


def html_dir(study: str | None = None, root: Path | None = None) -> Path:
    """``outputs/html/`` or ``outputs/html/<study>/``."""
    base = outputs_dir(None, root) / "html"
    return base / study if study else base


_EXPORTER = None


def _exporter(show_code: bool):
    """The HTML exporter (tieval template), created once per process: loading the template
    costs more than rendering, and both views differ only in what they exclude."""
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = notebook_io.HTMLExporter(template_name="tieval", extra_template_basedirs=[str(TEMPLATE_DIR)])
        _EXPORTER.exclude_output_prompt = True
        _EXPORTER.anchor_link_text = "¶"
    _EXPORTER.exclude_input = not show_code
    _EXPORTER.exclude_input_prompt = not show_code
    return _EXPORTER


def _bibliography(root: Path) -> dict[str, references.Reference]:
    path = Path(root) / references.BIBLIOGRAPHY
    return references.load_bibliography(path) if path.is_file() else {}


def _step_commit(study: str, step: str, root: Path) -> str:
    """The commit the step ran from (its provenance record), else the checkout's."""
    prov = step_dir(study, step, root) / "provenance.json"
    if prov.is_file():
        return str(json.loads(prov.read_text(encoding="utf-8")).get("commit", "unknown"))
    return git_commit(root)


def step_files(study: str, step: str, root: Path | None = None) -> Path:
    """``outputs/html/<study>/<step>/``: the step's CSVs, executed notebook and figures inside the site."""
    return html_dir(study, root) / step


def _copy_step_files(nb, step: str, study: str, root: Path) -> Path:
    """Fill ``outputs/html/<study>/<step>/`` afresh: the step's CSV tables and its executed notebook."""
    folder = step_files(study, step, root)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for table in sorted(step_dir(study, step, root).glob("*.csv")):
        with atomic_write(folder / table.name, "wb") as handle:
            handle.write(table.read_bytes())
    write_text(notebook_io.writes(nb), folder / f"{step}.ipynb")
    return folder


def _main_split(page: str) -> tuple[str, str, str]:
    start = page.find("<main")
    end = page.rfind("</main>")
    if start < 0 or end < 0:
        return "", page, ""
    return page[:start], page[start:end], page[end:]


def render_views(nb, step: str, study: str, root: Path | None = None) -> list[Path]:
    """Write the reader and auditor HTML views of an executed notebook, and the files they link
    (``outputs/html/<study>/<step>/``); return the paths of the two views."""
    root = Path(root or project_root())
    cfg = load_study(study, root, check_files=False)
    title = step_title(nb)[0] or step
    studies = layout.site_map(root)
    folder = _copy_step_files(nb, step, study, root)
    bib = _bibliography(root)
    aliases = sources.import_aliases([c.source for c in nb.cells if c.cell_type == "code"], root / "src")
    head = layout.head_links("../", assets.stylesheets(), assets.scripts())
    commit = _step_commit(study, step, root)
    images: dict[str, str] = {}
    written = []
    for show_code in (False, True):
        frame = {
            "title": html.escape(layout.page_title(title, cfg.title, show_code)),
            "head": head,
            "root": "../",
            "body_class": " tieval-auditor" if show_code else " tieval-reader",
            "top": layout.page_top(studies, study, step, show_code, cfg.title, title),
            "bottom": layout.page_bottom(studies, study, step, show_code, commit, f"{step}/{step}.ipynb"),
        }
        page, _ = _exporter(show_code).from_notebook_node(
            nb, resources={"metadata": {"name": f"{cfg.title} — {title}"}, "tieval": frame}
        )
        before, main, after = _main_split(page)
        # nbconvert re-serialises the whole page (BeautifulSoup), reordering attributes: put the sidebar
        # back as layout.sidebar writes it, the same bytes the index build refreshes it with, so a
        # published page is its staged copy byte for byte
        before = layout.replace_sidebar(before, layout.sidebar(studies, study, step, show_code))
        main = media.link_figures(media.store_images(main, folder / "figures", f"{step}/figures/", images))
        main = number_blocks(main)
        main, cited = references.link_citations(main, bib)
        refs = references.reference_list(cited, bib)
        if refs:
            at = main.find('<section class="tieval-provenance"')
            main = main[:at] + refs + main[at:] if at >= 0 else main + refs
        if show_code:
            main = sources.link_calls(main, aliases, root / "src")
        main = layout.insert_toc(main, toc(main))
        name = layout.page_name(step, show_code)
        written.append(write_text(before + main + after, html_dir(study, root) / name))
    return written


_HEADING = re.compile(r'<h([1-3]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def toc(body: str) -> str:
    """The table of contents of an exported page: one entry per ``<h1>``-``<h3>`` with an id (empty if none)."""
    items = []
    for level, anchor, inner in _HEADING.findall(body):
        text = re.sub(r"<[^>]+>", "", inner).replace("¶", "").strip()
        if text:
            items.append(f'<li class="toc-h{level}"><a href="#{anchor}">{html.escape(html.unescape(text))}</a></li>')
    if not items:
        return ""
    return (
        '<nav class="tieval-toc" aria-label="Contents"><details open><summary>Contents</summary><ul>'
        + "".join(items)
        + "</ul></details></nav>"
    )


def _refresh_sidebars(site: Path, studies: list[layout.StudyPages]) -> list[str]:
    """Bring the sidebar of every rendered page up to date with ``studies``; return the reader pages
    (relative to ``site``), in site order."""
    readers = []
    for s in studies:
        for step, _ in s.steps:
            for code in (False, True):
                path = site / s.id / layout.page_name(step, code)
                if not path.is_file():
                    continue
                text = path.read_text(encoding="utf-8")
                new = layout.replace_sidebar(text, layout.sidebar(studies, s.id, step, code))
                if new != text:
                    write_text(new, path)
                if not code:
                    readers.append(f"{s.id}/{layout.page_name(step, code)}")
    return readers


def write_source_pages(root: Path | None = None) -> list[Path]:
    """Write the source page of every module a step (or the index) uses
    (:func:`tieval.registry.site_modules`) to ``outputs/html/source/``, rendering only pages whose
    module changed (the cache in ``.make/``); remove stale pages; return the pages."""
    root = Path(root or project_root())
    site = html_dir(None, root)
    files = [root / p for p in registry.site_modules(root)]
    head = layout.head_links("../", assets.stylesheets(), [])
    written = sources.write_sources(files, root / "src", site / "source", head, make_dir(root) / "source-pages.json")
    for stale in set((site / "source").glob("*.html")) - set(written):
        stale.unlink()
    return written


def build_index(root: Path | None = None) -> Path:
    """Complete the site and write ``outputs/html/index.html`` (every appendix of every study) and
    ``outputs/manifest.json``: assets, sidebars, source pages, search index, index page, manifest."""
    root = Path(root or project_root())
    site = html_dir(None, root)
    assets.copy_assets(site / "assets")
    studies = layout.site_map(root, rendered_only=True)
    readers = _refresh_sidebars(site, studies)
    write_source_pages(root)
    search.write_search_index(site, readers)
    info = citation.build_info(root, git_commit(root))
    cff_path = root / "CITATION.cff"
    cite = citation.cite_block(citation.load_citation(cff_path), info) if cff_path.is_file() else ""
    sections = []
    for s in studies:
        cfg = load_study(s.id, root, check_files=False)
        rows = []
        for step, _ in s.steps:
            nb = notebook_io.read(step_dir(s.id, step, root) / f"{step}.ipynb")
            title, summary = step_title(nb)
            rows.append(
                f'<li><a href="{s.id}/{step}.html">{html.escape(title or step)}</a> '
                f'(<a href="{s.id}/{step}{CODE_SUFFIX}.html">with code</a>)'
                f'<br><span class="summary">{html.escape(summary)}</span></li>'
            )
        downloads = [
            f'<a href="{s.id}/{t.parent.name}/{t.name}">{html.escape(t.name)}</a>'
            for t in sorted(html_dir(s.id, root).glob("*/*.csv"))
        ]
        notice = f'<p class="notice"><strong>{html.escape(cfg.data_notice)}</strong></p>' if cfg.data_notice else ""
        report = cfg.report
        sections.append(
            f'<section id="{s.id}" aria-labelledby="{s.id}-h"><h2 id="{s.id}-h">{html.escape(cfg.title)}</h2>'
            f"<p>{html.escape(str(report.get('organisation', '')))}, {html.escape(str(report.get('year', '')))}. "
            f"Study id <code>{s.id}</code>.</p>"
            f'<p class="cite">Cite the report as: {html.escape(str(report.get("citation", "")))}</p>{notice}'
            f"<h3>Appendices, in pipeline order</h3><ol>{''.join(rows)}</ol>"
            + (f"<h3>Data (CSV)</h3><p>{' · '.join(downloads)}</p>" if downloads else "")
            + "</section>"
        )
    if info.repository:
        repo = (
            f'Repository: <a href="{html.escape(info.repository)}" rel="external">{html.escape(info.repository)}</a>.'
        )
    else:
        repo = "No public repository address is recorded in this checkout (no web address for the git remote <code>origin</code>)."
    date = f", committed {html.escape(info.date)}" if info.date else ""
    head = layout.head_links("", assets.stylesheets(), assets.scripts())
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tieval: appendices</title>
{head}
</head>
<body class="tieval-index" data-root="">
<a class="skip-link" href="#main">Skip to the content</a>
<header class="site-header"><p class="site-name"><a href="index.html">tieval appendices</a></p>
<div class="site-search" role="search" hidden><label for="site-search-input">Search all appendices</label> <input type="search" id="site-search-input" autocomplete="off" aria-controls="site-search-results"><div id="site-search-results" class="site-search-results" aria-live="polite"></div></div>
</header>
<main id="main" class="tieval-main">
<h1>tieval: re-running two evaluations of trauma-informed workforce programmes</h1>
<p>Each study below is re-run from its data by parameterised notebooks. Every appendix has a reader view
(code hidden) and an auditor view (code shown); each ends with the commit, parameters, input checksums,
software versions and source modules it was built from. <a href="manifest.json">manifest.json</a> lists every
output with its checksum.</p>
<p class="build">Built from commit <code>{html.escape(info.short)}</code>{date}. {repo}</p>
{cite}
{"".join(sections)}
</main>
<footer class="site-footer"><p>tieval compendium · commit <code>{html.escape(info.short)}</code></p></footer>
</body>
</html>
"""
    path = write_text(page, site / "index.html")
    build_manifest(root)
    return path


def build_manifest(root: Path | None = None) -> Path:
    """Write ``outputs/manifest.json``: every output file with its sha256, the step and parameters
    that made it and the inputs that step read (from ``outputs/<study>/<step>/provenance.json``)."""
    root = Path(root or project_root())
    base = outputs_dir(None, root)
    made_by: dict[str, dict] = {}
    for prov in sorted(base.glob("*/*/provenance.json")):
        record = json.loads(prov.read_text(encoding="utf-8"))
        info = {
            "step": record["step"],
            "study": record["study"],
            "parameters": record["parameters"],
            "inputs": record["inputs"],
        }
        for out in record.get("outputs", []):
            made_by[Path(out).as_posix()] = info
        study, step = record["study"], record["step"]
        for rel in (
            f"outputs/{study}/{step}/{step}.ipynb",
            f"outputs/html/{study}/{step}.html",
            f"outputs/html/{study}/{step}{CODE_SUFFIX}.html",
        ):
            made_by.setdefault(rel, {**info, "inputs": {f"notebooks/{step}.ipynb": None, **info["inputs"]}})
    bench = base / "bench"  # `make bench` output: not part of the build
    files = sorted(
        p
        for p in list(base.rglob("*")) + list((root / "data" / "processed").rglob("*"))
        if p.is_file()
        and not p.name.startswith(".")
        and p.name != "manifest.json"
        and ".failed" not in p.name
        and bench not in p.parents
    )
    entries = []
    for p in files:
        rel = p.relative_to(root).as_posix() if p.is_absolute() else p.as_posix()
        rel = rel[2:] if rel.startswith("./") else rel
        info = made_by.get(rel, {})
        entries.append(
            {
                "path": rel,
                "sha256": sha256_file(p),
                "step": info.get("step"),
                "study": info.get("study"),
                "parameters": info.get("parameters"),
                "inputs": sorted(info.get("inputs", {}) or {}),
            }
        )
    path = write_json({"outputs": entries}, base / "manifest.json")
    copy = html_dir(None, root) / "manifest.json"  # inside the site, so the index's link stays in html/
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, copy)
    return path
