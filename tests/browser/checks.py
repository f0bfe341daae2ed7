"""The rules of the browser test, one function each, run in the system Chromium through Playwright.

Each check takes a loaded Playwright page (or a layout file) and returns the list of what breaks its
rule, one short line per finding (empty when the page keeps it), so the tests over the built
appendices (``test_pages.py``) and the tests that prove each rule can fail (``test_rules_fail.py``)
call the very same code:

- :func:`open_page` loads a URL and records console errors, uncaught exceptions and every request
  to a host other than the local server (those are aborted by :func:`tieval.report.browser.guard_requests`);
- :func:`axe_violations`: serious or critical axe-core violations (axe from the pinned
  ``axe-playwright-python`` package, injected into the page; nothing fetched);
- :func:`right_aligned_text_cells`: table cells whose computed alignment is right but whose content is
  not a number;
- :func:`overwide_elements`: elements reaching past the viewport's right edge outside a scroll box
  (an ancestor with ``overflow-x: auto|scroll``);
- :func:`page_overflow`: the document wider than the viewport (checked at phone width);
- :func:`flow_overlaps`: overlapping boxes in a participant-flow layout file;
- :func:`widest_table` and :func:`print_keeps_last_column`: print the page to an A4 PDF and find the
  last column's header and its cells in the PDF's text.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from pypdf import PdfReader

from tieval.report.browser import is_local
from tieval.report.pdf import PAGE

#: axe impacts that fail the test.
FAILING_IMPACTS = ("serious", "critical")

_AXE = Axe()


@dataclass
class Loaded:
    """A page loaded by :func:`open_page`, with what it logged and asked for while loading."""

    page: object
    url: str
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)


def open_page(page, url: str, base: str | None = None) -> Loaded:
    """Load ``url`` in ``page`` (a Playwright page whose context is guarded) and record its console errors,
    uncaught exceptions and requests leaving the machine (any host but ``base``'s)."""
    loaded = Loaded(page, url)

    def on_console(msg):
        if msg.type == "error":
            loaded.console_errors.append(f"console.error: {msg.text[:200]}")

    def on_error(exc):
        loaded.console_errors.append(f"uncaught: {str(exc)[:200]}")

    def on_request(request):
        if not is_local(request.url, base):
            loaded.outside_requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", on_error)
    page.on("request", on_request)
    try:
        page.goto(url, wait_until="load")
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)
        page.remove_listener("request", on_request)
    return loaded


def axe_violations(page, impacts=FAILING_IMPACTS, exclude: list[str] | None = None) -> list[str]:
    """axe-core's violations of ``impacts`` on the loaded page (less the parts matching the CSS selectors
    ``exclude``): rule (impact): help, and up to three targets."""
    context = {"exclude": [[sel] for sel in exclude]} if exclude else None
    results = _AXE.run(page, context=context).response
    found = []
    for v in results.get("violations", []):
        if v.get("impact") not in impacts:
            continue
        targets = [" ".join(map(str, n.get("target", []))) for n in v.get("nodes", [])]
        shown = "; ".join(targets[:3]) + (f" (+{len(targets) - 3} more)" if len(targets) > 3 else "")
        found.append(f"axe {v['id']} ({v['impact']}): {v.get('help', '')} [{len(targets)} nodes: {shown}]")
    return found


# A short description of an element for a report line: tag#id.class1.class2 and the start of its text.
_DESCRIBE_JS = """
function describe(el) {
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  if (typeof el.className === 'string' && el.className.trim())
    s += '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.');
  const fig = el.closest('figure[id], section[id], [id^="tbl-"], [id^="fig-"]');
  if (fig && fig !== el) s += ' in #' + fig.id;
  return s;
}
"""

