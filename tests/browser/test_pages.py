"""Every built appendix in the system Chromium: ``outputs/html/index.html`` and both views of every step.

Each page is loaded once at 1280 px (from the local server) and every desktop rule is checked on that
load (:func:`desktop_findings` keeps the findings for the session); then once at 390 px.  The index
and one appendix are also opened from ``file:`` to prove the site works offline from disk.  The flow
diagrams are checked from their layout files; every reader view (the page with the widest table
among them) is printed to an A4 PDF whose text must hold each table's last column.  Needs the build (``make``); run by ``make test-browser``.
"""

from __future__ import annotations

import pytest

from tieval.paths import discover_studies, outputs_dir, project_root

from . import checks

pytestmark = pytest.mark.browser

ROOT = project_root()
HTML = outputs_dir(None, ROOT) / "html"
STUDIES = discover_studies(ROOT)
#: The index and both views of every appendix: every rule.
PAGES = sorted(
    str(p.relative_to(HTML))
    for p in [HTML / "index.html", *(q for s in STUDIES for q in (HTML / s).glob("*.html"))]
    if p.is_file()
)
#: Every other page of the site (e.g. the module sources the provenance links to): one template, many
#: pages, so each is loaded once, at 390 px (console errors, outside requests, sideways scroll), and the
#: first of each folder also at 1280 px with axe and the width rule: the template's accessibility.
OTHERS = sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html") if str(p.relative_to(HTML)) not in PAGES)
AXED_OTHERS = {
    min((o for o in OTHERS if o.rsplit("/", 1)[0] == d), default=None) for d in {o.rsplit("/", 1)[0] for o in OTHERS}
}
DESKTOP_RULES = ("console_errors", "outside_requests", "axe", "right_aligned_text", "overwide")


#: In an auditor view, axe leaves out the cell outputs: the reader view holds the same outputs, checked in
#: full, and colour contrast over the long tables is most of axe's time; the code and everything else are checked.
AUDITOR_SHARED = [".jp-OutputArea-output"]

_FOUND: dict[str, dict[str, list]] = {}


def desktop_findings(page, base: str, name: str) -> dict[str, list]:
    """Load ``name`` once at desktop width and run every desktop rule on it (kept for the session)."""
    if name not in _FOUND:
        loaded = checks.open_page(page, base + name, base)
        _FOUND[name] = {
            "console_errors": loaded.console_errors,
            "outside_requests": loaded.outside_requests,
            "axe": checks.axe_violations(page, exclude=AUDITOR_SHARED if name.endswith("-code.html") else None),
            "right_aligned_text": checks.right_aligned_text_cells(page),
            "overwide": checks.overwide_elements(page),
            "widest": [checks.widest_table(page)],
        }
    return _FOUND[name]


def _report(name: str, rule: str, found: list) -> str:
    shown = "\n  ".join(map(str, found[:12])) + (f"\n  ... and {len(found) - 12} more" if len(found) > 12 else "")
    return f"{name}: {rule}: {len(found)} finding(s)\n  {shown}"


def test_every_appendix_is_checked():
    """The page list is the build's: the index and a reader and an auditor view of every step of every study."""
    assert "index.html" in PAGES, f"{HTML}/index.html missing: run `make`"
    for study in STUDIES:
        steps = {p.split("/")[1][: -len(".html")] for p in PAGES if p.startswith(study + "/")}
        readers = {s for s in steps if not s.endswith("-code")}
        assert readers, f"{study}: no appendix under {HTML / study}"
        assert {s + "-code" for s in readers} <= steps, f"{study}: a reader view without its auditor view"


@pytest.mark.parametrize("rule", DESKTOP_RULES)
@pytest.mark.parametrize("name", PAGES)
def test_desktop(desktop, server, name, rule):
    found = desktop_findings(desktop, server, name)[rule]
    assert not found, _report(name, rule, found)


@pytest.mark.parametrize("name", OTHERS)
def test_other_page(desktop, phone, server, name):
    """A page outside the appendices: no console error, no outside request, no sideways scroll at 390 px;
    for the first page of its folder, also axe and nothing past the viewport at 1280 px."""
    loaded = checks.open_page(phone, server + name, server)
    found = [*loaded.console_errors, *loaded.outside_requests, *checks.page_overflow(phone)]
    if name in AXED_OTHERS:
        checks.open_page(desktop, server + name, server)
        found += checks.axe_violations(desktop) + checks.overwide_elements(desktop)
    assert not found, _report(name, "page rules", found)


@pytest.mark.parametrize("name", PAGES)
def test_phone_width_has_no_sideways_scroll(phone, server, name):
    checks.open_page(phone, server + name, server)
    found = checks.page_overflow(phone)
    assert not found, _report(name, "overflow at 390 px", found)


@pytest.mark.parametrize("name", ["index.html", "lancashire-tiat/06_audit.html"])
def test_opens_offline_from_disk(scratch_page, name):
    """From ``file:`` with every other host refused: no console error, nothing asked of the network."""
    loaded = checks.open_page(scratch_page, (HTML / name).resolve().as_uri())
    assert not loaded.console_errors, _report(name, "console_errors (file:)", loaded.console_errors)
    assert not loaded.outside_requests, _report(name, "outside_requests (file:)", loaded.outside_requests)
    assert scratch_page.locator("body").inner_text().strip(), f"{name}: blank page from file:"


@pytest.mark.parametrize("study", STUDIES)
def test_flow_diagram_boxes_do_not_overlap(study):
    layout = outputs_dir(study, ROOT) / "01_study_overview" / "participant_flow.layout.json"
    assert layout.is_file(), f"{layout}: expected the flow diagram's layout file; found none"
    found = checks.flow_overlaps(layout)
    assert not found, "\n".join(found)


_PRINTED: dict[str, tuple[list[dict], str]] = {}


def printed(page, base: str, name: str) -> tuple[list[dict], str]:
    """(the tables of ``name``, the text of its A4 print), made once for the session."""
    if name not in _PRINTED:
        checks.open_page(page, base + name, base)
        _PRINTED[name] = (checks.tables(page), checks.print_text(page))
    return _PRINTED[name]


READERS = [p for p in PAGES if "/" in p and not p.endswith("-code.html")]


@pytest.mark.parametrize("name", READERS)
def test_print_keeps_every_table_whole(desktop, server, name):
    """Every reader view printed at A4 keeps the last column of each of its tables (among them the
    Lancashire audit's check results and the Surrey joint display's Convergence and Meta-inference)."""
    tables, text = printed(desktop, server, name)
    found = checks.print_keeps_last_column(desktop, tables, text) if tables else []
    assert not found, _report(name, "print (A4)", found)


def test_print_keeps_last_column_of_widest_table(desktop, server):
    """The page holding the widest table of the whole site (its reader view, when both views hold it),
    printed at A4, keeps that table's last column."""
    widest = {}
    for name in sorted(PAGES, key=lambda p: p.endswith("-code.html")):
        table = desktop_findings(desktop, server, name)["widest"][0]
        if table and (not widest or table["columns"] > widest["table"]["columns"]):
            widest = {"name": name, "table": table}
    assert widest, "no table on any page"
    name = widest["name"]
    text = printed(desktop, server, name)[1] if name in READERS else None
    if text is None:
        checks.open_page(desktop, server + name, server)
    found = checks.print_keeps_last_column(desktop, [widest["table"]], text)
    assert not found, _report(name, "print (A4)", found)
