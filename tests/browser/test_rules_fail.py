"""Each rule of the browser test can fail: a small page that breaks it (written to a temporary folder)
makes its check report the fault, and the same page mended passes, so no check is always empty or
always full.  The checks are those of ``test_pages.py`` (``checks.py``)."""

from __future__ import annotations

import json

import pytest

from tieval.report.pdf import PAGE

from . import checks

pytestmark = pytest.mark.browser

PRINT_CSS = checks.Path(checks.__file__).resolve().parents[2] / "src" / "tieval" / "report" / "assets" / "print.css"


def page_from(tmp_path, body: str, head: str = "", name: str = "page.html") -> str:
    """Write a complete, accessible HTML page holding ``body``; return its ``file:`` URL."""
    path = tmp_path / name
    path.write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Synthetic page</title>{head}</head>'
        f"<body><main><h1>Synthetic page</h1>{body}</main></body></html>",
        encoding="utf-8",
    )
    return path.as_uri()


def test_console_error_is_caught(scratch_page, tmp_path):
    bad = checks.open_page(scratch_page, page_from(tmp_path, "<script>console.error('boom')</script>"))
    assert bad.console_errors == ["console.error: boom"]
    thrown = checks.open_page(scratch_page, page_from(tmp_path, "<script>null.x</script>", name="throw.html"))
    assert len(thrown.console_errors) == 1 and thrown.console_errors[0].startswith("uncaught:")
    good = checks.open_page(scratch_page, page_from(tmp_path, "<script>console.log('fine')</script>", name="ok.html"))
    assert good.console_errors == []


def test_request_to_another_host_is_caught_and_refused(scratch_page, tmp_path):
    url = "https://cdn.example.org/require.min.js"
    bad = checks.open_page(scratch_page, page_from(tmp_path, "<p>text</p>", head=f'<script src="{url}"></script>'))
    assert bad.outside_requests == [url]
    # refused by the guard, so the browser logs the failed load as well
    assert any("ERR_BLOCKED_BY_CLIENT" in e for e in bad.console_errors)
    (tmp_path / "local.js").write_text("document.body.dataset.ok = '1';", encoding="utf-8")
    good = checks.open_page(scratch_page, page_from(tmp_path, '<script src="local.js"></script>', name="ok.html"))
    assert good.outside_requests == [] and good.console_errors == []


def test_serious_axe_violation_is_caught(scratch_page, tmp_path):
    img = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    checks.open_page(scratch_page, page_from(tmp_path, f'<div class="out"><img src="{img}"></div><img src="{img}">'))
    found = checks.axe_violations(scratch_page)
    assert len(found) == 1 and found[0].startswith("axe image-alt (critical)") and "[2 nodes" in found[0], found
    # leaving out a part (an auditor view's outputs) leaves out that part only
    found = checks.axe_violations(scratch_page, exclude=[".out"])
    assert len(found) == 1 and "[1 nodes" in found[0], found
    checks.open_page(scratch_page, page_from(tmp_path, f'<img src="{img}" alt="A dot">', name="ok.html"))
    assert checks.axe_violations(scratch_page) == []


def test_right_aligned_text_cell_is_caught(scratch_page, tmp_path):
    rows = (
        '<tr><th style="text-align:left">quote</th><th style="text-align:left">n</th></tr>'
        '<tr><td style="text-align:right">It helped me listen</td><td style="text-align:right">1,204</td></tr>'
        '<tr><td style="text-align:left">Felt safer</td><td style="text-align:right">12 (34.5%)</td></tr>'
        '<tr><td style="text-align:left">Other</td><td style="text-align:right">—</td></tr>'
    )
    checks.open_page(scratch_page, page_from(tmp_path, f"<table>{rows}</table>"))
    found = checks.right_aligned_text_cells(scratch_page)
    assert len(found) == 1 and '"It helped me listen" is text, aligned right' in found[0], found
    # JupyterLab's rule, which beat the appendices' own: every cell right-aligned by a stylesheet; the
    # header of a column of numbers ("n", "2% of 48") may stand right-aligned over it, not one over text
    plain = (
        "<table><thead><tr><th>quote</th><th>n</th></tr></thead>"
        "<tbody><tr><td>It helped</td><td>3</td></tr><tr><td>Safer</td><td>2% of 48</td></tr></tbody></table>"
    )
    head = "<style>td,th{text-align:right}</style>"
    checks.open_page(scratch_page, page_from(tmp_path, plain, head=head, name="b.html"))
    found = checks.right_aligned_text_cells(scratch_page)
    assert [f.split(": ")[1].split(" is text")[0] for f in found] == ['"quote"', '"It helped"', '"Safer"'], found
    fixed = rows.replace('<td style="text-align:right">It', '<td style="text-align:left">It')
    checks.open_page(scratch_page, page_from(tmp_path, f"<table>{fixed}</table>", name="ok.html"))
    assert checks.right_aligned_text_cells(scratch_page) == []


