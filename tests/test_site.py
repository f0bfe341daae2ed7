"""The site modules (tieval.report.site) on small inputs: frame, images, search, references, sources, citation."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tieval.errors import InputError
from tieval.report.site import assets, citation, layout, media, provenance, references, search, sources

ROOT = Path(__file__).resolve().parents[1]
STUDIES = [
    layout.StudyPages("a", "Study A", (("01_x", "First"), ("02_y", "Second"))),
    layout.StudyPages("b", "Study B", (("01_x", "First"),)),
]


def test_sidebar_lists_every_study_and_marks_the_page():
    bar = layout.sidebar(STUDIES, "a", "02_y", True)
    assert bar.count("<li>") == 3 and 'href="../b/01_x-code.html"' in bar
    assert '<a href="../a/02_y-code.html" aria-current="page">Second</a>' in bar
    page = "x" + layout.sidebar(STUDIES, "a", "01_x", False) + "y"
    assert layout.replace_sidebar(page, "NEW") == "xNEWy"


def test_pager_shows_titles_and_titles_differ_by_view():
    bottom = layout.page_bottom(STUDIES, "a", "01_x", False, "abc", "01_x/01_x.ipynb")
    assert 'rel="next"><span class="site-pager-label">Next</span> Second</a>' in bottom and 'rel="prev"' not in bottom
    assert "<footer" in bottom
    assert layout.page_title("T", "S", False) != layout.page_title("T", "S", True)
    top = layout.page_top(STUDIES, "a", "01_x", False, "S", "T")
    assert '<header class="site-header">' in top and 'role="search"' in top and 'href="01_x-code.html"' in top


def test_contents_go_below_the_h1_and_assets_are_linked_in_order():
    assert layout.insert_toc("<p>a</p><h1>T</h1><p>b</p>", "<nav>C</nav>") == "<p>a</p><h1>T</h1>\n<nav>C</nav><p>b</p>"
    head = layout.head_links("../", ["site.css", "print.css"], ["search.js"])
    assert 'href="../assets/print.css" media="print"' in head and '<script defer src="../assets/search.js">' in head
    assert assets.stylesheets()[:2] == ["pygments.css", "site.css"]


def test_copy_assets_copies_every_file(tmp_path):
    written = assets.copy_assets(tmp_path)
    names = {p.name for p in written}
    assert {p.name for p in assets.ASSETS.iterdir()} | {"pygments.css"} == names


def test_images_are_stored_once_by_content(tmp_path):
    data = base64.b64encode(b"\x89PNG fake").decode()
    body = f'<img src="data:image/png;base64,{data}"><img src="data:image/png;base64,{data}">'
    seen: dict[str, str] = {}
    out = media.store_images(body, tmp_path, "s/figures/", seen)
    assert "data:" not in out and len(list(tmp_path.iterdir())) == 1 and len(seen) == 1
    name = next(tmp_path.iterdir()).name
    assert out.count(f'src="s/figures/{name}"') == 2 and (tmp_path / name).read_bytes() == b"\x89PNG fake"
    assert (
        media.store_images('<img src="data:image/png;base64,@@">', tmp_path, "")
        == '<img src="data:image/png;base64,@@">'
    )


def test_search_sections_split_at_headings(tmp_path):
    page = '<title>P &amp; Q</title><main>intro<h2 id="a">A<a>¶</a></h2><p>one <b>two</b></p><h3 id="b">B</h3>x</main>'
    title, sections = search.page_sections(page)
    assert title == "P & Q"
    assert sections == [
        {"h": "", "a": "", "x": "intro"},
        {"h": "A", "a": "a", "x": "one two"},
        {"h": "B", "a": "b", "x": "x"},
    ]
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "p.html").write_text(page, encoding="utf-8")
    first = search.write_search_index(tmp_path, ["s/p.html"]).read_bytes()
    assert first.startswith(b"/*") and b"window.TIEVAL_SEARCH = [" in first and b'"p":"s/p.html"' in first
    assert search.write_search_index(tmp_path, ["s/p.html"]).read_bytes() == first


BIB = {
    "farmer2006": references.Reference("farmer2006", "Farmer, T. and Eyles, J.", 2006, "T", ("Farmer et al. 2006",)),
    "cohen1960": references.Reference("cohen1960", "Cohen, J.", 1960, "K", ("Cohen's kappa",), doi="10.1/x"),
}


def test_citations_link_first_mention_outside_code_and_links():
    body = "<p>As Farmer et al. 2006 say, Farmer et al. 2006.</p><code>Cohen's kappa</code><p>Cohen&#x27;s kappa [@farmer2006]</p>"
    out, cited = references.link_citations(body, BIB)
    assert cited == ["farmer2006", "cohen1960"]
    assert out.count('href="#ref-farmer2006"') == 2  # first mention, and the explicit [@key]
    assert "<code>Cohen's kappa</code>" in out and '<a class="cite" href="#ref-cohen1960">Cohen&#x27;s kappa</a>' in out
    with pytest.raises(KeyError):
        references.link_citations("<p>[@nobody]</p>", BIB)
    refs = references.reference_list(cited, BIB)
    assert refs.index("ref-cohen1960") < refs.index("ref-farmer2006")
    assert '<a href="https://doi.org/10.1/x" rel="external">' in refs and references.reference_list([], BIB) == ""


def test_bibliography_errors_are_one_line(tmp_path):
    bad = tmp_path / "references.yml"
    bad.write_text("x2000:\n  authors: A\n  year: 2000\n  title: T\n", encoding="utf-8")
    with pytest.raises(InputError, match="mentions"):
        references.load_bibliography(bad)


def test_every_bibliography_entry_is_cited_and_every_key_resolves():
    bib = references.load_bibliography(ROOT / references.BIBLIOGRAPHY)
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "notebooks").glob("*.ipynb")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "src" / "tieval").rglob("*.py")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "data").glob("*/*.yml")]
    joined = "\n".join(texts)
    for key, ref in bib.items():
        assert any(m in joined for m in ref.mentions), f"{key}: cited nowhere"
    import re

    for key in re.findall(
        r"\[@([a-z][a-z0-9_-]*)\]", "\n".join(texts[: len(list((ROOT / "notebooks").glob("*.ipynb")))])
    ):
        assert key in bib, key


def test_sources_pages_and_links():
    src = ROOT / "src"
    assert sources.module_name(src / "tieval" / "report" / "__init__.py", src) == "tieval.report"
    assert sources.definitions("X = 1\ndef f():\n    pass\nclass C:\n    def m(self):\n        pass\n") == {
        "X": 1,
        "f": 2,
        "C": 4,
        "C.m": 5,
    }
    aliases = sources.import_aliases(
        ["from tieval.report import present\n%time x\nfrom tieval.report.present import finish"], src
    )
    assert aliases == {"present": ("tieval.report.present", None), "finish": ("tieval.report.present", "finish")}
    code = '<span class="n">present</span><span class="o">.</span><span class="n">finish</span>'
    linked = sources.link_calls(code, aliases, src)
    assert linked.startswith('<a class="tieval-src" href="../source/tieval.report.present.html#L-') and linked.endswith(
        "</a>"
    )
    assert sources.link_calls('<span class="n">other</span>', aliases, src) == '<span class="n">other</span>'
    page = sources.source_page("m", "def f():\n    pass\n", "")
    assert 'id="L-2"' in page and "<main" in page and "http" not in page.split("<main")[1]


def test_citation_block_and_repository_address():
    assert citation.repository_url("git@github.com:o/r.git") == "https://github.com/o/r"
    assert citation.repository_url("https://github.com/o/r.git") == "https://github.com/o/r"
    assert citation.repository_url("/srv/git/r") == "" and citation.repository_url("") == ""
    info = citation.BuildInfo("0123456789abcdef+modified", "2026-01-01T00:00:00+00:00", "")
    assert info.short == "0123456789ab+modified"
    block = citation.cite_block(citation.load_citation(ROOT / "CITATION.cff"), info)
    assert "Cite this compendium" in block and "Commit 0123456789ab+modified." in block


def test_git_info_outside_a_checkout(tmp_path):
    assert citation.git_commit(tmp_path) == "unknown"
    assert citation.build_info(tmp_path, "unknown") == citation.BuildInfo("unknown", "", "")


def test_provenance_section_names_versions_notebook_and_modules():
    versions = provenance.software_versions(("pandas", "no-such-package-x"))
    assert versions["python"] and versions["no-such-package-x"] == "not installed"
    mods = provenance.step_module_names("03_tables", ROOT)
    assert "tieval.steps.tables" in mods and provenance.step_module_names("99_unknown", ROOT) == []
    record = {
        "step": "03_tables",
        "parameters": {"study": "s"},
        "commit": "c",
        "inputs": {"f": "0" * 64},
        "software": versions,
    }
    out = provenance.provenance_html(record, mods)
    assert out.count("<h2") == 1 and 'href="03_tables/03_tables.ipynb"' in out
    assert 'href="../source/tieval.steps.tables.html"' in out and "pandas" in out


def test_a_name_list_module_is_not_reproduced_in_the_site(tmp_path):
    from tieval.report.site import sources  # noqa: PLC0415

    src = Path(sources.__file__).parents[3]
    names = src / "tieval" / "survey" / "namelists.py"
    page = sources.source_page("tieval.survey.namelists", sources.module_text("tieval.survey.namelists", names), "")
    assert "Nicola" in names.read_text(encoding="utf-8") and "Nicola" not in page
    assert "not reproduced in the published site" in page
    from tieval.tools.identities import INVENTED_LAST_NAMES  # noqa: PLC0415

    invented = src / "tieval" / "tools" / "identities.py"
    page = sources.source_page("tieval.tools.identities", sources.module_text("tieval.tools.identities", invented), "")
    assert INVENTED_LAST_NAMES[1] in invented.read_text(encoding="utf-8") and INVENTED_LAST_NAMES[1] not in page
    for module in ("tieval.tools.reconstruct", "tieval.tools.bench"):  # they take the names from there
        text = (src / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        assert INVENTED_LAST_NAMES[1] not in text, module


def test_source_pages_are_rendered_again_only_when_their_module_changed(tmp_path, monkeypatch):
    src = tmp_path / "src"
    (src / "tieval").mkdir(parents=True)
    one, two = src / "tieval" / "one.py", src / "tieval" / "two.py"
    one.write_text("A = 1\n", encoding="utf-8")
    two.write_text("B = 2\n", encoding="utf-8")
    folder, cache = tmp_path / "site" / "source", tmp_path / ".make" / "source-pages.json"
    rendered = []
    real = sources.source_page
    monkeypatch.setattr(sources, "source_page", lambda m, t, h: rendered.append(m) or real(m, t, h))

    sources.write_sources([one, two], src, folder, "", cache)
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(rendered) == ["tieval.one", "tieval.two"] and cache.is_file()
    rendered.clear()
    sources.write_sources([one, two], src, folder, "", cache)
    assert rendered == [] and {p.name: p.read_bytes() for p in folder.iterdir()} == first
    two.write_text("B = 3\n", encoding="utf-8")  # a module edited
    (folder / "tieval.one.html").write_text("tampered", encoding="utf-8")  # a page not the one written
    sources.write_sources([one, two], src, folder, "", cache)
    assert sorted(rendered) == ["tieval.one", "tieval.two"]
    assert (folder / "tieval.one.html").read_bytes() == first["tieval.one.html"]
    rendered.clear()
    sources.write_sources([one, two], src, folder, "<link>", cache)  # the page head changed
    assert sorted(rendered) == ["tieval.one", "tieval.two"]
    cache.write_text("not json", encoding="utf-8")  # an unreadable cache renders everything
    rendered.clear()
    sources.write_sources([one], src, folder, "<link>", cache)
    assert rendered == ["tieval.one"]


def test_a_numbered_figure_links_to_its_image_file():
    fig = '<figure class="tieval-block tieval-figure" id="fig-a"><img alt="A chart." src="03_tables/figures/ab.png"/>'
    linked = media.link_figures(fig + "<figcaption>Figure 1.</figcaption></figure>")
    assert '<a class="tieval-zoom" href="03_tables/figures/ab.png"><img alt="A chart."' in linked
    assert linked.count("<a ") == 1 and "</a><figcaption>" in linked
    table = '<figure class="tieval-block tieval-tablefig"><img src="x.png"/></figure>'  # not a figure block
    inline = '<figure class="tieval-block tieval-figure"><img src="data:image/png;base64,AAAA"/></figure>'
    assert media.link_figures(table) == table and media.link_figures(inline) == inline
