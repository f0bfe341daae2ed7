"""Fixtures of the browser tier (``make test-browser``, ``pytest -m browser``): one system Chromium for the run,
one browser context per viewport (desktop 1280 px, phone 390 px), a local server for ``outputs/html/``.

The tier runs only when asked for (``-m browser``); other runs deselect its tests (pytest reports them as
deselected).  Without Chromium the run stops at once with one line naming the apt command: never a skip.
"""

from __future__ import annotations

import pytest

from tieval.paths import project_root
from tieval.report import browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config, items):
    marks = config.getoption("-m") or ""
    if "browser" in marks and "not browser" not in marks:
        return
    chosen, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("browser") else chosen).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = chosen


@pytest.fixture(scope="session")
def chromium():
    """The system Chromium, started once (Playwright drives it; it downloads no browser)."""
    from playwright.sync_api import sync_playwright

    try:
        browser.chromium_path()
    except browser.ChromiumMissing as exc:
        pytest.exit(f"error: {exc}", returncode=2)
    with sync_playwright() as pw:
        launched = browser.launch(pw)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def html_root():
    """``outputs/html/`` of the built project (``make`` first)."""
    folder = project_root() / "outputs" / "html"
    if not (folder / "index.html").is_file():
        pytest.exit(f"error: {folder}/index.html: expected the built appendices; found none: run `make`", returncode=2)
    return folder


@pytest.fixture(scope="session")
def server(html_root):
    """Base URL of ``outputs/html/`` served from 127.0.0.1."""
    with browser.serve(html_root) as base:
        yield base


def _context(chromium, viewport, base):
    context = chromium.new_context(viewport=viewport)
    browser.guard_requests(context, base)
    return context, context.new_page()


@pytest.fixture(scope="session")
def desktop(chromium, server):
    """A page in a 1280 px wide context that can reach only the local server."""
    context, page = _context(chromium, DESKTOP, server)
    yield page
    context.close()


@pytest.fixture(scope="session")
def phone(chromium, server):
    """A page in a 390 px wide context that can reach only the local server."""
    context, page = _context(chromium, PHONE, server)
    yield page
    context.close()


@pytest.fixture()
def scratch_page(chromium):
    """A fresh 1280 px page for the synthetic pages of the can-fail tests (file: URLs only)."""
    context, page = _context(chromium, DESKTOP, None)
    yield page
    context.close()
