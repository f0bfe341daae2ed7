"""HTML appendices, the index page and the provenance manifest.

Each executed notebook becomes two appendices in ``outputs/html/<study>/``:

- ``<step>.html``, the reader view: prose, tables and figures, code hidden;
- ``<step>-code.html``, the auditor view: the same with every code cell shown.

Both carry a navigation bar (index, the other view, previous and next step)
and a table of contents built from the notebook's headings; the provenance
footer (commit, parameters, input checksums) is written by the notebook
itself (:func:`tieval.report.present.finish`).  :func:`build_index` writes
``outputs/html/index.html`` linking every appendix of every study, and
``outputs/manifest.json`` listing every output with its checksum, the step
and parameters that made it and the inputs it read.

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
from tieval.atomic import sha256_file, write_json, write_text
from tieval.config import load_study
from tieval.paths import discover_studies, outputs_dir, project_root, step_dir
from tieval.report.numbering import number_blocks

__all__ = ["render_views", "build_index", "build_manifest", "html_dir", "step_title", "toc", "decorate"]

CODE_SUFFIX = "-code"


def html_dir(study: str | None = None, root: Path | None = None) -> Path:
    """``outputs/html/`` or ``outputs/html/<study>/``."""
    base = outputs_dir(None, root) / "html"
    return base / study if study else base


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


_EXPORTER = None


def _exporter(show_code: bool):
    """The HTML exporter (lab template), created once per process: loading the template
    costs more than rendering, and both views differ only in what they exclude."""
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = notebook_io.HTMLExporter(template_name="lab")
        _EXPORTER.exclude_output_prompt = True
        _EXPORTER.anchor_link_text = "¶"
    _EXPORTER.exclude_input = not show_code
    _EXPORTER.exclude_input_prompt = not show_code
    return _EXPORTER


def render_views(nb, step: str, study: str, root: Path | None = None) -> list[Path]:
    """Write the reader and auditor HTML views of an executed notebook; return their paths."""
    root = Path(root or project_root())
    cfg = load_study(study, root, check_files=False)
    title, _ = step_title(nb)
    folder = html_dir(study, root)
    steps = set(registry.step_names()) | {step}
    written = []
    for show_code in (False, True):
        body, _ = _exporter(show_code).from_notebook_node(
            nb, resources={"metadata": {"name": f"{cfg.title} — {title or step}"}}
        )
        page = number_blocks(decorate(body, step, study, sorted(steps), show_code, cfg.title))
        name = f"{step}{CODE_SUFFIX if show_code else ''}.html"
        written.append(write_text(page, folder / name))
    _copy_tables(study, step, root)
    return written


def _copy_tables(study: str, step: str, root: Path) -> None:
    """Copy the step's CSVs beside its pages (``outputs/html/<study>/<step>/``), where the tables'
    download links point (tables helper, until the site build does it)."""
    target = html_dir(study, root) / step
    for old in sorted(target.glob("*.csv")):
        old.unlink()
    for csv in sorted(step_dir(study, step, root).glob("*.csv")):
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(csv, target / csv.name)


ASSETS = Path(__file__).parent / "assets"


def _copy_assets(root: Path) -> None:
    """Copy ``report/assets/`` to ``outputs/html/assets/`` (tables helper, until the site build does it)."""
    target = html_dir(None, root) / "assets"
    target.mkdir(parents=True, exist_ok=True)
    for asset in sorted(ASSETS.iterdir()):
        if asset.is_file():
            shutil.copyfile(asset, target / asset.name)


def _steps_of(study: str, root: Path) -> list[str]:
    """Steps of a study the index links, in order: every registered step (tool steps such as
    ``00_reconstruct`` first, when they were run) whose executed notebook and reader view exist."""
    names = sorted(s.name for s in registry.TOOL_STEPS + registry.STEPS)
    return [
        n
        for n in names
        if (step_dir(study, n, root) / f"{n}.ipynb").is_file() and (html_dir(study, root) / f"{n}.html").is_file()
    ]


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


_STYLE = """<style>
.tieval-nav{font:14px/1.4 system-ui,sans-serif;background:#f4f4f4;border-bottom:1px solid #ccc;padding:.5em 1em;position:sticky;top:0;z-index:10}
.tieval-nav a{margin-right:1.2em}
.tieval-toc{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;max-width:60em}
.tieval-toc ul{list-style:none;padding-left:0}.tieval-toc .toc-h2{padding-left:1em}.tieval-toc .toc-h3{padding-left:2em}
.tieval-table{border-collapse:collapse;font-size:13px}.tieval-table th,.tieval-table td{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}
.tieval-figure img{max-width:100%}.tieval-base{color:#555}
</style>
<link rel="stylesheet" href="../assets/tables.css">
<script defer src="../assets/tables.js"></script>"""


#: The print stylesheet (owned by the print/PDF work); inlined with media="print" until the site build links
#: ``assets/print.css`` from every page.
_PRINT_CSS = Path(__file__).with_name("assets") / "print.css"


def decorate(body: str, step: str, study: str, steps: list[str], show_code: bool, title: str) -> str:
    """An exported page with the appendix style, the navigation bar (index, the other view, previous and
    next of ``steps``) and the table of contents inserted after ``<body>``."""
    other = f"{step}.html" if show_code else f"{step}{CODE_SUFFIX}.html"
    other_label = "Reader view (code hidden)" if show_code else "Auditor view (code shown)"
    suffix = CODE_SUFFIX if show_code else ""
    i = steps.index(step)
    links = [
        '<a href="../index.html">All appendices</a>',
        f"<strong>{html.escape(title)}</strong> — {html.escape(step)}",
        f'<a href="{other}">{other_label}</a>',
    ]
    if i > 0:
        links.append(f'<a href="{steps[i - 1]}{suffix}.html" rel="prev">← {html.escape(steps[i - 1])}</a>')
    if i + 1 < len(steps):
        links.append(f'<a href="{steps[i + 1]}{suffix}.html" rel="next">{html.escape(steps[i + 1])} →</a>')
    nav = f'<nav class="tieval-nav" aria-label="Appendix navigation">{" ".join(links)}</nav>'
    print_style = f'<style media="print">\n{_PRINT_CSS.read_text(encoding="utf-8")}</style>'
    body = body.replace("</head>", _STYLE + "\n" + print_style + "\n</head>", 1)
    match = re.search(r"<body[^>]*>", body)
    if match:
        body = body[: match.end()] + "\n" + nav + toc(body) + body[match.end() :]
    return body


def build_index(root: Path | None = None) -> Path:
    """Write ``outputs/html/index.html`` (every appendix of every study) and ``outputs/manifest.json``."""
    root = Path(root or project_root())
    sections = []
    for sid in discover_studies(root):
        cfg = load_study(sid, root, check_files=False)
        rows = []
        for step in _steps_of(sid, root):
            nb = notebook_io.read(step_dir(sid, step, root) / f"{step}.ipynb")
            title, summary = step_title(nb)
            rows.append(
                f'<li><a href="{sid}/{step}.html">{html.escape(title or step)}</a> '
                f'(<a href="{sid}/{step}{CODE_SUFFIX}.html">with code</a>)'
                f'<br><span class="summary">{html.escape(summary)}</span></li>'
            )
        downloads = []
        tables = sorted(outputs_dir(sid, root).glob("*/*.csv"))
        downloads += [f'<a href="../{sid}/{t.parent.name}/{t.name}">{t.name}</a>' for t in tables]
        notice = f'<p class="notice"><strong>{html.escape(cfg.data_notice)}</strong></p>' if cfg.data_notice else ""
        report = cfg.report
        sections.append(
            f'<section id="{sid}"><h2>{html.escape(cfg.title)}</h2>'
            f"<p>{html.escape(str(report.get('organisation', '')))}, {html.escape(str(report.get('year', '')))}. "
            f"Study id <code>{sid}</code>.</p>"
            f'<p class="cite">Cite the report as: {html.escape(str(report.get("citation", "")))}</p>{notice}'
            f"<h3>Appendices, in pipeline order</h3><ol>{''.join(rows)}</ol>"
            + (f"<h3>Data (CSV)</h3><p>{' · '.join(downloads)}</p>" if downloads else "")
            + "</section>"
        )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tieval: appendices</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
.summary{{color:#444}}.notice{{background:#fee0b6;border:2px solid #b35806;padding:.5em}}li{{margin:.4em 0}}</style>
</head><body>
<h1>tieval: re-running two evaluations of trauma-informed workforce programmes</h1>
<p>Each study below is re-run from its data by parameterised notebooks. Every appendix has a reader view
(code hidden) and an auditor view (code shown); each ends with the commit, parameters and input checksums
it was built from. <a href="../manifest.json">manifest.json</a> lists every output with its checksum.</p>
{"".join(sections)}
</body></html>
"""
    path = write_text(page, html_dir(None, root) / "index.html")
    _copy_assets(root)
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
    return write_json({"outputs": entries}, base / "manifest.json")
