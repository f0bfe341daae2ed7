"""PDF copies of the appendices: ``outputs/pdf/<study>/<step>.pdf``, one per reader view.

``make pdf`` (``python -m tieval pdf``) prints every reader view
``outputs/html/<study>/<step>.html`` with the system Chromium's print-to-PDF
(:mod:`tieval.report.browser`; A4, backgrounds on, the page's own ``@page``
rules honoured, so the print stylesheet ``assets/print.css`` turns wide tables
to landscape pages and wraps them to keep every column).  The pages are served
from ``127.0.0.1`` and every request to another host is refused, so nothing is
downloaded while printing.

Chromium writes the time of printing into the PDF's ``/CreationDate`` and
``/ModDate``; :func:`fix_dates` replaces both with a fixed date of the same
length (``SOURCE_DATE_EPOCH`` if set, else the time of the last commit), so the
same pages give byte-identical PDFs.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from tieval.atomic import atomic_write
from tieval.paths import discover_studies, outputs_dir, project_root
from tieval.report import browser

__all__ = ["pdf_dir", "reader_views", "print_pdf", "fix_dates", "build_date", "write_pdfs"]

#: Page format of every PDF (the print stylesheet names landscape pages for wide tables).
PAGE = {"format": "A4", "print_background": True, "prefer_css_page_size": True}

_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[^)]*\)")


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
        try:
            epoch = subprocess.run(
                ["git", "log", "-1", "--format=%ct"],
                cwd=root or project_root(),
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            epoch = ""
    return datetime.fromtimestamp(int(epoch) if epoch.isdigit() else 315532800, UTC)


def fix_dates(pdf: bytes, when: datetime) -> bytes:
    """``pdf`` with its ``/CreationDate`` and ``/ModDate`` set to ``when`` (UTC). The new value has the length of
    Chromium's (``D:YYYYMMDDHHmmSS+00'00'``), so the cross-reference offsets stay right."""
    stamp = when.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'").encode()

    def same_length(m: re.Match) -> bytes:
        new = b"/" + m.group(1) + b" (" + stamp + b")"
        return new if len(new) == len(m.group(0)) else m.group(0)

    return _DATE.sub(same_length, pdf)


def print_pdf(page, url: str, when: datetime) -> bytes:
    """Load ``url`` in a Playwright ``page`` and return its A4 print-to-PDF, dates fixed to ``when``."""
    page.goto(url, wait_until="load")
    page.emulate_media(media="print")
    return fix_dates(page.pdf(**PAGE), when)


def write_pdfs(root: Path | None = None, studies: list[str] | None = None) -> list[tuple[Path, float]]:
    """Write ``outputs/pdf/<study>/<step>.pdf`` for every reader view of every study (or of ``studies``);
    return (path written, seconds) per PDF. Needs the built HTML (``make``)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only `make pdf` needs Playwright

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
                    data = print_pdf(page, f"{base}{study}/{view.name}", when)
                    target = pdf_dir(study, root) / f"{view.stem}.pdf"
                    with atomic_write(target, "wb") as handle:
                        handle.write(data)
                    written.append((target, time.perf_counter() - start))
        finally:
            chromium.close()
    return written
