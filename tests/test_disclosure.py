"""Small-cell and secondary suppression on hand-made tables with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tieval.survey import disclosure


def row(counts, key="r"):
    return pd.DataFrame({"count": counts, "part": key})


def test_primary_hides_one_to_min_cell_minus_one():
    assert disclosure.primary([0, 1, 2, 3, 10], 3).tolist() == [False, True, True, False, False]
    assert disclosure.primary([0, 1, 2, 3], 3, zeros=True).tolist() == [True, True, True, False]
    assert not disclosure.primary([0, 1, 2], 0).any()  # default: off, reproduces the reports


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3", None])
def test_min_cell_must_be_a_whole_number(bad):
    with pytest.raises(ValueError, match="min_cell"):
        disclosure.check_min_cell(bad)


def test_single_small_cell_gets_a_partner():
    # base 23 is published: 1 alone would be 23 - 10 - 12; the next smallest (10) is hidden too
    status = disclosure.suppress(row([1, 10, 12]), 3, ["part"])
    assert status.tolist() == ["primary", "secondary", ""]


def test_hidden_cells_must_hold_at_least_min_cell_together():
    # 1 + 1 = 2 < 5 would publish "two people in these cells": the next smallest joins them
    status = disclosure.suppress(row([1, 1, 20, 30]), 5, ["part"])
    assert status.tolist() == ["primary", "primary", "secondary", ""]


def test_two_small_cells_that_sum_past_the_threshold_need_no_partner():
    status = disclosure.suppress(row([3, 4, 20]), 5, ["part"])
    assert status.tolist() == ["primary", "primary", ""]


def test_ties_pick_the_first_cell_and_zeros_can_be_partners():
    status = disclosure.suppress(row([7, 1, 0, 7]), 2, ["part"])
    # 1 is hidden; the smallest open cell is the 0; 1 + 0 < 2 so the first 7 joins
    assert status.tolist() == ["secondary", "primary", "secondary", ""]


def test_rows_without_small_cells_are_untouched_and_off_is_off():
    frame = pd.concat([row([1, 10, 12], "a"), row([5, 6, 7], "b")], ignore_index=True)
    status = disclosure.suppress(frame, 3, ["part"])
    assert status.tolist() == ["primary", "secondary", "", "", "", ""]
    assert (disclosure.suppress(frame, 0, ["part"]) == "").all()


def test_exempt_cells_are_never_hidden():
    frame = pd.DataFrame({"count": [1, 8, 9, 1], "part": ["r", "r", "r", ""], "public": [False, False, False, True]})
    status = disclosure.suppress(frame, 3, ["part"], exempt="public")
    assert status.tolist() == ["primary", "secondary", "", ""]


def test_linked_partitions_protect_each_other():
    # levels SD, D (category 'disagree') and A, SA ('agree') of one item, and the two category cells.
    # Partitions: the levels add up to the base; the categories add up to the base;
    # each category's levels add up to the category.
    cells = pd.DataFrame(
        {
            "label": ["SD", "D", "A", "SA", "disagree", "agree"],
            "count": [1, 5, 4, 9, 6, 13],
            "levels": ["q", "q", "q", "q", "", ""],
            "cats": ["", "", "", "", "q", "q"],
            "within": ["q|dis", "q|dis", "q|agr", "q|agr", "q|dis", "q|agr"],
        }
    )
    status = disclosure.suppress(cells, 3, ["levels", "cats", "within"]).tolist()
    # SD (1) is primary; among the levels its partner is the smallest open level, A (4); A is then
    # the only hidden level of 'agree', so SA (9) joins it, and SD the only hidden level of
    # 'disagree', so D (5) joins it.  The category counts 6 and 13 stay: each is the sum of two
    # hidden cells, which does not reveal either.
    assert status == ["primary", "secondary", "secondary", "secondary", "", ""]
    _assert_no_group_reveals(cells, status, ["levels", "cats", "within"], 3)


def _assert_no_group_reveals(cells, status, partitions, min_cell):
    hidden = np.array([s != "" for s in status])
    counts = cells["count"].to_numpy()
    for col in partitions:
        for key in set(cells[col]) - {""}:
            idx = np.flatnonzero(cells[col].to_numpy() == key)
            h = hidden[idx]
            if h.any() and not h.all():
                assert h.sum() >= 2, (col, key)
                assert counts[idx][h].sum() >= min_cell, (col, key)


def test_random_tables_never_leave_a_recoverable_cell():
    rng = np.random.default_rng(20250207)
    for _ in range(50):
        n_rows, n_cols = rng.integers(1, 5), rng.integers(2, 6)
        counts = rng.integers(0, 9, size=(n_rows, n_cols))
        frame = pd.DataFrame(
            {
                "count": counts.ravel(),
                "row": np.repeat([f"r{i}" for i in range(n_rows)], n_cols),
                "col": np.tile([f"c{j}" for j in range(n_cols)], n_rows),
            }
        )
        status = disclosure.suppress(frame, 4, ["row", "col"]).tolist()
        small = (frame["count"] > 0) & (frame["count"] < 4)
        assert all(s == "primary" for s, sm in zip(status, small) if sm)
        _assert_no_group_reveals(frame, status, ["row", "col"], 4)


def test_protect_blanks_values_and_flags_without_reason():
    frame = row([1, 10, 12]).assign(percent=[4.3, 43.5, 52.2])
    out = disclosure.protect(frame, 3, ["part"], value_columns=["count", "percent"])
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["count"].isna().tolist() == [True, True, False]
    assert out["percent"].isna().tolist() == [True, True, False]
    assert "suppression" not in out.columns
    assert frame["count"].tolist() == [1, 10, 12]  # input untouched


def test_display():
    assert disclosure.display(5, True) == "suppressed"
    assert disclosure.display(5, False, "{}%") == "5%"
    assert disclosure.display(float("nan"), False) == ""