_RIGHT_ALIGNED_JS = (
    "() => {"
    + _DESCRIBE_JS
    + r"""
  const numberToken = /[+\-\u2212]?(\d[\d,\u202f\u00a0]*(\.\d+)?|\.\d+)(e[+\-]?\d+)?/gi;
  // the words a figure is printed with: "2% of 48", "n = 40", "p < .05", "95% CI"
  const unitWord = /\b(of|n|N|p|CI|SD)\b/g;
  const leftover = /^[\s()\[\]%,;:\/+\-\u2212\u2013\u2014\u00b1\u2248~<>=\u2264\u2265*.]*$/;
  function isText(t) {
    if (!/\d/.test(t)) return !leftover.test(t);   // "-", "—" and the like hold no text
    return !leftover.test(t.replace(numberToken, '').replace(unitWord, ''));
  }
  const isRight = (style) => {
    const a = style.textAlign;
    return a === 'right' || a === '-webkit-right' || (a === 'end' && style.direction === 'ltr')
           || (a === 'start' && style.direction === 'rtl');
  };
  // A column whose body cells are all numbers (or empty): its header may stand over them, right-aligned.
  function numericColumn(cell) {
    const table = cell.closest('table');
    if (!table || !table.tHead || !table.tHead.contains(cell)) return false;
    const col = [...cell.parentElement.cells].slice(0, cell.cellIndex).reduce((n, c) => n + (c.colSpan || 1), 0);
    let seen = 0;
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let at = 0;
        for (const c of row.cells) {
          if (at === col) {
            const t = c.innerText.trim();
            if (t && isText(t)) return false;
            if (t) seen++;
          }
          at += c.colSpan || 1;
        }
      }
    }
    return seen > 0;
  }
  const out = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.getClientRects().length) continue;
    const text = cell.innerText.trim();
    if (!text || !isText(text)) continue;
    const style = getComputedStyle(cell);
    if (!isRight(style) || numericColumn(cell)) continue;
    out.push(describe(cell) + ': "' + text.slice(0, 40) + '" is text, aligned ' + style.textAlign);
  }
  return out;
}"""
)


def right_aligned_text_cells(page) -> list[str]:
    """Table cells (``td``/``th``) shown right-aligned (computed style) whose content is not a number
    (digits with signs, brackets, %, and the words "of", "n", "p", "CI", "SD" count as a number); the
    header of a column whose body cells are all numbers may be right-aligned over them."""
    return page.evaluate(_RIGHT_ALIGNED_JS)


_OVERWIDE_JS = (
    "() => {"
    + _DESCRIBE_JS
    + r"""
  const vw = document.documentElement.clientWidth;
  const sx = window.scrollX;
  const out = [];
  const reported = new Set();
  const range = document.createRange();
  const scrolls = (el) => { const o = getComputedStyle(el).overflowX; return o === 'auto' || o === 'scroll'; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // the box itself, or its own text spilling out of it (a long line in a <pre>)
    let right = r.right;
    if (el.scrollWidth > el.clientWidth + 1 && !scrolls(el)) {
      for (const n of el.childNodes) {
        if (n.nodeType !== 3 || !n.textContent.trim()) continue;
        range.selectNodeContents(n);
        right = Math.max(right, range.getBoundingClientRect().right);
      }
    }
    right += sx;
    if (right <= vw + 1) continue;
    let a = el.parentElement, inside = false;
    for (; a && a !== document.documentElement; a = a.parentElement) {
      if (reported.has(a) || scrolls(a)) { inside = true; break; }
    }
    if (inside) continue;
    reported.add(el);
    out.push(describe(el) + ': right edge ' + Math.round(right) + ' px, viewport ' + vw + ' px');
  }
  return out;
}"""
)


def overwide_elements(page) -> list[str]:
    """Elements reaching past the viewport's right edge that no scroll box holds (outermost ones only)."""
    return page.evaluate(_OVERWIDE_JS)


def page_overflow(page) -> list[str]:
    """The document scrolling sideways: ``scrollWidth`` above the viewport width, with what sticks out."""
    sizes = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth, document.body.scrollWidth]"
    )
    scroll, width = max(sizes[0], sizes[2]), sizes[1]
    if scroll <= width:
        return []
    return [f"document is {scroll} px wide in a {width} px viewport"] + overwide_elements(page)[:5]


