"""The search index of the site, built when the site is: every section of every reader view.

:func:`page_sections` splits a page's ``<main>`` at its headings (``<h1>``-``<h4>`` with an id);
each section is recorded with the page it is on, the page's title, the heading, its anchor and
its text (tags dropped, whitespace collapsed).  :func:`write_search_index` writes them to
``outputs/html/assets/search-index.js`` as one assignment to ``window.TIEVAL_SEARCH``, so the
search box (``assets/search.js``) works offline and from disk, where a page may not fetch a file.
Entries come in page order, then document order, and are written as sorted-key JSON: the same
pages give the same bytes.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from tieval.atomic import write_text

__all__ = ["page_sections", "search_entries", "write_search_index", "MAX_TEXT"]

#: Characters of a section's text kept in the index (long tables are cut).
MAX_TEXT = 4000

_MAIN = re.compile(r"<main\b[^>]*>(.*?)</main>", re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_HEADING = re.compile(r'<h([1-4]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_DROP = re.compile(r"<(script|style|nav|img)\b.*?(?:</\1>|/?>)", re.S)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def _text(fragment: str) -> str:
    text = _TAGS.sub(" ", _DROP.sub(" ", fragment))
    return _SPACE.sub(" ", html.unescape(text).replace("¶", "")).strip()


def page_sections(page: str) -> tuple[str, list[dict]]:
    """(page title, sections) of an HTML page: one section per heading with an id, and the text before
    the first heading as a section without anchor when there is any."""
    title_match = _TITLE.search(page)
    title = _text(title_match.group(1)) if title_match else ""
    main = _MAIN.search(page)
    body = main.group(1) if main else page
    sections = []
    headings = list(_HEADING.finditer(body))
    lead = _text(body[: headings[0].start()] if headings else body)
    if lead:
        sections.append({"h": "", "a": "", "x": lead[:MAX_TEXT]})
    for i, h in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(body)
        sections.append({"h": _text(h.group(3)), "a": h.group(2), "x": _text(body[h.end() : end])[:MAX_TEXT]})
    return title, sections


def search_entries(site: Path, pages: list[str]) -> list[dict]:
    """Index entries of ``pages`` (paths relative to ``site``, the ``outputs/html/`` folder)."""
    entries = []
    for rel in pages:
        title, sections = page_sections((Path(site) / rel).read_text(encoding="utf-8"))
        entries += [{"p": rel, "t": title, **s} for s in sections]
    return entries


def write_search_index(site: Path, pages: list[str]) -> Path:
    """Write ``assets/search-index.js`` for ``pages``; return its path."""
    data = json.dumps(search_entries(site, pages), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = (
        "/* tieval search index: written by the site build (tieval.report.site.search); do not edit. */\n"
        f"window.TIEVAL_SEARCH = {data};\n"
    )
    return write_text(text, Path(site) / "assets" / "search-index.js")
