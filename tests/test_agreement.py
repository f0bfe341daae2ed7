"""Cohen's kappa per code between two coders: hand-computed tables, perfect agreement, undefined cases."""

import math
from pathlib import Path

import pandas as pd
import pytest

from tieval.errors import InputError
from tieval.qual import agreement, qda

FIX = Path(__file__).resolve().parent / "fixtures" / "qda"
UNITS = [f"U{i:02d}" for i in range(20)]


def codings_from_table(code, both, a_only, b_only, units=UNITS, offset=0):
    """Codings for one code whose 2 x 2 table is (both, a_only, b_only, rest neither)."""
    rows, i = [], offset
    for _ in range(both):
        rows += [(units[i], code, "A"), (units[i], code, "B")]
        i += 1
    for _ in range(a_only):
        rows.append((units[i], code, "A"))
        i += 1
    for _ in range(b_only):
        rows.append((units[i], code, "B"))
        i += 1
    return pd.DataFrame(rows, columns=["excerpt_id", "code_id", "coder"])


def test_textbook_two_by_two():
    # 20 units: both yes 8, both no 7, A yes/B no 3, A no/B yes 2.
    k = agreement.kappa_from_counts(both=8, a_only=3, b_only=2, neither=7)
    assert (k.n, k.observed, k.expected, k.kappa, k.status) == (20, 0.75, 0.5, 0.5, "defined")


def test_kappa_per_code_counts_units_from_codings():
    table = agreement.kappa_per_code(codings_from_table("X", 8, 3, 2), "A", "B", units=UNITS)
    row = table.iloc[0]
    assert row[["both", "a_only", "b_only", "neither", "n_units"]].tolist() == [8, 3, 2, 7, 20]
    assert row["observed_agreement"] == pytest.approx(0.75)
    assert row["expected_agreement"] == pytest.approx(0.5)
    assert row["kappa"] == pytest.approx(0.5)
    assert list(table.columns) == agreement.KAPPA_COLUMNS


def test_units_neither_coder_touched_count_as_agreement():
    codings = codings_from_table("X", 8, 3, 2)
    default = agreement.kappa_per_code(codings, "A", "B").iloc[0]
    # Only the 13 units coded by someone: po = 8/13, pA = 11/13, pB = 10/13.
    assert default["n_units"] == 13
    assert default["kappa"] == pytest.approx((8 / 13 - (110 + 6) / 169) / (1 - 116 / 169))
    assert default["kappa"] < 0


def test_perfect_agreement_is_one():
    table = agreement.kappa_per_code(codings_from_table("X", 5, 0, 0), units=UNITS)
    assert table.iloc[0]["kappa"] == 1.0
    assert table.iloc[0]["status"] == "defined"


@pytest.mark.parametrize(
    "both, neither, status",
    [
        (0, 20, "undefined: both coders never used the code"),
        (20, 0, "undefined: both coders used the code on every unit"),
    ],
)
def test_undefined_kappa_is_reported_not_divided_by_zero(both, neither, status):
    k = agreement.kappa_from_counts(both=both, a_only=0, b_only=0, neither=neither)
    assert math.isnan(k.kappa) and not k.defined
    assert (k.observed, k.expected, k.status) == (1.0, 1.0, status)


def test_code_neither_coder_used_is_listed_as_undefined():
    table = agreement.kappa_per_code(
        codings_from_table("X", 8, 3, 2), "A", "B", units=UNITS, codes=["X", "Y"]
    ).set_index("code_id")
    assert table.loc["Y", "status"] == "undefined: both coders never used the code"
    assert math.isnan(table.loc["Y", "kappa"])
    assert table.loc["Y", "neither"] == 20


def test_one_coder_always_other_never_is_zero_not_undefined():
    k = agreement.kappa_from_counts(both=0, a_only=6, b_only=0, neither=0)
    assert (k.observed, k.expected, k.kappa, k.status) == (0.0, 0.0, 0.0, "defined")


def test_no_units_is_undefined():
    k = agreement.kappa_from_counts(0, 0, 0, 0)
    assert k.status == "undefined: no units" and math.isnan(k.kappa)


