"""Stray output in a reader view: what a reader should never see in an appendix page.

:func:`scan` reads one rendered page (``outputs/html/<study>/<step>.html``) and returns one line per
problem, naming its kind (:data:`KINDS`) and the text found: Python reprs (``PosixPath('...')``,
``<NA>``, ``nan``, ``None``), bare booleans (``True``/``False`` as a cell), counts printed as floats
(a table column whose every value reads ``2.0``), build paths (``outputs/<study>/...``, absolute
paths of the machine), the cleaning warning about the reconstructed stand-in's own notice column,
the seed report's file name, configuration keys (``design.flow``, ``inputs.excerpts``),
machine column headers (``figure_id``), empty sections (a heading with nothing under it) and a
lead-in under the page title that says it has nothing to show.

Code (``<code>``, ``<pre>``, the auditor view's cells), the page's ``<head>`` and scripts, and the
provenance footer (which lists the input files read, by path, on purpose) are not scanned.
"""

from __future__ import annotations

import html
import re

__all__ = ["KINDS", "scan", "visible_text"]

#: Every kind of stray output :func:`scan` looks for.
KINDS = (
    "repr",
    "boolean",
    "float count",
    "build path",
    "stand-in notice warning",
    "seed file name",
    "config key",
    "machine header",
    "empty section",
    "empty lead-in",
)

_DROP = re.compile(
    r"<head\b.*?</head>|<script\b.*?</script>|<style\b.*?</style>|<pre\b.*?</pre>|<code\b.*?</code>"
    r'|<footer class="tieval-footer".*?</footer>|<div class="jp-Cell-inputWrapper".*?</div>\s*</div>\s*</div>',
    re.S,
)
_CHROME = re.compile(r"<head\b.*?</head>|<script\b.*?</script>|<style\b.*?</style>", re.S)
_TAG = re.compile(r"<[^>]+>")
_REPR = re.compile(r"\b(?:Posix|Windows|Pure)?Path\('[^']*'\)|<NA>|<NaT>|\bdtype\(|\bTimestamp\(")
_CELL = re.compile(r"<t([dh])\b[^>]*>(.*?)</t\1>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_BUILD_PATH = re.compile(r"\boutputs/[A-Za-z0-9_.-]+/|(?<![\w.])/(?:home|tmp|work|root|Users)/[^\s<]+")
_NOTICE_WARNING = re.compile(r"embedded data\?\)[^<]*\bdata ?notice\b", re.I)
_SEED = re.compile(r"\b\d{3}_[0-9a-f]{16}\.(?:txt|pdf|html?)\b")
_CONFIG_KEY = re.compile(
    r"\b(?:design|inputs|instrument|survey|report|analysis|published)\."
    r"(?!(?:csv|yml|yaml|py|txt|json|sav|qsf|xlsx|qdpx|pdf)\b)[a-z][a-z0-9_]*\b"
)
_MACHINE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_HEADING = re.compile(r"<h([23])\b[^>]*>(.*?)</h\1>", re.S)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def visible_text(page: str) -> str:
    """The page as a reader sees it, less code, scripts and the provenance footer (markup kept)."""
    return _DROP.sub(" ", page)


def _table_problems(table: str) -> list[str]:
    problems = []
    rows = [[(kind, _text(cell)) for kind, cell in _CELL.findall(row)] for row in _ROW.findall(table)]
    for row in rows:
        for kind, text in row:
            if text in ("True", "False"):
                problems.append(f"boolean: a cell reads {text}")
            if text in ("nan", "NaN", "None", "NaT"):
                problems.append(f"repr: a cell reads {text}")
            if kind == "h" and _MACHINE.match(text):
                problems.append(f"machine header: {text}")
    body = [r for r in rows if r and all(k == "d" for k, _ in r)]
    width = max((len(r) for r in body), default=0)
    for j in range(width):
        column = [r[j][1] for r in body if j < len(r) and r[j][1]]
        if column and all(re.fullmatch(r"-?\d+\.0", c) for c in column):
            problems.append(f"float count: a column reads {', '.join(column[:3])}")
    return problems


def _empty_sections(text: str) -> list[str]:
    heads = list(_HEADING.finditer(text))
    problems = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        title = _text(head.group(2)).replace("¶", "").strip()
        body = _text(text[head.end() : end]).replace("¶", "").strip()
        # a heading followed at once by a heading of the same name is the page's provenance
        # footer under the notebook's own "Provenance" heading (the footer is scanned apart)
        if not body and not (i + 1 < len(heads) and _text(heads[i + 1].group(2)).replace("¶", "").strip() == title):
            problems.append(f"empty section: {title}")
    return problems


_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.S)


def scan(page: str) -> list[str]:
    """Every piece of stray output in the reader view ``page`` (HTML), one line each (kind: what).
    Only the page's ``<main>`` is the appendix (the site's header, sidebar and footer are not), when
    the page has one."""
    found = _MAIN.search(page)
    page = found.group(1) if found else page
    shown = visible_text(page)
    text = html.unescape(_TAG.sub(" ", shown))
    problems = [f"repr: {m.group(0)}" for m in _REPR.finditer(text)]
    problems += [f"build path: {m.group(0)}" for m in _BUILD_PATH.finditer(text)]
    problems += [f"stand-in notice warning: {m.group(0)}" for m in _NOTICE_WARNING.finditer(text)]
    problems += [f"seed file name: {m.group(0)}" for m in _SEED.finditer(text)]
    problems += [f"config key: {m.group(0)}" for m in _CONFIG_KEY.finditer(text)]
    for table in _TABLE.findall(shown):
        problems += _table_problems(table)
    problems += _empty_sections(_CHROME.sub(" ", page))
    problems += _empty_lead_in(_CHROME.sub(" ", shown))
    return problems


#: The sentence :func:`tieval.report.present.show` writes for a section with no block.
_NOTHING = "This section has nothing to show for this study."
_H1_END = re.compile(r"</h1>")


def _empty_lead_in(text: str) -> list[str]:
    """The "nothing to show" sentence between the page title and its first section: a lead-in with
    nothing in it shows nothing (:func:`tieval.report.present.lead`), so the sentence is stray there."""
    end = _H1_END.search(text)
    if not end:
        return []
    first = _HEADING.search(text, end.end())
    lead = text[end.end() : first.start() if first else len(text)]
    return [f"empty lead-in: {_NOTHING}"] if _NOTHING in _text(lead) else []
