"""Numbering the tables and figures of a page and filling in the cross-references to them.

A table block is ``<figure ... data-kind="table" id="tbl-<slug>">`` and a figure block
``<figure ... data-kind="figure" id="fig-<slug>">`` (made by :mod:`tieval.report.present`); in
page order, :func:`number_blocks` puts ``Table N.`` / ``Figure N.`` at the start of each block's
caption and writes ``Table N`` / ``Figure N`` as the text of every cross-reference
``<a class="xref" href="#tbl-<slug>">`` of the page.  Numbering an already numbered page gives the
same page, so the function may run more than once.

Notebooks are generic over studies, so a table the prose refers to may be absent for one study: a
reference to an id no block of the page has keeps its own text (written to read well without a
number, "the table below") and loses its link, so the page has no broken anchor.
"""

from __future__ import annotations

import html
import re

__all__ = ["number_blocks", "LABELS"]

#: The word before the number, by ``data-kind``.
LABELS = {"table": "Table", "figure": "Figure"}

_BLOCK = re.compile(r'<figure\b[^>]*\bdata-kind="(table|figure)"[^>]*>')
_ID = re.compile(r'\bid="([^"]+)"')
_CAPTION = re.compile(r'<figcaption\b[^>]*>(?:<span class="tieval-num">[^<]*</span> )?')
_XREF = re.compile(r'<a class="xref" href="#([^"]+)"([^>]*)>(.*?)</a>', re.S)
_UNLINKED = re.compile(r'<span class="xref-none" data-ref="([^"]+)">(.*?)</span>', re.S)


def number_blocks(page: str) -> str:
    """``page`` with every table and figure block numbered in order and every cross-reference
    filled in (a reference to an id no block of the page has: its own text, unlinked)."""
    numbers: dict[str, str] = {}
    counts = dict.fromkeys(LABELS, 0)
    parts: list[str] = []
    pos = 0
    for match in _BLOCK.finditer(page):
        kind = match.group(1)
        ident = _ID.search(match.group(0))
        caption = _CAPTION.search(page, match.end())
        if caption is None:
            continue
        counts[kind] += 1
        label = f"{LABELS[kind]} {counts[kind]}"
        if ident:
            numbers[ident.group(1)] = label
        parts.append(page[pos : caption.start()])
        opening = re.match(r"<figcaption\b[^>]*>", caption.group(0)).group(0)
        parts.append(f'{opening}<span class="tieval-num">{label}.</span> ')
        pos = caption.end()
    parts.append(page[pos:])
    numbered = "".join(parts)

    def fill(ref: re.Match) -> str:
        target = html.unescape(ref.group(1))
        if target not in numbers:
            return f'<span class="xref-none" data-ref="{ref.group(1)}">{ref.group(3)}</span>'
        return f'<a class="xref" href="#{ref.group(1)}"{ref.group(2)}>{numbers[target]}</a>'

    relinked = _UNLINKED.sub(lambda m: f'<a class="xref" href="#{m.group(1)}">{m.group(2)}</a>', numbered)
    return _XREF.sub(fill, relinked)
