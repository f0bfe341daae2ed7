"""The HTML pages (tieval.report.html) without a build: titles, contents, navigation, the index
(steps from the registry) and the manifest, on small notebooks and pages of our own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tieval import registry
from tieval.report import html
from tieval.store import sha256_file

ROOT = Path(__file__).resolve().parents[1]


def _nb(*markdown: str):
    nb = new_notebook()
    nb.cells = [new_code_cell('study = "x"')] + [new_markdown_cell(m) for m in markdown]
    return nb


def test_step_title_is_the_first_heading_and_the_paragraph_after_it():
    nb = _nb("Some words before.", "# 3. Tables\n\nThe report's *tables*, with [links](x.html)\nand `code`.\n\nMore.")
    assert html.step_title(nb) == ("3. Tables", "The report's tables, with links and code.")
    assert html.step_title(_nb("no heading at all")) == ("", "")


def test_toc_lists_headings_with_ids_by_level():
    body = (
        '<h1 id="Top">Top<a class="anchor-link" href="#Top">¶</a></h1>'
        '<h2 id="A-&amp;-B">A &amp; <em>B</em></h2><h3 id="c">C</h3><h4 id="d">D</h4><h2>no id</h2>'
    )
    assert html.toc(body) == (
        '<nav class="tieval-toc" aria-label="Contents"><details open><summary>Contents</summary><ul>'
        '<li class="toc-h1"><a href="#Top">Top</a></li>'
        '<li class="toc-h2"><a href="#A-&amp;-B">A &amp; B</a></li>'
        '<li class="toc-h3"><a href="#c">C</a></li></ul></details></nav>'
    )
    assert html.toc("<p>nothing</p>") == ""


PAGE = '<html><head><title>t</title></head><body class="jp-Notebook">\n<h1 id="T">T</h1></body></html>'


def test_decorate_adds_style_navigation_and_contents():
    steps = registry.step_names()
    page = html.decorate(PAGE, "03_tables", "demo", steps, False, "Demo & co")
    assert page.count("<style>") == 1 and page.index("<style>") < page.index("</head>")
    nav = re.search(r'<nav class="tieval-nav".*?</nav>', page).group(0)
    assert '<a href="../index.html">All appendices</a>' in nav
    assert "<strong>Demo &amp; co</strong> — 03_tables" in nav
    assert '<a href="03_tables-code.html">Auditor view (code shown)</a>' in nav
    assert '<a href="02_clean.html" rel="prev">← 02_clean</a>' in nav
    assert '<a href="04_qualitative.html" rel="next">04_qualitative →</a>' in nav
    assert page.index("tieval-nav") < page.index("tieval-toc") < page.index('<h1 id="T">')
    code = html.decorate(PAGE, "01_study_overview", "demo", steps, True, "Demo")
    assert 'rel="prev"' not in code and '<a href="02_clean-code.html" rel="next">' in code
    assert '<a href="01_study_overview.html">Reader view (code hidden)</a>' in code
    last = html.decorate(PAGE, "06_audit", "demo", steps, False, "Demo")
    assert 'rel="next"' not in last


def _project(tmp_path: Path, steps: list[str]) -> Path:
    """A project with study ``demo`` (a copy of surrey-als's study.yml) whose ``steps`` were run."""
    (tmp_path / "data" / "demo").mkdir(parents=True)
    text = (ROOT / "data" / "surrey-als" / "study.yml").read_text(encoding="utf-8")
    (tmp_path / "data" / "demo" / "study.yml").write_text(
        text.replace("id: surrey-als", "id: demo", 1), encoding="utf-8"
    )
    for name in steps:
        folder = tmp_path / "outputs" / "demo" / name
        folder.mkdir(parents=True)
        nbformat.write(_nb(f"# Step {name}\n\nWhat step {name[:2]} does."), str(folder / f"{name}.ipynb"))
        (folder / "table.csv").write_text("a\n1\n", encoding="utf-8")
        views = tmp_path / "outputs" / "html" / "demo"
        views.mkdir(parents=True, exist_ok=True)
        (views / f"{name}.html").write_text(f"<p>{name}</p>", encoding="utf-8")
        (views / f"{name}-code.html").write_text(f"<p>{name} code</p>", encoding="utf-8")
    return tmp_path


def test_index_links_the_registered_steps_in_order(tmp_path):
    ran = ["06_audit", "00_reconstruct", "02_clean", "99_stray"]
    root = _project(tmp_path, ran)
    (root / "outputs" / "html" / "demo" / "06_audit.html").unlink()  # executed but not rendered: not linked
    page = html.build_index(root).read_text(encoding="utf-8")
    linked = re.findall(r'<li><a href="demo/([^"]+)\.html">', page)
    assert linked == ["00_reconstruct", "02_clean"]  # registered steps only, in order
    assert '<a href="demo/02_clean-code.html">with code</a>' in page
    assert "Step 02_clean</a>" in page and "What step 02 does." in page
    assert '<a href="../demo/02_clean/table.csv">table.csv</a>' in page


def test_manifest_records_each_output_with_checksum_and_provenance(tmp_path):
    root = _project(tmp_path, ["02_clean"])
    folder = root / "outputs" / "demo" / "02_clean"
    record = {
        "step": "02_clean",
        "study": "demo",
        "parameters": {"study": "demo"},
        "inputs": {"data/demo/raw/survey.csv": "abc"},
        "outputs": ["outputs/demo/02_clean/table.csv"],
    }
    (folder / "provenance.json").write_text(json.dumps(record), encoding="utf-8")
    (folder / "02_clean.failed.ipynb").write_text("{}", encoding="utf-8")
    (folder / ".hidden").write_text("", encoding="utf-8")
    bench = root / "outputs" / "bench"
    bench.mkdir()
    (bench / "bench.json").write_text("{}", encoding="utf-8")
    manifest = json.loads(html.build_manifest(root).read_text(encoding="utf-8"))
    entries = {e["path"]: e for e in manifest["outputs"]}
    assert sorted(entries) == [
        "outputs/demo/02_clean/02_clean.ipynb",
        "outputs/demo/02_clean/provenance.json",
        "outputs/demo/02_clean/table.csv",
        "outputs/html/demo/02_clean-code.html",
        "outputs/html/demo/02_clean.html",
    ]
    table = entries["outputs/demo/02_clean/table.csv"]
    assert table["sha256"] == sha256_file(folder / "table.csv")
    assert (table["step"], table["study"], table["inputs"]) == ("02_clean", "demo", ["data/demo/raw/survey.csv"])
    view = entries["outputs/html/demo/02_clean.html"]
    assert view["inputs"] == ["data/demo/raw/survey.csv", "notebooks/02_clean.ipynb"]
    assert entries["outputs/demo/02_clean/provenance.json"]["step"] is None
