"""Hand-checked data record of `surrey-als` (ALS evaluation, year one 2023).

Structure of study.yml, published/figures.csv and raw/excerpts.csv, and
values read by hand from the report (seed 000_0969a9b350f22801.txt).
"""

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tieval.schema import EXCERPTS, PUBLISHED, PUBLISHED_OPTIONAL

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "data" / "surrey-als"

FIGURE_COLUMNS = PUBLISHED + PUBLISHED_OPTIONAL  # the data contract (tieval.schema), optional columns present
EXCERPT_COLUMNS = [c for c in EXCERPTS if c != "study"]  # raw/excerpts.csv has no study column
UNITS = {"count", "percent", "mean", "n", "context", "year", "quantifier"}
SOURCES = {"interview", "focus group", "interview or focus group", "questionnaire free text"}
TOP_KEYS = {"id", "reconstructed", "report", "design", "instrument", "survey", "inputs"}
QUESTIONNAIRE = "questionnaire free text"

TABLE1 = {
    "met_expectations": ("The action learning set met my expectations", 9),
    "style_right": ("The action learning set style was right for my issue", 8),
    "recommend": ("I would recommend action learning sets to colleagues", 10),
    "enough_sessions": ("There were enough sessions provided to make progress with my chosen issue", 8),
    "length_sufficient": ("The length of the action learning set sessions was sufficient", 9),
}
BENEFITS = ["reflect_resolve", "understand_others", "hearing_others", "relationships", "asking_questions"]
YES_NO = ["right_approach", "progress", "impact_examples"]