def test_pooled_and_mean_kappa_by_hand():
    codings = pd.concat([codings_from_table("X", 8, 3, 2), codings_from_table("Z", 2, 0, 2)], ignore_index=True)
    table = agreement.kappa_per_code(codings, "A", "B", units=UNITS).set_index("code_id")
    # Z: pA = 0.1, pB = 0.2, pe = 0.02 + 0.72 = 0.74, po = 0.9, kappa = 0.16 / 0.26.
    assert table.loc["Z", "kappa"] == pytest.approx(0.16 / 0.26)
    summary = agreement.pooled_kappa(table.reset_index()).iloc[0]
    assert summary["pooled_observed"] == pytest.approx(0.825)
    assert summary["pooled_expected"] == pytest.approx(0.62)
    assert summary["pooled_kappa"] == pytest.approx(0.205 / 0.38)
    assert summary["mean_kappa"] == pytest.approx((0.5 + 0.16 / 0.26) / 2)
    assert (summary["n_codes"], summary["n_codes_defined"], summary["n_units"]) == (2, 2, 20)


def test_pooled_kappa_keeps_undefined_codes_mean_kappa_skips_them():
    table = agreement.kappa_per_code(codings_from_table("X", 8, 3, 2), "A", "B", units=UNITS, codes=["X", "Y"])
    summary = agreement.pooled_kappa(table).iloc[0]
    assert summary["pooled_kappa"] == pytest.approx((0.875 - 0.75) / 0.25)
    assert summary["mean_kappa"] == pytest.approx(0.5)
    assert summary["n_codes_defined"] == 1


def test_pooled_kappa_all_undefined():
    table = agreement.kappa_per_code(codings_from_table("X", 20, 0, 0), "A", "B", units=UNITS)
    summary = agreement.pooled_kappa(table).iloc[0]
    assert math.isnan(summary["pooled_kappa"]) and summary["status"].startswith("undefined")


def test_nominal_cohen_kappa_by_hand():
    # po = 4/6; pe = 1/3 (A uses each label twice); kappa = (2/3 - 1/3) / (2/3) = 0.5
    k = agreement.cohen_kappa([1, 1, 2, 2, 3, 3], [1, 2, 2, 2, 3, 1])
    assert k.observed == pytest.approx(4 / 6)
    assert k.expected == pytest.approx(1 / 3)
    assert k.kappa == pytest.approx(0.5)
    assert agreement.cohen_kappa("aaa", "aaa").status.startswith("undefined")


@pytest.mark.parametrize(
    "frame, kwargs, column",
    [
        (pd.DataFrame({"excerpt_id": ["U1"], "code_id": ["X"]}), {}, "coder"),
        (codings_from_table("X", 2, 0, 0), {"coder_a": "A", "coder_b": "C"}, "coder"),
        (
            pd.concat(
                [
                    codings_from_table("X", 2, 0, 0),
                    pd.DataFrame([("U1", "X", "C")], columns=["excerpt_id", "code_id", "coder"]),
                ]
            ),
            {},
            "coder",
        ),
    ],
)
def test_bad_codings_raise_input_error(frame, kwargs, column):
    with pytest.raises(InputError) as info:
        agreement.kappa_per_code(frame, file="codings_second_coder.csv", **kwargs)
    assert info.value.column == column
    assert info.value.file == "codings_second_coder.csv"


def test_two_coders_in_a_qualcoder_project():
    tables = qda.tables_from_project(qda.read_qdpx(FIX / "qualcoder_project.qdpx"))
    table = agreement.kappa_per_code(tables.codings, "coder1", "coder2", units=tables.excerpts["excerpt_id"]).set_index(
        "code_id"
    )
    assert table["n_units"].unique().tolist() == [3]
    assert table.loc["Implementation/Legitimation", "kappa"] == pytest.approx(1.0)
    # Enrolment: coder1 on 1 of 3 units, coder2 on none: po = 2/3, pe = 2/3, kappa = 0.
    assert table.loc["Implementation/Enrolment", "kappa"] == pytest.approx(0.0)
    assert table.loc["Other", "b_only"] == 1
