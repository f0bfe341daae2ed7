"""One set of survey cells under disclosure control (``disclosure.item_cells``), shared by the
tables step and the triangulation.

Before, the triangulation notebook re-applied ``disclosure.protect`` to the item cells itself,
without marking the skipped-item cells as public; with ``min_cell = 5`` on surrey-als it hid
two skipped-item cells (right_approach: 1 skipped, improvement_category: 2) that the tables
step shows.  These tests pin that both now read the same cells.  The surrey-als test cleans
the committed raw export in memory (nothing is written); the others use the hand-made
``mini-tables`` fixture (tests/fixtures/tables/root).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tieval import published
from tieval.config import load_study
from tieval.paths import project_root
from tieval.survey import clean, counts, disclosure
from tieval.survey.data import load_responses
from tieval.survey.published_tables import reproduce
from tieval.survey.validate import check_responses


@pytest.fixture()
def mini(mini_tables):
    study, respondents = mini_tables
    return study, respondents, load_responses(study, respondents)


def test_min_cell_zero_hides_nothing_and_keeps_every_count(mini):
    study, respondents, responses = mini
    cells = disclosure.item_cells(study, responses, respondents, 0)
    plain = counts.item_cells(responses, study, 6)
    assert not cells["suppressed"].any()
    assert cells["count"].tolist() == plain["count"].astype(float).tolist()
    pd.testing.assert_frame_equal(
        cells.drop(columns=["suppressed", *disclosure.ITEM_VALUES]), plain.drop(columns=list(disclosure.ITEM_VALUES))
    )


@pytest.mark.parametrize("min_cell", [0, 2, 5])
def test_the_tables_step_uses_these_cells(mini, min_cell):
    study, respondents, responses = mini
    rep = reproduce(study, responses, respondents, published.load_published(study), min_cell=min_cell)
    pd.testing.assert_frame_equal(rep.cells, disclosure.item_cells(study, responses, respondents, min_cell))
    pd.testing.assert_frame_equal(rep.demo_cells, disclosure.demographic_cells(study, respondents, min_cell))


def test_skipped_item_cells_are_public(mini):
    study, respondents, responses = mini
    cells = disclosure.item_cells(study, responses, respondents, 5)
    skipped = cells[cells["kind"] == "missing"]
    assert not skipped["suppressed"].any()
    assert skipped.set_index("item_id").loc["Y1", "count"] == 1  # one respondent skipped Y1
    assert cells.loc[cells["kind"] == "level", "suppressed"].any()  # the small answer counts are hidden


def test_surrey_skipped_cells_are_shown_by_both_steps():
    study = load_study(project_root() / "data" / "surrey-als")
    cleaned = clean.prepare_study(study)
    respondents = cleaned.tables.respondents
    responses = check_responses(cleaned.tables.responses, study, "responses.csv", respondents)
    cells = disclosure.item_cells(study, responses, respondents, 5).set_index(["item_id", "kind"])
    for item, skipped in (("right_approach", 1), ("improvement_category", 2)):
        assert cells.loc[(item, "missing"), "count"] == skipped
        assert not cells.loc[(item, "missing"), "suppressed"]
    rep = reproduce(study, responses, respondents, published.load_published(study), min_cell=5)
    pd.testing.assert_frame_equal(rep.cells.set_index(["item_id", "kind"]), cells)
