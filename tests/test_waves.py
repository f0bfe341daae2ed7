"""Waves in cleaning (tieval.survey.clean): per-wave exports, the ``wave`` column, the linkage table.

The fixture is written by the tests themselves (:func:`_study`): a two-wave study whose exports are
one-header-row form CSVs with an embedded participant code (``Code``), as an online form tool
exports them when the code is asked as a question.  Baseline: five records - r1 (code AB1), r2
(CD2), r3 (blank code), r4 (code EF3, no item answered), r5 (IJ5).  Follow-up: f1 (ab1, typed in
lower case), f2 (GH4), f3 (CD2 with surrounding spaces).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from tieval import schema
from tieval.config import load_study
from tieval.errors import ConfigError, InputError
from tieval.integrity import write_manifest
from tieval.report import overview
from tieval.steps import clean as clean_step
from tieval.survey import clean, data
from tieval.survey.data import load_linkage, load_respondents, waves

STUDY_YML = """\
id: two-waves
report: {{title: "Two waves fixture"}}
design:
  flow:
    - {{id: responses, label: "Baseline responses", n: 4, wave: baseline}}
    - {{id: responses, label: "Follow-up responses", n: 3, wave: followup, parent: ""}}
    - {{id: linked, label: "Linked", n: 2}}
  waves:
    - {{id: baseline, label: "Baseline", timing: "before training", survey: {{file: raw/baseline.csv}}}}
    - {{id: followup, label: "Follow-up", timing: "3 months after", survey: {{file: raw/followup.csv}}}}
instrument:
  scales:
    agree:
      type: ordinal
      levels:
        - {{code: 1, label: "Disagree"}}
        - {{code: 2, label: "Neutral"}}
        - {{code: 3, label: "Agree"}}
    words: {{type: text}}
  items:
    - {{id: Q1, text: "First", scale: agree}}
    - {{id: Q2, text: "Second", scale: agree}}
  free_text:
    - {{id: comment, text: "Comments?", column: Comment}}
survey:
  format: form
  id_column: ResponseId
  link_key: {link_key}