def test_element_wider_than_the_viewport_is_caught(scratch_page, tmp_path):
    wide = '<div class="wide" style="width:3000px">a very wide block</div>'
    checks.open_page(scratch_page, page_from(tmp_path, wide))
    found = checks.overwide_elements(scratch_page)
    assert len(found) == 1 and found[0].startswith("div.wide: right edge"), found  # its ancestors fit
    hidden = f'<div style="overflow-x:hidden">{wide}</div>'  # clipped is cut, not scrollable
    checks.open_page(scratch_page, page_from(tmp_path, hidden, name="hidden.html"))
    assert len(checks.overwide_elements(scratch_page)) == 1
    boxed = f'<div style="overflow-x:auto" tabindex="0">{wide}</div>'
    checks.open_page(scratch_page, page_from(tmp_path, boxed, name="ok.html"))
    assert checks.overwide_elements(scratch_page) == []


def test_page_wider_than_a_phone_is_caught(scratch_page, tmp_path):
    scratch_page.set_viewport_size({"width": 390, "height": 844})
    head = '<meta name="viewport" content="width=device-width, initial-scale=1">'
    checks.open_page(scratch_page, page_from(tmp_path, '<pre class="long">' + "x" * 200 + "</pre>", head=head))
    found = checks.page_overflow(scratch_page)
    assert found and found[0].startswith("document is") and "in a 390 px viewport" in found[0], found
    assert any(f.startswith("pre.long") for f in found[1:]), found
    body = '<div style="overflow-x:auto" tabindex="0"><pre>' + "x" * 200 + "</pre></div>"
    checks.open_page(scratch_page, page_from(tmp_path, body, head=head, name="ok.html"))
    assert checks.page_overflow(scratch_page) == []


def test_overlapping_flow_boxes_are_caught(tmp_path):
    def layout(second_x0):
        boxes = [
            {"id": "invited", "label": "Invited: about 3,000", "x0": 10, "y0": 10, "x1": 210, "y1": 60},
            {
                "id": "responded",
                "label": "Responded: n = 48",
                "x0": second_x0,
                "y0": 40,
                "x1": second_x0 + 200,
                "y1": 90,
            },
        ]
        path = tmp_path / f"layout{second_x0}.json"
        path.write_text(json.dumps({"width": 600, "height": 200, "boxes": boxes}), encoding="utf-8")
        return path

    found = checks.flow_overlaps(layout(150))
    assert len(found) == 1 and "'invited' (Invited: about 3,000) and 'responded'" in found[0], found
    assert checks.flow_overlaps(layout(210)) == []  # touching is not overlapping
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert checks.flow_overlaps(broken)[0].startswith(f"{broken}: expected a flow layout")


def _wide_table(columns: int = 14, rows: int = 6) -> str:
    head = "".join(f"<th>heading number {c}</th>" for c in range(1, columns)) + "<th>LASTCOLUMN</th>"
    body = "".join(
        "<tr>" + "".join(f"<td>cell {r}.{c}</td>" for c in range(1, columns)) + f"<td>verdict{r}</td></tr>"
        for r in range(rows)
    )
    return f'<table style="white-space:nowrap"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def test_table_cut_in_print_is_caught(scratch_page, tmp_path):
    checks.open_page(scratch_page, page_from(tmp_path, _wide_table()))
    table = checks.widest_table(scratch_page)
    assert table["columns"] == 14 and table["header"] == "LASTCOLUMN" and table["cells"][0] == "verdict0"
    found = checks.print_keeps_last_column(scratch_page)
    assert len(found) == 2, found
    assert "last column's header 'LASTCOLUMN' not in the PDF" in found[0]
    assert "6 of 6 last-column cells not in the PDF" in found[1]
    # the same page with the appendices' print stylesheet keeps the column
    head = f'<link rel="stylesheet" media="print" href="{PRINT_CSS.as_uri()}">'
    checks.open_page(scratch_page, page_from(tmp_path, _wide_table(), head=head, name="ok.html"))
    assert checks.print_keeps_last_column(scratch_page) == []


def test_print_stylesheet_turns_wide_tables_landscape(scratch_page, tmp_path):
    """Seven columns or more: a landscape A4 page; a narrow table stays on portrait pages."""
    head = f'<link rel="stylesheet" media="print" href="{PRINT_CSS.as_uri()}">'
    body = "<p>before</p>" + _wide_table() + "<p>after</p>"
    checks.open_page(scratch_page, page_from(tmp_path, body, head=head))
    scratch_page.emulate_media(media="print")
    reader = checks.PdfReader(checks.io.BytesIO(scratch_page.pdf(**PAGE)))
    shapes = ["landscape" if p.mediabox.width > p.mediabox.height else "portrait" for p in reader.pages]
    assert "landscape" in shapes and shapes[0] == "portrait", shapes
    checks.open_page(scratch_page, page_from(tmp_path, _wide_table(columns=3), head=head, name="narrow.html"))
    scratch_page.emulate_media(media="print")
    reader = checks.PdfReader(checks.io.BytesIO(scratch_page.pdf(**PAGE)))
    assert all(p.mediabox.width < p.mediabox.height for p in reader.pages)
