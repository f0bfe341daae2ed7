"""PDF copies of the appendices: ``outputs/pdf/<study>/<step>.pdf``, one per reader view.

``make pdf`` (``python -m tieval pdf``) prints every reader view
``outputs/html/<study>/<step>.html`` with the system Chromium's print-to-PDF
(:mod:`tieval.report.browser`; A4, backgrounds on, the page's own ``@page``
rules honoured, so the print stylesheet ``assets/print.css`` turns wide tables
to landscape pages and wraps them to keep every column).  The pages are served
from ``127.0.0.1`` and every request to another host is refused, so nothing is
downloaded while printing.

Two things Chromium writes would make every run's PDF differ, and both are
mended, so the same pages give byte-identical PDFs: links to other pages point
at the local server's address, port included (:func:`relink` makes them
relative: ``../../html/<study>/<page>``, the HTML appendix beside
``outputs/pdf/``); and the time of printing stands in ``/CreationDate`` and
``/ModDate`` (:func:`tidy` rewrites both with pypdf: links relative, dates
``SOURCE_DATE_EPOCH``, else the time of the last commit).
"""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from tieval.atomic import atomic_write
from tieval.paths import discover_studies, outputs_dir, project_root
from tieval.report import browser
from tieval.report.site.citation import git_output

__all__ = ["pdf_dir", "reader_views", "print_pdf", "tidy", "build_date", "write_pdfs"]

#: Where a PDF's links to the site lead, from ``outputs/pdf/<study>/<step>.pdf``.
SITE_FROM_PDF = "../../html/"

#: Page format of every PDF (the print stylesheet names landscape pages for wide tables).
PAGE = {"format": "A4", "print_background": True, "prefer_css_page_size": True}


def pdf_dir(study: str | None = None, root: Path | None = None) -> Path:
    """``outputs/pdf/`` or ``outputs/pdf/<study>/``."""
    base = outputs_dir(None, root) / "pdf"
    return base / study if study else base


def reader_views(study: str, root: Path | None = None) -> list[Path]:
    """The reader views of a study, ``outputs/html/<study>/<step>.html``, in step order (auditor views left out)."""
    folder = outputs_dir(None, root) / "html" / study
    return sorted(p for p in folder.glob("*.html") if not p.stem.endswith("-code"))


def build_date(root: Path | None = None) -> datetime:
    """The date written into every PDF: ``SOURCE_DATE_EPOCH`` if set, else the last commit's time
    (1980-01-01 outside a git checkout)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        epoch = git_output(root or project_root(), "log", "-1", "--format=%ct")
    return datetime.fromtimestamp(int(epoch) if epoch.isdigit() else 315532800, UTC)


def tidy(pdf: bytes, base: str, when: datetime, target: str = SITE_FROM_PDF) -> bytes:
    """``pdf`` rewritten (pypdf) so that the same pages give the same bytes: every link starting with ``base``
    (the local server's URL) starts with ``target`` instead (other links and the PDF's internal links are
    unchanged), and ``/CreationDate`` and ``/ModDate`` are ``when`` (UTC)."""
    from pypdf import PdfReader, PdfWriter  # noqa: PLC0415 - only the PDF build needs pypdf
    from pypdf.generic import NameObject, TextStringObject  # noqa: PLC0415

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if uri is not None and str(uri).startswith(base):
                action.get_object()[NameObject("/URI")] = TextStringObject(target + str(uri)[len(base) :])
    stamp = when.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    writer.add_metadata({"/CreationDate": stamp, "/ModDate": stamp})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def print_pdf(page, url: str, base: str, when: datetime) -> bytes:
    """Load ``url`` (served at ``base``) in a Playwright ``page`` and return its A4 print-to-PDF, tidied
    (:func:`tidy`: links relative, dates ``when``)."""
    page.goto(url, wait_until="load")
    page.emulate_media(media="print")
    return tidy(page.pdf(**PAGE), base, when)


def write_pdfs(root: Path | None = None, studies: list[str] | None = None) -> list[tuple[Path, float]]:
    """Write ``outputs/pdf/<study>/<step>.pdf`` for every reader view of every study (or of ``studies``);
    return (path written, seconds) per PDF. Needs the built HTML (``make``)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only `make pdf` needs Playwright

    browser.chromium_path()  # no browser: one line naming the apt command, before anything starts
    root = Path(root or project_root())
    html = outputs_dir(None, root) / "html"
    when = build_date(root)
    written = []
    with browser.serve(html) as base, sync_playwright() as pw:
        chromium = browser.launch(pw)
        try:
            context = chromium.new_context()
            browser.guard_requests(context, base)
            page = context.new_page()
            for study in studies or discover_studies(root):
                for view in reader_views(study, root):
                    start = time.perf_counter()
                    data = print_pdf(page, f"{base}{study}/{view.name}", base, when)
                    target = pdf_dir(study, root) / f"{view.stem}.pdf"
                    with atomic_write(target, "wb") as handle:
                        handle.write(data)
                    written.append((target, time.perf_counter() - start))
        finally:
            chromium.close()
    return written