"""

BASELINE = """\
ResponseId,Code,Q1,Q2,Comment
r1,AB1,Agree,Neutral,Good course
r2,CD2,Disagree,,
r3,,Agree,Agree,no code given
r4,EF3,,,
r5,IJ5,Neutral,Agree,
"""

FOLLOWUP = """\
ResponseId,Code,Q1,Q2,Comment
f1,ab1,Agree,Agree,Still useful
f2,GH4,Neutral,Neutral,
f3, CD2 ,Agree,Disagree,
"""


def _study(root: Path, *, link_key="Code", yml=None, baseline=BASELINE, followup=FOLLOWUP) -> Path:
    folder = root / "data" / "two-waves"
    (folder / "raw").mkdir(parents=True)
    (folder / "study.yml").write_text(yml or STUDY_YML.format(link_key=link_key), encoding="utf-8")
    (folder / "raw" / "baseline.csv").write_text(baseline, encoding="utf-8")
    if followup is not None:
        (folder / "raw" / "followup.csv").write_text(followup, encoding="utf-8")
    write_manifest(folder / "raw")
    return folder


def _processed(root: Path, name: str) -> pd.DataFrame:
    """A processed table as its CSV copy reads (every cell text), read with the data module."""
    return data.as_text(pd.read_parquet(data.table_path("two-waves", name, root)), name)


def _pid(original: str) -> str:
    return "R" + hashlib.sha256(f"two-waves:{original}".encode()).hexdigest()[:10]


@pytest.fixture()
def cleaned(tmp_path):
    _study(tmp_path)
    return clean.clean_study("two-waves", root=tmp_path), tmp_path


def test_processed_tables_carry_the_wave_right_after_the_study(cleaned):
    result, root = cleaned
    resp = _processed(root, "respondents")
    assert list(resp.columns)[:3] == ["study", "wave", "respondent_id"]
    # waves in time order; within a wave, by pseudonymous id
    assert resp["wave"].tolist() == ["baseline"] * 5 + ["followup"] * 3
    base = resp[resp["wave"] == "baseline"]
    assert base["respondent_id"].tolist() == sorted(_pid(r) for r in ["r1", "r2", "r3", "r4", "r5"])
    by_id = resp.set_index(["wave", "respondent_id"])
    assert by_id.loc[("baseline", _pid("r3")), "exclusion_reason"] == "no_link_key"
    assert by_id.loc[("baseline", _pid("r4")), "exclusion_reason"] == "no_items_answered"
    assert by_id.loc[("followup", _pid("f1")), "status"] == "complete"
    responses = _processed(root, "responses")
    assert list(responses.columns) == schema.RESPONSES
    f3 = responses[(responses["wave"] == "followup") & (responses["respondent_id"] == _pid("f3"))]
    assert f3[["item_id", "label"]].values.tolist() == [["Q1", "Agree"], ["Q2", "Disagree"]]
    assert len(responses) == 2 * (3 + 3)  # r1, r2, r5 and f1-f3, two items each
    free = _processed(root, "free_text")
    assert free[["wave", "text"]].values.tolist() == [["baseline", "Good course"], ["followup", "Still useful"]]


def test_linkage_pairs_by_the_key_with_counted_pseudonyms(cleaned):
    result, root = cleaned
    raw = b"".join(p.read_bytes() for p in (root / "data/processed/two-waves").iterdir())
    for key in (b"AB1", b"ab1", b"CD2", b"cd2", b"IJ5", b"GH4"):
        assert key not in raw  # the key itself never reaches the processed data
    link = _processed(root, "linkage")
    assert list(link.columns) == ["person", "wave", "respondent_id"]
    person = {(w, r): p for p, w, r in link.itertuples(index=False)}
    # ab1 (case and spaces ignored) is AB1; CD2 with spaces is CD2
    assert person[("baseline", _pid("r1"))] == person[("followup", _pid("f1"))]
    assert person[("baseline", _pid("r2"))] == person[("followup", _pid("f3"))]
    assert ("baseline", _pid("r3")) not in person and ("baseline", _pid("r4")) not in person
    # pseudonyms in order of first appearance: baseline respondents by id, then follow-up's new people
    base_order = sorted(_pid(r) for r in ["r1", "r2", "r5"])
    assert [person[("baseline", r)] for r in base_order] == ["P0001", "P0002", "P0003"]
    assert person[("followup", _pid("f2"))] == "P0004"
    assert result.linkage.values.tolist() == link.values.tolist()


def test_exclusions_per_wave_and_linkage_stages(cleaned):
    result, root = cleaned
    flow = pd.read_csv(root / "outputs/two-waves/02_clean/exclusions.csv", dtype=str)
    n = dict(zip(flow["stage"], flow["n"].astype(int)))
    assert n["baseline.records"] == 5 and n["followup.records"] == 3
    assert n["baseline.excluded_no_link_key"] == 1 and n["baseline.excluded_no_items_answered"] == 1
    assert n["baseline.responses"] == 3 and n["followup.responses"] == 3
    assert n["followup.excluded_no_link_key"] == 0
    assert n["linkage.persons"] == 4
    assert n["linkage.linked"] == 2
    assert n["linkage.baseline_only"] == 1 and n["linkage.followup_only"] == 1
    assert n["linkage.followup_nonresponse"] == 1  # IJ5: a person with no follow-up response
    assert not any(s.startswith("linkage.") and "partial" in s for s in n)  # non-response is not skipped items
    reason = dict(zip(flow["stage"], flow["reason"]))
    assert reason["followup.records"].startswith("Follow-up: ")
    summary = clean.linkage_summary(result.linkage, [("baseline", "Baseline"), ("followup", "Follow-up")])
    assert summary.values.tolist() == [
        ["Baseline", 3, 2, 1],
        ["Follow-up", 3, 2, 1],
        ["people (distinct link keys)", 4, 2, 2],
    ]


def test_flow_stages_of_a_wave_compare_with_that_wave(cleaned):
    result, _ = cleaned
    table = clean.compare_flow(result.study, result.tables.exclusions)
    assert table[["cleaned_stage", "cleaned_n", "check"]].values.tolist() == [
        ["baseline.responses", 3, "differs"],
        ["followup.responses", 3, "matches"],
        ["linkage.linked", 2, "matches"],
    ]


def test_data_helpers_read_waves_and_linkage(cleaned, monkeypatch):
    result, root = cleaned
    monkeypatch.setenv("TIEVAL_ROOT", str(root))
    study = load_study("two-waves", root)
    assert [(w.id, w.label) for w in waves(study)] == [("baseline", "Baseline"), ("followup", "Follow-up")]
    assert load_linkage(study)["person"].tolist() == result.linkage["person"].tolist()
    assert load_respondents(study)["wave"].tolist()[-1] == "followup"


def test_a_study_without_waves_is_the_single_wave(tmp_path):
    study = load_study(Path(__file__).parent / "fixtures" / "studies" / "mini-nomad", check_files=False)
    assert [w.id for w in waves(study)] == [schema.SINGLE_WAVE] == ["survey"]
    assert load_linkage(study).columns.tolist() == schema.LINKAGE and len(load_linkage(study)) == 0


def test_several_files_of_a_wave_are_read_as_one(tmp_path):
    yml = STUDY_YML.format(link_key="Code").replace(
        "survey: {file: raw/followup.csv}", "survey: {files: [raw/followup.csv, raw/followup2.csv]}"
    )
    folder = _study(tmp_path, yml=yml)
    (folder / "raw" / "followup2.csv").write_text("ResponseId,Code,Q1,Q2,Comment\nf9,IJ5,Agree,Agree,\n", "utf-8")
    write_manifest(folder / "raw")
    result = clean.clean_study("two-waves", root=tmp_path)
    follow = result.tables.respondents[result.tables.respondents["wave"] == "followup"]
    assert follow["respondent_id"].tolist() == sorted(_pid(r) for r in ["f1", "f2", "f3", "f9"])
    n = dict(zip(result.tables.exclusions["stage"], result.tables.exclusions["n"]))
    assert n["followup.records"] == 4 and n["linkage.linked"] == 3 and n["linkage.followup_nonresponse"] == 0


def test_a_key_twice_in_a_wave_is_a_one_line_error(tmp_path):
    _study(tmp_path, followup=FOLLOWUP + "f4,GH4,Agree,Agree,\n")
    with pytest.raises(InputError) as err:
        clean.prepare_study("two-waves", root=tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert "followup.csv" in message and "row 5" in message and "column Code" in message
    assert "also on row 3" in message


def test_an_unknown_link_key_column_is_a_one_line_error(tmp_path):
    _study(tmp_path, link_key="ParticipantCode")
    with pytest.raises(InputError) as err:
        clean.prepare_study("two-waves", root=tmp_path)
    message = str(err.value)
    assert "\n" not in message and "baseline.csv" in message and "ParticipantCode" in message
    assert "link key" in message


def test_a_duplicate_wave_id_is_a_one_line_error(tmp_path):
    yml = STUDY_YML.format(link_key="Code").replace("- {id: followup,", "- {id: baseline,")
    _study(tmp_path, yml=yml)
    with pytest.raises(ConfigError) as err:
        load_study("two-waves", tmp_path)
    message = str(err.value)
    assert "\n" not in message and "design.waves[1].id" in message and "used once" in message


def test_a_missing_wave_file_is_a_one_line_error(tmp_path):
    _study(tmp_path, followup=None)
    with pytest.raises(ConfigError) as err:
        load_study("two-waves", tmp_path)
    message = str(err.value)
    assert "\n" not in message and "design.waves[1].survey.file" in message and "raw/followup.csv" in message


def test_a_flow_stage_of_an_unknown_wave_is_a_one_line_error(tmp_path):
    yml = STUDY_YML.format(link_key="Code").replace("wave: followup, parent", "wave: later, parent")
    _study(tmp_path, yml=yml)
    with pytest.raises(ConfigError) as err:
        load_study("two-waves", tmp_path)
    assert "design.flow[1].wave" in str(err.value) and "baseline, followup" in str(err.value)


def test_the_cleaning_appendix_shows_each_wave_and_the_linkage(tmp_path, monkeypatch):
    _study(tmp_path)
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    result = clean_step.run(load_study("two-waves", tmp_path))
    captions = [b.caption for b in result.flow if hasattr(b, "caption")]
    assert captions[:4] == [
        "Exclusions and participant flow: Baseline",
        "Exclusions and participant flow: Follow-up",
        "Linkage of the waves (analysed responses paired by the link key)",
        "Linkage stages, including non-response at follow-up",
    ]
    baseline = result.flow[0].frame.set_index("stage")["n"]
    assert baseline["records"] == 5 and baseline["excluded_no_link_key"] == 1
    assert [b.caption for b in result.export if hasattr(b, "caption")][::2] == [
        "The survey export as read: Baseline",
        "The survey export as read: Follow-up",
    ]
    roles = result.export[1].frame.set_index("column")["role"]
    assert roles["Code"].startswith("link key")


def test_the_reported_flow_carries_each_stage_s_wave(tmp_path):
    _study(tmp_path)
    flow = overview.flow_table(load_study("two-waves", tmp_path))
    assert flow.values.tolist() == [
        ["baseline.responses", "Baseline responses", 4, False, "", "baseline"],
        ["followup.responses", "Follow-up responses", 3, False, "", "followup"],
        ["linked", "Linked", 2, False, "followup.responses", ""],
    ]


def test_the_cleaned_flow_gives_per_wave_stages_and_attrition(cleaned):
    result, _ = cleaned
    stages = overview.cleaned_flow_stages(result.tables.exclusions, result.study)
    assert stages[["stage", "n", "parent", "wave"]].values.tolist() == [
        ["baseline.records", 5, "", "baseline"],
        ["baseline.received", 5, "baseline.records", "baseline"],
        ["baseline.responses", 3, "baseline.received", "baseline"],
        ["followup.records", 3, "", "followup"],
        ["followup.received", 3, "followup.records", "followup"],
        ["followup.responses", 3, "followup.received", "followup"],
        ["linkage.followup_nonresponse", 1, "baseline.responses", "followup"],
        ["linkage.followup_only", 1, "followup.responses", "followup"],
        ["linkage.linked", 2, "baseline.responses, followup.responses", ""],
    ]
    # two waves: "baseline only" and follow-up non-response are the same people, one box
    assert stages.set_index("stage").loc["linkage.followup_nonresponse", "label"] == (
        "Baseline only: no Follow-up response (non-response)"
    )
    layout = overview.flow_layout(stages)
    assert overview.boxes_overlap(layout) == []
    linked = next(b for b in layout["boxes"] if b["id"] == "linkage.linked")
    assert linked["parents"] == ["baseline.responses", "followup.responses"]


def test_a_linkage_row_of_an_unknown_wave_is_a_one_line_error(cleaned, monkeypatch):
    _, root = cleaned
    monkeypatch.setenv("TIEVAL_ROOT", str(root))
    link = _processed(root, "linkage")
    link.loc[3, "wave"] = "later"
    data.write_tables("two-waves", {"linkage": link}, root)
    with pytest.raises(InputError) as err:
        load_linkage(load_study("two-waves", root))
    message = str(err.value)
    assert "\n" not in message and "linkage.parquet" in message and "row 5" in message and "later" in message
