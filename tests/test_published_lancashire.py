"""Hand-checked data record of the Lancashire TIAT evaluation (study ``lancashire-tiat``).

Checks the structure of ``study.yml``, ``published/figures.csv`` and
``raw/excerpts.csv`` and pins values that were verified by hand against the
report text (004_436ea4e8f138261d.txt).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tieval.schema import EXCERPTS, PUBLISHED, PUBLISHED_OPTIONAL

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "data" / "lancashire-tiat"

FIGURE_COLUMNS = PUBLISHED + PUBLISHED_OPTIONAL  # the data contract (tieval.schema), optional columns present
EXCERPT_COLUMNS = [c for c in EXCERPTS if c != "study"]  # raw/excerpts.csv has no study column
UNITS = {"count", "percent", "mean", "n", "percent_bound", "context", "year", "quantifier"}
LOCATION_TYPES = {"table", "text", "summary"}
T5_CATEGORIES = {"0-5", "6-10", "disagree", "neutral", "agree", "not_relevant"}
SOURCES = {"interview", "focus group", "interview or focus group", "questionnaire free text"}
TOP_KEYS = {"id", "reconstructed", "report", "design", "instrument", "survey", "inputs"}
ITEM_IDS = (
    ["A1", "A2", "A3"]
    + [f"B{i}" for i in range(1, 5)]
    + [f"C{i}" for i in range(1, 5)]
    + [f"D{i}" for i in range(1, 8)]
    + [f"E{i}" for i in range(1, 6)]
    + [f"F{i}" for i in range(1, 5)]
)


@pytest.fixture(scope="module")
def study():
    with open(STUDY / "study.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def items(study):
    return {it["id"]: it for it in study["instrument"]["items"]}


@pytest.fixture(scope="module")
def figures():
    return pd.read_csv(STUDY / "published" / "figures.csv", dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def fig(figures):
    """figure_id -> numeric value."""
    return {r.figure_id: float(r.value) for r in figures.itertuples() if r.value != ""}


@pytest.fixture(scope="module")
def excerpts():
    return pd.read_csv(STUDY / "raw" / "excerpts.csv", dtype=str, keep_default_na=False, encoding="utf-8")


# --------------------------------------------------------------------------- structure


def test_study_yml_top_level(study):
    assert set(study) == TOP_KEYS
    assert study["id"] == STUDY.name
    assert study["reconstructed"] is True
    assert study["report"]["source"] == "004_436ea4e8f138261d.txt"
    assert study["report"]["year"] == 2025
    assert yaml.safe_load((STUDY / "reconstruction.yml").read_text(encoding="utf-8"))["seed"] == 20250207


def test_study_yml_items_complete(study, items):
    assert [it["id"] for it in study["instrument"]["items"]] == ITEM_IDS
    scales = study["instrument"]["scales"]
    for it in items.values():
        assert it["scale"] in scales
        assert it["text"].strip() == it["text"] and it["text"]
        assert it["group"] == it["id"][0]
    columns = [it["column"] for it in items.values()]
    assert len(set(columns)) == len(columns)
    assert items["A1"]["column"] == "Q1_1" and items["F4"]["column"] == "Q6_4"


def test_study_yml_constructs(study, items):
    constructs = study["instrument"]["constructs"]
    expected = {
        "coherence": ("B", 4, 0.71),
        "cognitive_participation": ("C", 4, 0.81),
        "collective_action": ("D", 7, 0.78),
        "reflexive_monitoring": ("E", 5, 0.65),
    }
    for cid, (group, n, alpha) in expected.items():
        members = [i for i, it in items.items() if it["construct"] == cid]
        assert len(members) == n and all(m[0] == group for m in members)
        assert constructs[cid]["reference_alpha"] == alpha
    assert {it["construct"] for it in items.values()} == set(constructs)
    assert all(items[f"A{i}"]["scale"] == "zero_ten" for i in (1, 2, 3))
    assert all(items[f"F{i}"]["construct"] == "network_culture" for i in range(1, 5))


def test_only_d2_is_reverse(items):
    assert [i for i, it in items.items() if it["reverse"]] == ["D2"]
    assert items["D2"]["text"] == "Trauma Informed Practice disrupts working relationships"


def test_subconstructs(items):
    assert items["B1"]["subconstruct"] == "differentiation"
    assert items["C2"]["subconstruct"] == "legitimation"
    assert items["D6"]["subconstruct"] == "contextual integration"
    assert items["E3"]["subconstruct"] == "individual appraisal"


def test_scales(study):
    scales = study["instrument"]["scales"]
    agreement = scales["agreement"]
    assert [lv["code"] for lv in agreement["levels"]] == [1, 2, 3, 4, 5]
    assert [lv["category"] for lv in agreement["levels"]] == ["disagree", "disagree", "neutral", "agree", "agree"]
    assert len(agreement["not_relevant"]) == 3
    assert agreement["aliases"]["Neither Agree or Disagree"] == 3
    assert [b["label"] for b in scales["zero_ten"]["bins"]] == ["0-5", "6-10"]
    assert len(scales["sector"]["levels"]) == 10
    assert len(scales["tenure"]["levels"]) == 6
    assert study["design"]["flow"][0] == {
        "id": "invited",
        "label": study["design"]["flow"][0]["label"],
        "n": 3000,
        "approximate": True,
    }
    assert [s["n"] for s in study["design"]["flow"]] == [3000, 48, 6, 42, 2]
    assert [t["id"] for t in study["design"]["qualitative"]["themes"]] == [
        "experiences",
        "implementation",
        "systemic_culture",
        "relationships",
    ]


def test_figures_structure(figures, items):
    assert list(figures.columns) == FIGURE_COLUMNS
    assert figures.figure_id.is_unique
    assert set(figures.unit) <= UNITS
    assert set(figures.location_type) <= LOCATION_TYPES
    assert (figures.printed.str.len() > 0).all()
    assert (figures.measure.str.len() > 0).all()
    pd.to_numeric(figures.value[figures.unit != "quantifier"])  # every value is numeric
    assert (figures.value[figures.unit != "quantifier"] != "").all()  # a quantifier ("most") may have none
    ids = set(figures.figure_id)
    restating = figures[figures.restates != ""]
    assert set(restating.restates) <= ids
    assert restating.restates.str.match(r"^t\d\.").all()
    used = set(figures.item_id) - {""}
    assert used <= set(items)
    # table figures carry ids of their table, text figures their section
    assert figures[figures.location_type == "table"].figure_id.str.match(r"^t[345]\.").all()
    assert figures[figures.location_type == "summary"].figure_id.str.startswith("summary.").all()
    assert 140 <= len(figures) <= 200


def test_table5_cells(figures):
    t5 = figures[figures.figure_id.str.startswith("t5.")]
    assert len(t5) == 85
    assert set(t5.category) <= T5_CATEGORIES
    assert (t5.figure_id == "t5." + t5.item_id + "." + t5.category).all()
    assert (t5.unit == "percent").all() and (t5.base == "").all()
    assert set(t5.item_id) == set(ITEM_IDS)
    not_relevant = sorted(t5[t5.category == "not_relevant"].item_id)
    assert not_relevant == ["C1", "D1", "D2", "F1", "F2", "F3", "F4"]


def test_restating_text_matches_its_cell(figures):
    by_id = figures.set_index("figure_id")
    for r in figures[figures.restates != ""].itertuples():
        cell = by_id.loc[r.restates]
        assert r.item_id == cell.item_id and r.category == cell.category, r.figure_id


def test_excerpts_structure(excerpts):
    assert list(excerpts.columns) == EXCERPT_COLUMNS
    assert excerpts.excerpt_id.is_unique
    assert list(excerpts.excerpt_id) == [f"L-{k:03d}" for k in range(1, len(excerpts) + 1)]
    assert set(excerpts.source) <= SOURCES
    assert (excerpts.text.str.len() > 0).all()
    assert not excerpts.text.str.startswith(('"', "“")).any()
    assert (excerpts.timepoint == "").all()
    assert set(excerpts.section) == {
        "Experiences of trauma informed awareness training",
        "Implementation in practice",
        "Systemic and culture change",
        "Building relationships with clients and service users",
    }
    raw = (STUDY / "raw" / "excerpts.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw


# --------------------------------------------------------------------------- hand-checked values


@pytest.mark.parametrize(
    "figure_id, value",
    [
        ("t5.C1.neutral", 28),
        ("t5.C1.agree", 48),
        ("t5.A1.0-5", 17),
        ("t5.A2.0-5", 26),  # printed "26.%"
        ("t5.B3.disagree", 2),  # printed "= 2."
        ("t5.B1.agree", 85),
        ("t5.D2.disagree", 78),
        ("t5.D5.agree", 55),
        ("t5.D6.neutral", 23),
        ("t5.E3.agree", 98),
        ("t5.F1.neutral", 2),
        ("t5.F2.not_relevant", 25),
        ("t5.F4.agree", 82),
        ("t4.sector.health_nhs", 12),
        ("t4.sector.voluntary_charity", 9),
        ("t4.sector.social_care", 8),
        ("t4.tenure.1_2", 11),
        ("t4.tenure.over_15", 8),
        ("t3.early_help.participants", 3),
        ("t3.managers_training.participants", 3),
        ("qual.5", 10),
        ("results.1", 48),
        ("results.2", 6),
        ("results.3", 2),
        ("results.8", 2.8),
        ("results.5", 25),
        ("results.7", 18),
        ("methods.3", 3000),
        ("discussion.4", 42),
        ("summary.10", 95),
        ("results.29", 7),
        ("results.24", 50),
    ],
)
def test_hand_checked_value(fig, figure_id, value):
    assert fig[figure_id] == pytest.approx(value)


def test_table4_sums(figures, fig):
    sector = [v for k, v in fig.items() if k.startswith("t4.sector.")]
    tenure = [v for k, v in fig.items() if k.startswith("t4.tenure.")]
    assert len(sector) == 10 and len(tenure) == 6
    assert sum(tenure) == 42  # matches the 42 complete questionnaires
    assert sum(sector) == 41  # as printed: one respondent short of 42


def test_table3_sums(fig):
    sector = [
        v
        for k, v in fig.items()
        if k.startswith("t3.")
        and k.split(".")[1] in {"youth_work", "early_help", "community_development", "social_care", "family_support"}
    ]
    period = [fig[f"t3.{p}.participants"] for p in ("jan_2024", "december_2023", "year_2021", "unknown_period")]
    assert sum(sector) == 10 and sum(period) == 10


def test_table5_row_sums(fig):
    sums = {}
    for item in ITEM_IDS:
        sums[item] = sum(v for k, v in fig.items() if k.startswith(f"t5.{item}."))
    assert {i: s for i, s in sums.items() if s != 100} == {"C1": 102}


def test_text_table_disagreements_are_kept(figures, fig):
    by_id = figures.set_index("figure_id")
    # text says 95%, Table 5 says 98% for E3 (summary and results) and B2/B3
    for fid in ("summary.10", "results.10", "results.11", "results.15", "results.22"):
        assert fig[fid] == 95 and fig[by_id.loc[fid, "restates"]] == 98
        assert by_id.loc[fid, "note"]
    assert by_id.loc["results.29", "restates"] == "t5.F1.neutral"
    assert by_id.loc["results.14", "restates"] == "t5.E2.disagree"
    assert by_id.loc["results.9", "restates"] == "t4.tenure.over_15"


def test_counts_by_location_type(figures):
    assert figures.location_type.value_counts().to_dict() == {"table": 114, "text": 65, "summary": 11}


def test_excerpt_counts_and_repeats(excerpts):
    assert len(excerpts) == 20
    assert excerpts.speaker.value_counts()["Early Help 3"] == 4
    same = excerpts[excerpts.text.str.contains("more often than not 99% of the time")]
    assert sorted(same.speaker) == ["Early Help 2", "Youth Work 1"]
    assert excerpts.set_index("excerpt_id").loc["L-016", "text"].endswith("they need to be more trauma-informed")


def test_csv_is_parseable_with_csv_module():
    with open(STUDY / "published" / "figures.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert all(len(r) == len(FIGURE_COLUMNS) for r in rows)