@pytest.fixture(scope="module")
def study():
    with open(STUDY / "study.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _read(path):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path} has a BOM"
    assert b"\r" not in raw, f"{path} has CR line endings"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def figures():
    return _read(STUDY / "published" / "figures.csv")


@pytest.fixture(scope="module")
def excerpts():
    return _read(STUDY / "raw" / "excerpts.csv")


@pytest.fixture(scope="module")
def value(figures):
    table = figures.set_index("figure_id")
    return lambda fid: float(table.loc[fid, "value"])


@pytest.fixture(scope="module")
def seed_text(study):
    name = study["report"]["source"]
    for candidate in [ROOT / "data" / "seeds" / name, ROOT.parent / "shared" / "seeds" / name]:
        if candidate.exists():
            return candidate.read_text(encoding="utf-8")
    pytest.skip(f"seed text {name} not available")


# ---------------------------------------------------------------- study.yml


def test_study_top_level(study):
    assert set(study) == TOP_KEYS
    assert study["id"] == STUDY.name
    assert study["reconstructed"] is True
    assert yaml.safe_load((STUDY / "reconstruction.yml").read_text(encoding="utf-8"))["seed"] == 20230630
    assert study["report"]["year"] == 2023
    assert study["report"]["source"] == "000_0969a9b350f22801.txt"
    assert study["report"]["title"] == (
        "Trauma-informed service: Action learning sets evaluation, end of year one 2023"
    )


def test_study_design(study):
    flow = {step["id"]: step["n"] for step in study["design"]["flow"]}
    assert flow == {"participants": 23, "questionnaire": 10, "interview_1m": 7, "interview_3m": 6}
    ns = [step["n"] for step in study["design"]["flow"]]
    assert ns == sorted(ns, reverse=True)
    sessions = {s["id"]: (s["timepoint"], s["n"]) for s in study["design"]["qualitative"]["sessions"]}
    assert sessions == {"interview_1m": ("1 month", 7), "interview_3m": ("3 month", 6)}
    themes = [t["id"] for t in study["design"]["qualitative"]["themes"]]
    assert themes == [
        "hearing_from_others",
        "different_approach",
        "right_approach",
        "personal_development",
        "moving_forward",
        "impact",
        "ti_language",
        "measurement",
        "barriers",
        "system_support",
        "suggestions",
    ]


def test_study_scales(study):
    scales = study["instrument"]["scales"]
    agreement = scales["agreement"]
    assert agreement["type"] == "ordinal"
    assert [lv["code"] for lv in agreement["levels"]] == [1, 2, 3, 4, 5]
    assert [lv["category"] for lv in agreement["levels"]] == ["disagree", "disagree", "neutral", "agree", "agree"]
    assert "not_relevant" not in agreement
    yes_no = {lv["code"]: (lv["label"], lv["category"]) for lv in scales["yes_no"]["levels"]}
    assert yes_no == {1: ("Yes", "yes"), 0: ("No", "no")}
    assert scales["suggestion_category"]["type"] == "categorical"
    assert len(scales["suggestion_category"]["levels"]) == 4


def test_study_items(study):
    items = {it["id"]: it for it in study["instrument"]["items"]}
    assert len(items) == len(study["instrument"]["items"])
    scales = study["instrument"]["scales"]
    for item in items.values():
        assert item["scale"] in scales
        assert item["wording_source"] in {"printed", "reconstructed"}
    for item_id, (wording, _) in TABLE1.items():
        assert items[item_id]["text"] == wording
        assert items[item_id]["wording_source"] == "printed"
        assert items[item_id]["group"] == "satisfaction"
    for item_id in BENEFITS:
        assert items[item_id]["scale"] == "agreement"
        assert items[item_id]["group"] == "benefits"
        assert items[item_id]["wording_source"] == "reconstructed"
    for item_id in YES_NO:
        assert items[item_id]["scale"] == "yes_no"
        assert items[item_id]["group"] == "progress"
    assert study["instrument"]["demographics"] == []


def test_study_free_text(study, excerpts):
    free = {q["id"]: q for q in study["instrument"]["free_text"]}
    assert free["what_surprised"]["text"] == "What did you learn that surprised you?"
    assert free["what_surprised"]["published_sections"] == ["A different approach to supporting others"]
    words = free["three_words"]["published_words"]
    assert len(words) == 15 and free["three_words"]["most_frequent"] == "hopeful"
    assert free["three_words"]["most_frequent"] in words
    questionnaire_sections = set(excerpts.loc[excerpts.source == QUESTIONNAIRE, "section"])
    mapped = [s for q in free.values() for s in q["published_sections"]]
    assert len(mapped) == len(set(mapped)), "a section is mapped to two questions"
    # every section holding questionnaire quotations is mapped to exactly one question
    assert set(mapped) == questionnaire_sections


def test_study_survey_and_inputs(study, excerpts):
    survey = study["survey"]
    assert survey["format"] == "form" and survey["id_column"] == "respondent_id"
    assert survey["identifying_columns"] == ["email", "name"]
    assert survey["redact_names"] == ["Nick", "Nicola"]
    assert excerpts["text"].str.contains(r"\bNick\b").sum() == 1
    assert study["inputs"] == {
        "excerpts": "raw/excerpts.csv",
        "codings": "raw/codings.csv",
        "codebook": "analysis/codebook.yml",
        "triangulation": "analysis/triangulation.yml",
        "published": "published/figures.csv",
        "participants": "raw/participants.csv",
        "codings_second_coder": "raw/codings_second_coder.csv",
    }


# ------------------------------------------------------- published/figures.csv


def test_figures_structure(figures, study):
    assert list(figures.columns) == FIGURE_COLUMNS
    assert figures.figure_id.is_unique
    assert figures.figure_id.str.fullmatch(r"t1\.[a-z_]+\.[a-z_]+|[a-z-]+\.\d+").all()
    assert set(figures.location_type) <= {"table", "text", "summary"}
    assert set(figures.unit) <= UNITS
    assert (figures.printed != "").all() and (figures.measure != "").all()
    values = pd.to_numeric(figures.value.replace("", None))
    assert values[figures.unit != "quantifier"].notna().all()  # a quantifier ("several") may have no value
    bases = pd.to_numeric(figures.base.replace("", None))
    has_base = bases.notna()
    assert (values[has_base] <= bases[has_base]).all()
    # restated figures resolve to a table cell; a quantifier claim restates the count it quantifies
    restates = figures.restates[(figures.restates != "") & (figures.unit != "quantifier")]
    assert restates.isin(figures.figure_id[figures.location_type == "table"]).all()
    claims = figures[figures.unit == "quantifier"]
    assert claims.restates[claims.restates != ""].isin(figures.figure_id).all()
    # item ids and categories exist in study.yml
    items = {it["id"]: it for it in study["instrument"]["items"]}
    scales = study["instrument"]["scales"]
    for _, row in figures[figures.item_id != ""].iterrows():
        assert row.item_id in items, row.figure_id
        scale = scales[items[row.item_id]["scale"]]
        allowed = {lv["category"] for lv in scale["levels"]} | {"no_answer"}
        if scale.get("not_relevant"):
            allowed.add("not_relevant")
        assert row.category in allowed, row.figure_id
        assert row.unit == "count" and row.base == "10", row.figure_id


def test_figures_table1(figures):
    t1 = figures[figures.location_type == "table"]
    assert len(t1) == 5 and (t1.location == "Table 1").all()
    for item_id, (wording, n) in TABLE1.items():
        row = t1.set_index("figure_id").loc[f"t1.{item_id}.agree"]
        assert (row.item_id, row.category, row.unit, row.base) == (item_id, "agree", "count", "10")
        assert int(row.value) == n
        assert row.printed == f"{wording} | {n}"


def test_figures_count(figures):
    assert 35 <= len(figures) <= 70
    assert len(figures) == 65  # 55 numbers and 10 quantifier claims (quant.1-10)
    assert figures.location_type.value_counts().to_dict() == {"text": 60, "table": 5}
    assert (figures.unit == "quantifier").sum() == 10


HAND_CHECKED = {
    "t1.recommend.agree": 10,
    "t1.met_expectations.agree": 9,
    "t1.style_right.agree": 8,
    "t1.enough_sessions.agree": 8,
    "t1.length_sufficient.agree": 9,
    "overview.2": 4,  # four groups
    "overview.5": 4,  # four sessions each
    "overview.6": 4,
    "overview.7": 7,  # group size four to seven
    "overview.8": 3,
    "overview.9": 1,
    "recruitment.1": 2022,
    "issues.2": 10,  # 10 third sector organisations
    "method.1": 5,  # 5point Likert scale
    "method.4": 30,  # 30-minute interviews
    "data.2": 23,
    "data.3": 10,
    "data.4": 7,
    "data.5": 7,
    "data.6": 6,
    "data.7": 1,
    "hearing.1": 10,
    "hearing.2": 10,
    "hearing.3": 9,
    "hearing.4": 9,
    "different-approach.1": 9,
    "right-approach.1": 8,
    "right-approach.2": 1,
    "right-approach.3": 1,
    "moving.1": 3,
    "moving.2": 8,
    "impact.1": 9,
    "barriers.2": 2,
    "barriers.3": 2,
    "barriers.4": 1,
    "barriers.5": 1,
    "suggestions.1": 4,
    "suggestions.2": 2,
    "suggestions.3": 1,
    "suggestions.4": 1,
    "suggestions.5": 2,
}


@pytest.mark.parametrize("figure_id,expected", sorted(HAND_CHECKED.items()))
def test_hand_checked_value(value, figure_id, expected):
    assert value(figure_id) == expected


def test_questionnaire_base_is_ten(figures, value):
    counts = figures[figures.item_id != ""]
    assert set(counts.base) == {"10"}
    assert value("data.3") == 10


def test_flow_matches_figures(study, value):
    flow = {step["id"]: step["n"] for step in study["design"]["flow"]}
    assert flow["participants"] == value("data.2")
    assert flow["questionnaire"] == value("data.3")
    assert flow["interview_1m"] == value("data.5")
    assert flow["interview_3m"] == value("data.6") == value("data.4") - value("data.7")


def test_right_approach_sums_to_base(figures):
    rows = figures[figures.item_id == "right_approach"]
    assert pd.to_numeric(rows.value).sum() == 10
    assert set(rows.category) == {"yes", "not_relevant", "no_answer"}


def test_suggestions_sum_to_base(figures):
    rows = figures[figures.item_id == "improvement_category"]
    assert len(rows) == 5
    assert pd.to_numeric(rows.value).sum() == 10


def test_figures_printed_in_report(figures, seed_text):
    text = seed_text.replace("\\*", "*")
    text = "\n".join(re.sub(r"\s*\|\s*", " | ", line) for line in text.split("\n"))
    text = re.sub(r"[ \t]+", " ", text)
    positions = [text.find(p) for p in figures.printed]
    missing = [fid for fid, pos in zip(figures.figure_id, positions) if pos < 0]
    assert not missing
    assert positions == sorted(positions), "figures are not in reading order"


# ---------------------------------------------------------- raw/excerpts.csv


def test_excerpts_structure(excerpts):
    assert list(excerpts.columns) == EXCERPT_COLUMNS
    assert list(excerpts.excerpt_id) == [f"S-{k:03d}" for k in range(1, len(excerpts) + 1)]
    assert set(excerpts.source) <= SOURCES
    assert (excerpts.text.str.strip() == excerpts.text).all()
    assert not excerpts.text.str[0].isin(['"', "“", "”"]).any()
    assert not excerpts.text.str[-1].isin(['"', "“", "”"]).any()
    assert (excerpts.section != "").all()


def test_excerpt_attribution(excerpts):
    questionnaire = excerpts[excerpts.source == QUESTIONNAIRE]
    assert (questionnaire[["speaker", "timepoint", "attribution"]] == "").all().all()
    interview = excerpts[excerpts.source == "interview"]
    assert interview.speaker.str.fullmatch(r"Participant [1-7]").all()
    assert set(interview.timepoint) == {"1 month", "3 month"}
    bracketed = interview[interview.attribution.str.startswith("[")]
    expected = "[" + bracketed.speaker + ", " + bracketed.timepoint + " interview]"
    assert (bracketed.attribution == expected).all()
    # speakers at 3 months: six participants, none of them Participant 7 (who withdrew)
    three = set(interview.speaker[interview.timepoint == "3 month"])
    assert "Participant 7" not in three


def test_excerpt_counts(excerpts):
    assert len(excerpts) == 53
    assert excerpts.source.value_counts().to_dict() == {"interview": 30, QUESTIONNAIRE: 23}
    by_section = excerpts[excerpts.source == QUESTIONNAIRE].section.value_counts().to_dict()
    assert by_section == {
        "Satisfaction": 2,
        "A different approach to supporting others": 4,
        "The right approach": 4,
        "Personal development": 1,
        "Moving forward with a trauma-informed issue": 5,
        "Impact of progressing a trauma-informed issue": 5,
        "Suggestions for improvement of action learning sets": 2,
    }


def test_right_approach_attribution(excerpts):
    section = excerpts[excerpts.section == "The right approach"].reset_index(drop=True)
    assert list(section.source[:4]) == [QUESTIONNAIRE] * 4
    assert section.loc[4, "speaker"] == "Participant 7"
    assert section.loc[4, "text"].startswith("Space for reflection")
    assert (section.source[4:] == "interview").all()


def test_case_a_phrase(excerpts):
    row = excerpts.set_index("excerpt_id").loc["S-032"]
    assert row.section == "Case A"
    assert row.text == "we haven’t reverted back to old ways of working"
    assert (row.speaker, row.timepoint) == ("Participant 1", "3 month")


def test_excerpts_verbatim(excerpts, seed_text):
    for _, row in excerpts.iterrows():
        assert row.text in seed_text, row.excerpt_id
        if row.attribution:
            assert row.attribution in seed_text, row.excerpt_id
