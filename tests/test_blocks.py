"""Table cells for reading (``tieval.report.cells``) and the numbering of tables and figures with their
cross-references (``tieval.report.numbering``)."""

from __future__ import annotations

import pandas as pd

from tieval.report import present
from tieval.report.cells import column_cells, human_header, reader_words, status_column, status_slug
from tieval.report.figures import AppendixFigure
from tieval.report.numbering import number_blocks


def test_cells_are_read_from_the_column_data():
    assert column_cells(pd.Series([2.0, None, 3.0])) == (["2", "", "3"], True)
    assert column_cells(pd.Series([0.25, 1.5])) == (["0.25", "1.50"], True)
    assert column_cells(pd.Series([1, pd.NA], dtype="Int64")) == (["1", ""], True)
    assert column_cells(pd.Series([True, False])) == (["yes", "no"], False)
    assert column_cells(pd.Series(["12", "x"])) == (["12", "x"], False)  # text that looks numeric stays text
    assert column_cells(pd.Series(["12%"]), numeric=True) == (["12%"], True)


def test_statuses_and_headers():
    assert status_slug("Not reproducible") == "not-reproducible" and status_slug("yes") is None
    assert status_column(["match", "", "differs"]) and not status_column(["match", "other"]) and not status_column([""])
    assert human_header("reproduced_source") == "Reproduced source" and human_header("sd") == "SD"
    assert human_header("n") == "n" and human_header("% of all respondents") == "% of all respondents"
    assert reader_words("42 (design.flow:analysed)") == "42 (participant flow stage analysed)"


def test_tables_and_figures_are_numbered_in_page_order_and_references_filled():
    first = present.table_html(pd.DataFrame({"a": [1]}), "First", ident="first")
    second = present.table_html(pd.DataFrame({"a": [1]}), "Second", ident="second")
    figure = present.figure_html(AppendixFigure("flow", b"png", "Flow", "Flow diagram"))
    prose = (
        '<p>See <a class="xref" href="#tbl-second">the second table</a>, '
        '<a class="xref" href="#fig-flow">the diagram</a> and <a class="xref" href="#tbl-gone">the lost one</a>.</p>'
    )
    page = number_blocks(prose + first + figure + second)
    assert '<figcaption id="tbl-first-caption"><span class="tieval-num">Table 1.</span> First' in page
    assert '<figcaption id="tbl-second-caption"><span class="tieval-num">Table 2.</span> Second' in page
    assert '<figcaption><span class="tieval-num">Figure 1.</span> Flow diagram' in page
    assert (
        '<a class="xref" href="#tbl-second">Table 2</a>' in page
        and '<a class="xref" href="#fig-flow">Figure 1</a>' in page
    )
    assert 'href="#tbl-gone"' not in page and "the lost one" in page  # absent for this study: unlinked text
    assert number_blocks(page) == page  # numbering twice changes nothing
