"""The system Chromium, driven through Playwright, and a local server for ``outputs/html/``.

One place says how the project starts a browser, so ``make pdf``
(:mod:`tieval.report.pdf`) and the browser tests (``tests/browser``) run the
same one: the distribution's Chromium at :data:`CHROMIUM` (Debian package
``chromium``), never a browser downloaded by Playwright, started with the
switches in :data:`CHROMIUM_ARGS` (headless, no GPU, no background traffic).

:func:`serve` serves a folder from ``127.0.0.1`` in a thread;
:func:`guard_requests` lets a browser context reach that server (and
``file:``/``data:`` URLs) only, aborting and recording every request to any
other host, so a page that would call a CDN is caught and nothing is fetched.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "APT_INSTALL",
    "ChromiumMissing",
    "chromium_path",
    "launch",
    "serve",
    "guard_requests",
    "is_local",
]

#: The distribution's Chromium (Debian: ``apt-get install chromium``); ``TIEVAL_CHROMIUM`` overrides it.
CHROMIUM = "/usr/bin/chromium"

#: How to install it, named by every message about a missing browser.
APT_INSTALL = "apt-get install -y chromium fonts-dejavu-core"

#: Headless, sandbox off (CI runs as root), and no traffic of the browser's own.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class ChromiumMissing(RuntimeError):
    """No Chromium at the expected path; ``str()`` is one line naming the install command."""


def chromium_path() -> str:
    """The Chromium executable to drive, or :class:`ChromiumMissing` naming the apt command."""
    path = os.environ.get("TIEVAL_CHROMIUM") or CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        raise ChromiumMissing(
            f"{path}: expected the system Chromium; found no executable: install it with `{APT_INSTALL}`"
        )
    return path


def launch(playwright):
    """Start the system Chromium (headless) through a running ``sync_playwright()`` and return the browser."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    return playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS), headless=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@contextlib.contextmanager
def serve(folder: str | Path):
    """Serve ``folder`` on ``http://127.0.0.1:<free port>/`` in a thread; yield the base URL (ends in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def is_local(url: str, base: str | None = None) -> bool:
    """Whether ``url`` stays on this machine: a ``file:``, ``data:``, ``blob:`` or ``about:`` URL, or one on
    the host and port of ``base`` (the local server), when given."""
    parts = urlsplit(url)
    if parts.scheme in ("file", "data", "blob", "about"):
        return True
    return base is not None and parts.scheme in ("http", "https") and parts.netloc == urlsplit(base).netloc


def guard_requests(context, base: str | None = None) -> list[str]:
    """Abort every request of ``context`` that is not :func:`is_local`; return the (live) list of those URLs."""
    outside: list[str] = []

    def handle(route):
        url = route.request.url
        if is_local(url, base):
            route.continue_()
        else:
            outside.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)
    return outside
