"""PDF dates (tieval.report.pdf) and the browser's guard (tieval.report.browser), without a browser."""

import io
from datetime import UTC, datetime

import pytest

from tieval.report import browser, pdf


def _pdf_with_links(*urls) -> bytes:
    """A one-page PDF with a link annotation per URL and a print-time date, as Chromium writes them."""
    from pypdf import PdfWriter
    from pypdf.annotations import Link

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    for i, url in enumerate(urls):
        writer.add_annotation(0, Link(rect=(10, 10 + 20 * i, 90, 25 + 20 * i), url=url))
    writer.add_metadata({"/CreationDate": "D:20261202081134+00'00'", "/ModDate": "D:20261202081135+00'00'"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _uris(data: bytes) -> list[str]:
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(data)).pages[0]
    return [str(a.get_object()["/A"]["/URI"]) for a in page["/Annots"]]


def test_tidy_makes_site_links_relative_and_fixes_dates():
    from pypdf import PdfReader

    base = "http://127.0.0.1:43035/"
    raw = _pdf_with_links(base + "surrey-als/04_qualitative.html#theme-impact", "https://doi.org/10.1/x")
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    tidied = pdf.tidy(raw, base, when)
    assert _uris(tidied) == ["../../html/surrey-als/04_qualitative.html#theme-impact", "https://doi.org/10.1/x"]
    meta = PdfReader(io.BytesIO(tidied)).metadata
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20260102030405+00'00'"
    # another port, another print time: the same bytes
    other = _pdf_with_links("http://127.0.0.1:9/surrey-als/04_qualitative.html#theme-impact", "https://doi.org/10.1/x")
    assert pdf.tidy(other, "http://127.0.0.1:9/", when) == tidied


def test_build_date_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert pdf.build_date() == datetime(1970, 1, 2, tzinfo=UTC)


def test_build_date_outside_git_is_fixed(monkeypatch, tmp_path):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert pdf.build_date(tmp_path) == datetime(1980, 1, 1, tzinfo=UTC)


def test_reader_views_leave_out_auditor_views(tmp_path):
    folder = tmp_path / "outputs" / "html" / "s1"
    folder.mkdir(parents=True)
    for name in ("02_clean.html", "01_study_overview.html", "01_study_overview-code.html"):
        (folder / name).write_text("<p>x</p>", encoding="utf-8")
    assert [p.name for p in pdf.reader_views("s1", tmp_path)] == ["01_study_overview.html", "02_clean.html"]
    assert pdf.pdf_dir("s1", tmp_path) == tmp_path / "outputs" / "pdf" / "s1"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8123/index.html", True),
        ("http://127.0.0.1:9999/index.html", False),
        ("https://cdnjs.cloudflare.com/ajax/libs/require.js", False),
        ("file:///tmp/x.html", True),
        ("data:image/png;base64,AAAA", True),
    ],
)
def test_only_the_local_server_and_files_are_local(url, local):
    assert browser.is_local(url, "http://127.0.0.1:8123/") is local


def test_missing_chromium_is_one_line_naming_apt(monkeypatch, tmp_path):
    monkeypatch.setenv("TIEVAL_CHROMIUM", str(tmp_path / "chromium"))
    with pytest.raises(browser.ChromiumMissing) as err:
        browser.chromium_path()
    message = str(err.value)
    assert "\n" not in message and "apt-get install -y chromium fonts-dejavu-core" in message


def test_pdf_command_without_chromium_says_so(monkeypatch, tmp_path, capsys):
    from tieval.__main__ import main

    monkeypatch.setenv("TIEVAL_CHROMIUM", str(tmp_path / "chromium"))
    assert main(["pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "apt-get install" in err and "\n" not in err