def flow_overlaps(layout_path: Path) -> list[str]:
    """Overlapping boxes of a participant-flow layout file (``participant_flow.layout.json``), by
    :func:`tieval.report.overview.boxes_overlap`; a missing or unreadable file is a finding too."""
    from tieval.report.overview import boxes_overlap

    try:
        layout = json.loads(Path(layout_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{layout_path}: expected a flow layout (JSON with boxes); found {type(exc).__name__}: {exc}"]
    labels = {b.get("id"): b.get("label", b.get("id")) for b in layout.get("boxes", [])}
    return [
        f"{layout_path}: boxes {a!r} ({labels.get(a)}) and {b!r} ({labels.get(b)}) overlap"
        for a, b in boxes_overlap(layout)
    ]


_TABLES_JS = """() => [...document.querySelectorAll('table')].map((t, i) => {
  const rows = [...t.rows];
  const cols = Math.max(0, ...rows.map(r => [...r.cells].reduce((n, c) => n + (c.colSpan || 1), 0)));
  const head = t.tHead && t.tHead.rows.length ? t.tHead.rows[t.tHead.rows.length - 1] : rows[0];
  const last = (r) => r && r.cells.length ? r.cells[r.cells.length - 1].innerText.trim() : '';
  const body = rows.filter(r => r !== head && !(t.tHead && t.tHead.contains(r)));
  return {index: i, columns: cols, header: last(head), cells: body.map(last)};
})"""


def tables(page) -> list[dict]:
    """Every table of the page: index, number of columns, last column's header and body cells."""
    return page.evaluate(_TABLES_JS)


def widest_table(page) -> dict | None:
    """The page's table with the most columns (the first of them), as :func:`tables` describes it."""
    found = tables(page)
    return max(found, key=lambda t: (t["columns"], -t["index"])) if found else None


def _squash(text: str) -> str:
    """Text as compared with a PDF's: ligatures unfolded (NFKC), soft hyphens and every space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("\u00ad", ""))


def pdf_text(pdf: bytes) -> str:
    """The text of every page of a PDF (pypdf), :func:`_squash`-ed."""
    return _squash("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))


#: A cell is looked for by its first PREFIX and its last SUFFIX characters (a cell wrapped over lines
#: may be split across a page break or have its lines read between its neighbours' lines).
PREFIX = 24
SUFFIX = 16


def print_text(page) -> str:
    """The loaded page printed to an A4 PDF as ``make pdf`` prints it, as :func:`pdf_text`."""
    page.emulate_media(media="print")
    try:
        return pdf_text(page.pdf(**PAGE))
    finally:
        page.emulate_media(media="screen")


def print_keeps_last_column(page, tables: list[dict] | None = None, text: str | None = None) -> list[str]:
    """Print the loaded page to an A4 PDF (:func:`print_text`, unless its ``text`` is given) and look in its
    text for the last column of each of ``tables`` (default: the widest table): its header, and every body
    cell (its first :data:`PREFIX` and last :data:`SUFFIX` characters; each distinct value as often as the
    column holds it)."""
    tables = tables or [t for t in [widest_table(page)] if t]
    if not tables:
        return ["no table on the page"]
    text = print_text(page) if text is None else text
    missing = []
    for table in tables:
        where = f"table {table['index'] + 1} ({table['columns']} columns)"
        header = _squash(table["header"])
        if header and header not in text:
            missing.append(f"{where}: last column's header {table['header']!r} not in the PDF")
        wanted: dict[tuple[str, str], int] = {}
        for cell in table["cells"]:
            squashed = _squash(cell)
            if squashed:
                key = (squashed[:PREFIX], squashed[-SUFFIX:])
                wanted[key] = wanted.get(key, 0) + 1
        held = {k: min(text.count(k[0]), text.count(k[1])) for k in wanted}
        lost = {k: n - held[k] for k, n in wanted.items() if held[k] < n}
        if lost:
            total = sum(wanted.values())
            sample = ", ".join(repr(k[0]) for k in list(lost)[:3])
            missing.append(f"{where}: {sum(lost.values())} of {total} last-column cells not in the PDF (e.g. {sample})")
    return missing
