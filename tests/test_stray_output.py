"""No stray output in reader views: the scanner (``tieval.report.stray``) flags each kind on a small bad
page, and no reader page of the finished build (``outputs/html/<study>/<step>.html``) has any."""

from __future__ import annotations

from pathlib import Path

import pytest

from tieval.report.stray import KINDS, scan

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "outputs" / "html"

GOOD = (
    "<html><head><title>t</title></head><body><h2>Results</h2><p>42 respondents (see the table).</p>"
    '<table><thead><tr><th scope="col">Figure id</th><th scope="col">n</th></tr></thead>'
    "<tbody><tr><td>a</td><td>2</td></tr><tr><td>b</td><td>3.5</td></tr></tbody></table>"
    "<h2>Provenance</h2>"
    '<footer class="tieval-footer"><h2>Provenance</h2><code>outputs/x/02_clean/exclusions.csv</code></footer>'
    "</body></html>"
)

BAD = {
    "repr": "<p>[PosixPath('outputs/x/01_study_overview/participant_flow.png')]</p>",
    "boolean": "<table><tr><td>approximate</td><td>True</td></tr></table>",
    "float count": "<table><tr><td>a</td><td>2.0</td></tr><tr><td>b</td><td>3.0</td></tr></table>",
    "build path": '<figcaption>Flow <span class="tieval-file">[outputs/x/01_study_overview/f.png]</span></figcaption>',
    "stand-in notice warning": "<p>Warning: 1 column(s) not in study.yml kept out (embedded data?): datanotice.</p>",
    "seed file name": "<table><tr><td>source</td><td>000_0969a9b350f22801.txt</td></tr></table>",
    "config key": "<p>stages listed in design.flow of study.yml</p>",
    "machine header": "<table><thead><tr><th>figure_id</th></tr></thead><tr><td>a</td></tr></table>",
    "empty section": "<h2>Validation</h2><h2>Next</h2><p>text</p>",
    "empty lead-in": '<h1>Triangulation</h1><p class="tieval-note">This section has nothing to show for this study.</p>',
}


def test_the_scanner_passes_a_clean_page():
    assert scan(GOOD) == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_scanner_flags_each_kind_of_stray_output(kind):
    page = GOOD.replace("<h2>Provenance</h2><footer", BAD[kind] + "<h2>Provenance</h2><footer")
    found = scan(page)
    assert any(line.startswith(kind + ":") for line in found), found


def test_code_is_not_scanned():
    assert scan(GOOD.replace("<p>42", "<pre>PosixPath('x') True design.flow</pre><p>42")) == []


def _reader_pages() -> list[Path]:
    return sorted(p for p in HTML.glob("*/*.html") if not p.stem.endswith("-code"))


@pytest.mark.build
@pytest.mark.skipif(not (HTML / "index.html").exists(), reason="needs a finished build (run `make` first)")
def test_no_reader_page_has_stray_output():
    problems = [
        f"{page.relative_to(ROOT)}: {line}" for page in _reader_pages() for line in scan(page.read_text("utf-8"))
    ]
    assert _reader_pages() and not problems, "\n".join(problems[:30])


def test_only_the_main_landmark_is_scanned():
    # the site's sidebar heading ("All appendices") is chrome, not an empty section of the appendix
    page = (
        "<html><body><nav><h2>All appendices</h2></nav><main><h2>Results</h2><p>Ten answered.</p>"
        "<h2>Empty</h2></main></body></html>"
    )
    assert scan(page) == ["empty section: Empty"]
