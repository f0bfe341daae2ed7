"""The HTML pages (tieval.report.html) without a build: titles, contents, navigation, the index
(steps from the registry) and the manifest, on small notebooks and pages of our own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

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
        (views / name).mkdir(exist_ok=True)
        (views / name / "table.csv").write_text("a\n1\n", encoding="utf-8")
    return tmp_path


def test_index_links_the_registered_steps_in_order(tmp_path):
    ran = ["06_audit", "00_reconstruct", "02_clean", "99_stray"]
    root = _project(tmp_path, ran)
    (root / "outputs" / "html" / "demo" / "06_audit.html").unlink()  # executed but not rendered: not linked
    (root / "CITATION.cff").write_bytes((ROOT / "CITATION.cff").read_bytes())
    page = html.build_index(root).read_text(encoding="utf-8")
    linked = re.findall(r'<li><a href="demo/([^"]+)\.html">', page)
    assert linked == ["00_reconstruct", "02_clean"]  # registered steps only, in order
    assert '<a href="demo/02_clean-code.html">with code</a>' in page
    assert "Step 02_clean</a>" in page and "What step 02 does." in page
    assert '<a href="demo/02_clean/table.csv">table.csv</a>' in page  # the copy inside the site
    assert '<meta name="viewport"' in page and '<main id="main"' in page and "Cite this compendium" in page
    assert "No public repository address" in page  # not a git checkout: said, not invented
    assert (root / "outputs" / "html" / "assets" / "site.css").is_file()
    assert (root / "outputs" / "html" / "assets" / "search-index.js").is_file()


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
        "outputs/html/demo/02_clean/table.csv",
    ]
    table = entries["outputs/demo/02_clean/table.csv"]
    assert table["sha256"] == sha256_file(folder / "table.csv")
    assert (table["step"], table["study"], table["inputs"]) == ("02_clean", "demo", ["data/demo/raw/survey.csv"])
    view = entries["outputs/html/demo/02_clean.html"]
    assert view["inputs"] == ["data/demo/raw/survey.csv", "notebooks/02_clean.ipynb"]
    assert entries["outputs/demo/02_clean/provenance.json"]["step"] is None
