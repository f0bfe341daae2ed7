"""The notebook frame (``tieval.report.present``) and figure rendering (``tieval.report.figures.render``),
outside Jupyter: what each display call emits, that displaying writes nothing, and the
provenance record ``finish`` writes.

The project used is a throw-away copy of the ``mini-tables`` fixture root
(tests/fixtures/tables/root), a hand-made study marked as reconstructed.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from tieval import store  # noqa: E402
from tieval.report import present  # noqa: E402
from tieval.report.figures import AppendixFigure, render, write_figure  # noqa: E402
from tieval.survey.data import load_respondents  # noqa: E402

TABLES_ROOT = Path(__file__).parent / "fixtures" / "tables" / "root"


@pytest.fixture()
def shown(monkeypatch):
    """Every markup string the module displays, in order."""
    out: list[str] = []
    monkeypatch.setattr(present, "_display_html", out.append)
    return out


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A project root (pyproject.toml + data/) holding mini-tables; the working directory is inside it."""
    shutil.copytree(TABLES_ROOT, tmp_path, dirs_exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.delenv("TIEVAL_ROOT", raising=False)
    monkeypatch.chdir(tmp_path / "notebooks")
    return tmp_path


@pytest.fixture()
def ctx(project, shown):
    return present.start("mini-tables", "03_tables", min_cell=0)


def _figure() -> object:
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.bar([0, 1], [1, 2])
    return fig


def test_table_html_is_deterministic_and_gives_the_base():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x<y", "", None]})
    markup = present.table_html(frame, "Caption & more", "n = 3", max_rows=2)
    assert markup == present.table_html(frame, "Caption & more", "n = 3", max_rows=2)
    assert markup.startswith(
        '<figure class="tieval-block tieval-tablefig" id="tbl-caption-more" data-kind="table">'
        '<figcaption id="tbl-caption-more-caption">Caption &amp; more '
    )
    assert '<span class="tieval-base">(base: n = 3)</span>' in markup
    assert '<div class="tieval-scroll" tabindex="0"' in markup and '<th scope="col" class="num">A</th>' in markup
    assert "x&lt;y" in markup
    assert "First 2 of 3 rows; the rest are not shown." in markup
    assert '<td class="num">3</td>' not in markup and '<td class="num">2</td>' in markup


def test_table_html_aligns_numbers_marks_statuses_and_links_the_csv():
    frame = pd.DataFrame(
        {"figure_id": ["a", "b"], "n": [2.0, None], "ok": [True, False], "status": ["match", "not reproducible"]}
    )
    markup = present.table_html(frame, "Audit", csv="06_audit/audit.csv", ident="audit")
    assert 'id="tbl-audit"' in markup and 'data-status-columns="3"' in markup
    assert '<th scope="col">Figure id</th>' in markup  # human header; the CSV keeps figure_id
    assert '<td class="num">2</td><td>yes</td><td data-status="match">match</td>' in markup
    assert '<td class="num"></td><td>no</td><td data-status="not-reproducible">not reproducible</td>' in markup
    assert '<a class="tieval-csv" href="06_audit/audit.csv" download>Download CSV (audit.csv)</a>' in markup
    declared = pd.DataFrame({"Item": ["x"], "Cell": ["85% (39/46)"]})
    declared.attrs["numeric"] = ["Cell"]
    assert '<td>x</td><td class="num">85% (39/46)</td>' in present.table_html(declared)


def test_a_long_table_is_summarised_with_the_rows_to_look_at_and_the_whole_table_behind_a_click():
    status = ["match"] * 50
    status[7] = "differs"
    frame = pd.DataFrame({"figure": [f"f{i}" for i in range(50)], "status": status})
    markup = present.table_html(frame, "Long", max_rows=None)
    assert '<p class="tieval-summary">50 rows (Status match: 49; differs: 1).</p>' in markup
    preview, full = markup.split('<details class="tieval-full">')
    assert preview.count("<tr><td>") == 1 and "<td>f7</td>" in preview
    assert full.startswith("<summary>Show all 50 rows</summary>") and full.count("<tr><td>") == 50
    plain = present.table_html(pd.DataFrame({"x": range(45)}), "Plain")
    assert "The first 10 rows:" in plain and plain.split("<details")[0].count("<tr><td") == 10


def test_table_html_keeps_markup_when_asked():
    frame = pd.DataFrame({"link": ['<a href="#x">x</a>']})
    assert '<a href="#x">x</a>' in present.table_html(frame, escape=False)


def test_show_displays_each_block_in_order(shown):
    frame = pd.DataFrame({"a": range(70)})
    present.show(
        [present.Note("a < b"), present.Banner("careful"), present.Html("<b>ok</b>"), present.Table(frame)], None
    )
    assert shown[0] == '<p class="tieval-note">a &lt; b</p>'
    assert "tieval-banner" in shown[1] and "careful" in shown[1]
    assert shown[2] == "<b>ok</b>"
    assert shown[3] == present.table_html(frame, max_rows=60)  # the default of show_table
    assert len(shown) == 4
    shown.clear()
    present.show(
        [present.Table(frame, "Same"), present.Table(frame, "Same"), present.Table(frame.head(0), "Empty")], None
    )
    assert 'id="tbl-same"' in shown[0] and 'id="tbl-same-2"' in shown[1]  # ids unique on the page
    assert shown[2] == '<p class="tieval-note">Empty: nothing to list for this study.</p>'
    shown.clear()
    present.show([], None)
    assert shown == [f'<p class="tieval-note">{present.NOTHING_TO_SHOW}</p>']


def test_show_refuses_what_is_not_a_block(shown):
    with pytest.raises(TypeError, match="DataFrame"):
        present.show([pd.DataFrame()], None)


def test_render_gives_the_png_of_savefig_and_closes_the_figure():
    fig = _figure()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    figure = render("bars", fig, alt="Two bars", caption="Bars", base="n = 2")
    assert figure == AppendixFigure("bars", buf.getvalue(), "Two bars", "Bars", "n = 2")
    assert not plt.fignum_exists(fig.number)
    assert render("bars", _figure(), alt="Two bars", caption="Bars").png == figure.png  # same figure, same bytes


def test_render_requires_alt_text():
    with pytest.raises(ValueError, match="alt text"):
        render("bars", _figure(), alt="  ", caption="Bars")


def test_show_figure_displays_only(project, ctx, shown):
    png = b"\x89PNG fake"
    figure = AppendixFigure("bars", png, 'Two "bars"', "Bars & lines", "n = 2")
    encoded = base64.b64encode(png).decode()
    shown.clear()
    present.show([figure], ctx)
    assert shown == [
        '<figure class="tieval-block tieval-figure" id="fig-bars" data-kind="figure">'
        f'<img src="data:image/png;base64,{encoded}" alt="Two &quot;bars&quot;"/>'
        '<figcaption>Bars &amp; lines <span class="tieval-base">(base: n = 2)</span></figcaption></figure>'
    ]
    assert not (project / "outputs").exists()


def test_a_long_alt_text_is_shortened_and_the_whole_description_given_beside_the_figure():
    long = "Bar chart of ten items. " + "; ".join(f"item {i}: {i} of 40 ({i * 2.5}%)" for i in range(40))
    markup = present.figure_html(AppendixFigure("bars", b"png", long, "Bars"))
    alt = re.search(r'alt="([^"]*)"', markup).group(1)
    assert alt == "Bar chart of ten items (described below)." and len(alt) <= present.ALT_MAX
    assert '<details class="tieval-description" id="fig-bars-description">' in markup and "item 39: 39 of 40" in markup
    assert "<details" not in present.figure_html(AppendixFigure("bars", b"png", "Two bars", "Bars"))
    assert len(present.short_alt("word " * 100)) <= present.ALT_MAX


def test_write_figure_writes_the_bytes_and_records_the_output(tmp_path):
    store.reset_provenance()
    path = write_figure(AppendixFigure("bars", b"png bytes", "alt", "caption"), tmp_path / "step")
    assert path == tmp_path / "step" / "bars.png"
    assert path.read_bytes() == b"png bytes"
    assert str(path) in store.outputs_written()


def test_start_loads_the_study_and_shows_the_reconstruction_notice(project, ctx, shown):
    assert Path.cwd().resolve() == project.resolve()
    assert ctx.study.id == "mini-tables"
    assert ctx.step == "03_tables"
    assert ctx.parameters == {"study": "mini-tables", "min_cell": 0}
    assert len(shown) == 1 and "tieval-banner" in shown[0]
    assert ctx.study.reconstruction_notice.split()[0] in shown[0]


def test_finish_writes_the_provenance_record(project, ctx, shown):
    load_respondents(ctx.study)
    store.write_csv(pd.DataFrame({"a": [1]}), Path("outputs") / "mini-tables" / "03_tables" / "t.csv")
    shown.clear()
    present.finish(ctx)
    record = json.loads((project / "outputs" / "mini-tables" / "03_tables" / "provenance.json").read_text())
    assert record["step"] == "03_tables" and record["study"] == "mini-tables"
    assert record["parameters"] == {"study": "mini-tables", "min_cell": 0}
    assert record["commit"] == "unknown"  # not a git checkout
    assert record["reconstructed"] is True
    assert record["outputs"] == ["outputs/mini-tables/03_tables/t.csv"]
    inputs = record["inputs"]
    assert sorted(inputs) == ["data/mini-tables/study.yml", "data/processed/mini-tables/respondents.parquet"]
    assert inputs["data/mini-tables/study.yml"] == store.sha256_file(project / "data" / "mini-tables" / "study.yml")
    assert shown[0].startswith('<section class="tieval-provenance" id="provenance"')
    assert shown[0].count("<h2") == 1 and record["software"]["python"]
    assert (
        "Built from commit <code>unknown</code> with the parameters injected for this study: "
        "<code>study = &#x27;mini-tables&#x27;, min_cell = 0</code>" in shown[0]
    )
