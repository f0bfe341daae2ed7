"""``python -m tieval init``: drafts from a .qsf, a .sav and an export (fixtures: tests/fixtures/init/README.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tieval import config
from tieval.__main__ import main
from tieval.config import load_study
from tieval.errors import InputError
from tieval.integrity import read_manifest
from tieval.survey.clean import validate_file
from tieval.survey.exports.qsf import read_qsf
from tieval.tools.init import CHECK_SEEN, MULTI_SELECT_READY, draft_study, init_study, read_raw_table

FIX = Path(__file__).parent / "fixtures" / "init"
QSF = FIX / "wellbeing.qsf"
NUMERIC = FIX / "wellbeing_numeric.csv"
TEXT = FIX / "wellbeing_text.csv"
SAV = FIX / "staff.sav"


def _levels(scale: dict) -> list[tuple]:
    return [(lv["code"], lv["label"], lv.get("category", lv["label"]), lv.get("recode")) for lv in scale["levels"]]


def _line(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


# --------------------------------------------------------------------------- .qsf
def test_qsf_reader_orders_questions_by_block_and_skips_the_trash():
    survey = read_qsf(QSF)
    assert survey.name == "Staff wellbeing pilot 2024"
    assert [q.qid for q in survey.questions] == ["QID1", "QID2", "QID6", "QID4", "QID3", "QID5", "QID7"]
    assert survey.trashed == ("QID8",)
    assert survey.embedded == ("pcode", "Cohort")
    matrix = survey.questions[1]
    assert [(a.id, a.text, a.recode) for a in matrix.answers][:4] == [
        ("1", "Strongly disagree", 1),
        ("2", "Disagree", 2),
        ("6", "Somewhat disagree", 6),
        ("3", "Neither agree nor disagree", 3),
    ]
    assert matrix.choices[0].text == "I understand what the programme is for"  # HTML tags dropped
    assert matrix.choices[3].text == "I feel supported by my manager & team"  # entity decoded


def test_qsf_draft_scales_codes_labels_order_and_recodes():
    text = draft_study(QSF, "wellbeing")
    doc = yaml.safe_load(text)
    scales = doc["instrument"]["scales"]
    assert _levels(scales["agree7"]) == [
        (1, "Strongly disagree", "disagree", 1),
        (2, "Disagree", "disagree", 2),
        (3, "Somewhat disagree", "disagree", 6),
        (4, "Neither agree nor disagree", "neutral", 3),
        (5, "Somewhat agree", "agree", 7),
        (6, "Agree", "agree", 5),
        (7, "Strongly agree", "agree", 4),
    ]
    assert scales["agree7"]["not_relevant"] == [{"label": "Not relevant to my role", "recode": 8}]
    assert "# check: category guessed from the wording" in _line(text, '"Somewhat disagree", category: disagree')
    assert "# check: taken as off the scale" in _line(text, "Not relevant to my role")
    # recodes that rise with the display order are the codes themselves
    assert _levels(scales["q3"]) == [
        (1, "Health (NHS)", "Health (NHS)", 1),
        (2, "Local authority", "Local authority", 2),
        (3, "Voluntary sector", "Voluntary sector", 3),
        (9, "Other", "Other", 9),
    ]
    assert scales["q3"]["aliases"] == {"Voluntary or community sector": 3}  # VariableNaming: exports write the name
    assert scales["q3"]["type"] == "categorical"
    assert scales["range_0_10"] == {
        "type": "numeric",
        "min": 0,
        "max": 10,
        "anchors": {0: "Still feels very new", 10: "Feels completely familiar"},
        "bins": [{"label": "0-5", "min": 0, "max": 5}, {"label": "6-10", "min": 6, "max": 10}],
    }


def test_qsf_draft_items_columns_text_and_identifying_columns():
    doc = yaml.safe_load(draft_study(QSF, "wellbeing"))
    ins = doc["instrument"]
    assert [(i["id"], i["column"], i["scale"]) for i in ins["items"]] == [
        ("Q2_1", "Q2_1", "agree7"),
        ("Q2_2", "Q2_2", "agree7"),
        ("Q2_3", "Q2_3", "agree7"),
        ("Q2_4", "Q2_4", "agree7"),
        ("Q6_1", "Q6_1", "range_0_10"),
    ] + ([("Q4", "Q4", "q4_options")] if MULTI_SELECT_READY and "multi_select" in config.SCALE_TYPES else [])
    assert ins["items"][1]["text"] == "The training changed how I work with families"
    assert ins["items"][4]["text"] == "How familiar does the new way of working feel?"
    assert ins["demographics"] == [{"id": "Q3", "text": "Which sector do you work in?", "scale": "q3", "column": "Q3"}]
    assert [(f["id"], f["column"]) for f in ins["free_text"]] == [("Q3_4_TEXT", "Q3_4_TEXT"), ("Q5", "Q5")]
    ident = doc["survey"]["identifying_columns"]
    assert ident[0] == "IPAddress" and "LocationLongitude" in ident
    assert ident[-2:] == ["Q7", "pcode"]  # the e-mail question and the embedded participant code
    assert doc["survey"] == {
        **doc["survey"],
        "format": "qualtrics",
        "id_column": "ResponseId",
        "file": "raw/survey.csv",
    }
    text = draft_study(QSF, "wellbeing")
    assert "Q1 (QID1): descriptive text" in text and "QID8: in the survey's trash" in text
    assert "Q8" not in [i["column"] for i in ins["items"] + ins["free_text"]]


def test_qsf_multi_select_drafted_as_a_multi_select_scale():
    doc = yaml.safe_load(draft_study(QSF, "wellbeing", multi_select=True))
    scale = doc["instrument"]["scales"]["q4_options"]
    assert scale["type"] == "multi_select" and scale["layout"] == "split"
    assert scale["options"] == [
        {"label": "Workshop", "code": 1, "column": "Q4_1"},
        {"label": "Online module", "code": 2, "column": "Q4_2"},
        {"label": "Reflective supervision", "code": 3, "column": "Q4_3"},
        {"label": "None of these", "code": 4, "column": "Q4_4"},
    ]
    assert doc["instrument"]["items"][-1] == {
        "id": "Q4",
        "text": "Which parts of the programme did you attend? (Select all that apply)",
        "scale": "q4_options",
        "column": "Q4",
    }
    commented = draft_study(QSF, "wellbeing", multi_select=False)
    assert "q4_options" not in yaml.safe_load(commented)["instrument"]["scales"]
    assert "#     - {label: Workshop, code: 1, column: Q4_1}" in commented


def test_qsf_draft_loads_without_an_export(tmp_path):
    path = init_study(QSF, "wellbeing", root=tmp_path)
    study = load_study(path.parent, check_files=False)
    assert study.scale_of("Q2_2").recode_lookup()[6.0] == (3, "Somewhat disagree", "disagree")
    assert not (path.parent / "raw").exists()
    with pytest.raises(InputError, match="never overwrites"):
        init_study(QSF, "wellbeing", root=tmp_path)


def _answers(validation, item: str) -> dict[str, tuple]:
    decoded = validation.items.get(item) or validation.demographics[item]
    ids = list(validation.ids)
    labels, codes, cats = (decoded.per_record(a) for a in (decoded.label, decoded.code, decoded.category))
    return {rid: (labels[i], None if codes[i] != codes[i] else codes[i], cats[i]) for i, rid in enumerate(ids)}


def test_qsf_draft_with_numeric_export_validates_through_the_recode_values(tmp_path):
    path = init_study(QSF, "wellbeing", NUMERIC, root=tmp_path)
    raw = path.parent / "raw"
    assert (raw / NUMERIC.name).read_bytes() == NUMERIC.read_bytes()
    assert list(read_manifest(raw)) == [NUMERIC.name]
    assert (path.parent / "published" / "figures.csv").read_text().startswith("figure_id,location,")
    study = load_study(path.parent)
    assert study.flow == [{"id": "responded", "label": "Responses received", "n": 5, "stage": "records"}]
    v = validate_file(study.path("survey"), study)
    assert v.counts()["responses"] == 4 and v.counts()["excluded_survey_preview"] == 1
    assert v.counts()["complete"] == 3 and v.counts()["partial"] == 1
    q2_2 = _answers(v, "Q2_2")
    assert q2_2["R_1fixtureAAAA"] == ("Somewhat disagree", 3.0, "disagree")  # recode 6
    assert q2_2["R_2fixtureBBBB"] == ("Neither agree nor disagree", 4.0, "neutral")  # recode 3
    q2_1 = _answers(v, "Q2_1")
    assert q2_1["R_2fixtureBBBB"] == ("Agree", 6.0, "agree")  # recode 5, not "Strongly agree"
    assert q2_1["R_5fixtureEEEE"] == ("Somewhat agree", 5.0, "agree")  # recode 7
    assert _answers(v, "Q2_4")["R_2fixtureBBBB"] == ("Not relevant to my role", None, "not_relevant")
    assert _answers(v, "Q2_4")["R_1fixtureAAAA"] == ("Strongly agree", 7.0, "agree")  # recode 4
    assert _answers(v, "Q3")["R_2fixtureBBBB"][0] == "Other"  # recode 9
    assert _answers(v, "Q6_1")["R_5fixtureEEEE"][1] == 10.0
    assert {"Q7", "pcode", "IPAddress"} <= set(v.export.identifying_dropped)


def test_qsf_draft_with_text_export_validates_the_same_answers(tmp_path):
    path = init_study(QSF, "wellbeing", TEXT, root=tmp_path)
    study = load_study(path.parent)
    v = validate_file(study.path("survey"), study)
    assert _answers(v, "Q2_2")["R_1fixtureAAAA"] == ("Somewhat disagree", 3.0, "disagree")
    assert _answers(v, "Q3")["R_5fixtureEEEE"][0] == "Voluntary sector"


def test_export_columns_follow_the_importid_row(tmp_path):
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(NUMERIC.read_text(encoding="utf-8-sig").replace("Q2_3,", "agree_disrupts,", 1), encoding="utf-8")
    doc = yaml.safe_load(draft_study(QSF, "wellbeing", renamed))
    assert doc["instrument"]["items"][2]["column"] == "agree_disrupts"  # QID2_3 in the ImportId row
    assert doc["survey"]["file"] == "raw/renamed.csv"


def test_cli_init_writes_study_and_copies_export(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    assert main(["init", "--from", str(QSF), "--id", "pilot", "--export", str(NUMERIC)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert (tmp_path / "data" / "pilot" / "raw" / NUMERIC.name).is_file()
    assert main(["init", "--from", str(QSF), "--id", "pilot"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "never overwrites" in err


# --------------------------------------------------------------------------- .sav
def test_sav_draft_value_labels_variable_labels_and_missing_codes():
    text = draft_study(SAV, "staff")
    doc = yaml.safe_load(text)
    scales = doc["instrument"]["scales"]
    assert _levels(scales["agree5"]) == [
        (1, "Strongly disagree", "disagree", 1),
        (2, "Disagree", "disagree", 2),
        (3, "Neither agree nor disagree", "neutral", 3),
        (4, "Agree", "agree", 4),
        (5, "Strongly agree", "agree", 5),
    ]
    assert scales["agree5"]["not_relevant"] == [{"label": "Not applicable", "recode": 9}]  # user-missing 9
    # codes 1-7 sorted put "Somewhat" (6, 7) last: the wording gives the order, the codes become recodes
    assert _levels(scales["agree7"])[2] == (3, "Somewhat disagree", "disagree", 6)
    assert _levels(scales["agree7"])[6] == (7, "Strongly agree", "agree", 5)
    assert "check: order taken from the wording" in text
    items = doc["instrument"]["items"]
    assert [(i["id"], i["scale"], i["text"]) for i in items][:5] == [
        ("Q1_1", "agree5", "I understand the aims"),
        ("Q1_2", "agree5", "I use it"),
        ("Q1_3", "agree5", "It fits my role"),
        ("Q2_1", "agree7", "My team talks about it"),
        ("Q2_2", "agree7", "I would recommend it"),
    ]
    assert doc["instrument"]["demographics"] == [
        {"id": "sector", "text": "Which sector do you work in?", "scale": "sector", "column": "sector"}
    ]
    assert doc["instrument"]["free_text"] == [{"id": "comments", "text": "Any other comments?", "column": "comments"}]
    assert doc["survey"]["identifying_columns"] == ["IPAddress", "email"]
    assert "age (Your age in years): a number without value labels" in text


def test_sav_draft_loads_and_validates_the_sav_when_ingest_reads_it(tmp_path):
    path = init_study(SAV, "staff", root=tmp_path)
    study = load_study(path.parent, check_files=False)
    assert study.scale_of("Q1_1").not_relevant == ("Not applicable",)
    assert (path.parent / "raw" / SAV.name).read_bytes() == SAV.read_bytes()  # the .sav is the export
    study = load_study(path.parent)
    v = validate_file(study.path("survey"), study)
    assert _answers(v, "Q2_1")["R_s1"][0] == "Somewhat disagree"


# --------------------------------------------------------------------------- an export alone
def test_export_draft_levels_in_first_seen_order_flagged():
    text = draft_study(TEXT, "from-export", multi_select=True)
    doc = yaml.safe_load(text)
    scale = doc["instrument"]["scales"]["agree7"]
    assert [lv["label"] for lv in scale["levels"]] == [
        "Strongly disagree",
        "Agree",
        "Neither agree nor disagree",
        "Strongly agree",
        "Somewhat agree",
        "Somewhat disagree",
        "Disagree",
    ]
    assert f"# {CHECK_SEEN}" in _line(text, "agree7:")
    assert scale["not_relevant"] == [{"label": "Not relevant to my role"}]
    items = doc["instrument"]["items"]
    assert [(i["id"], i["text"]) for i in items[1:3]] == [
        ("Q2_1", "I understand what the programme is for"),
        ("Q2_2", "The training changed how I work with families"),
    ]
    assert doc["instrument"]["scales"]["q4_options"]["options"][1] == {"label": "Online module", "column": "Q4_2"}
    assert [f["id"] for f in doc["instrument"]["free_text"]] == ["Q3_4_TEXT", "Q5"]
    assert doc["survey"]["identifying_columns"][-2:] == ["Q7", "pcode"]


def test_export_draft_validates_its_own_export(tmp_path):
    path = init_study(TEXT, "from-export", TEXT, root=tmp_path)
    study = load_study(path.parent)
    v = validate_file(study.path("survey"), study)
    assert _answers(v, "Q2_1")["R_2fixtureBBBB"][0] == "Agree"
    assert v.counts()["excluded_survey_preview"] == 1


def test_raw_table_reader_layouts():
    table = read_raw_table(NUMERIC)
    assert table.layout == "qualtrics" and table.names[8] == "ResponseId"
    assert table.import_ids[table.names.index("Q5")] == "QID5_TEXT"
    assert len(table.records) == 5 and table.records[1][table.names.index("Q3_4_TEXT")] == "Police"


# --------------------------------------------------------------------------- malformed inputs
@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("not_json.qsf", "not_json.qsf, row 2: expected a Qualtrics survey definition"),
        ("not_a_survey.qsf", "not_a_survey.qsf: expected a Qualtrics survey definition"),
        ("broken.sav", "broken.sav: expected an SPSS .sav file pyreadstat can read"),
        ("notes.txt", "notes.txt: expected a Qualtrics survey definition (.qsf), an SPSS file (.sav)"),
    ],
)
def test_malformed_inputs_give_one_line_errors(name, words, capsys, tmp_path, monkeypatch):
    with pytest.raises(InputError) as info:
        draft_study(FIX / name, "bad")
    message = str(info.value)
    assert words in message and "\n" not in message
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    assert main(["init", "--from", str(FIX / name), "--id", "bad"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and name in err
    assert not (tmp_path / "data" / "bad").exists()


# --------------------------------------------------------------------------- multi-select drafts
def _chosen(v, item: str) -> dict[str, list[bool]]:
    return dict(zip(v.ids, v.multi[item].chosen.tolist()))


def test_qsf_multi_select_draft_reads_the_numeric_export(tmp_path):
    assert MULTI_SELECT_READY
    path = init_study(QSF, "wellbeing", NUMERIC, root=tmp_path)
    study = load_study(path.parent)
    assert [it.id for it in study.multi_select] == ["Q4"]
    v = validate_file(study.path("survey"), study)
    assert v.export.multi_select_columns["Q4"] == ["Q4_1", "Q4_2", "Q4_3", "Q4_4"]
    chosen = _chosen(v, "Q4")
    assert chosen["R_1fixtureAAAA"] == [True, False, True, False]  # cells 1, blank, 1, blank
    assert chosen["R_3fixtureCCCC"] == [False, False, False, True]  # the exclusive "None of these"
    assert not v.multi["Q4"].answered[list(v.ids).index("R_4fixtureDDDD")]


def test_sav_multi_select_group_drafted_and_read(tmp_path):
    doc = yaml.safe_load(draft_study(SAV, "staff"))
    scale = doc["instrument"]["scales"]["q4_options"]
    assert scale["type"] == "multi_select" and scale["layout"] == "split"
    assert [(o["label"], o["column"]) for o in scale["options"]] == [
        ("Workshop", "Q4_1"),
        ("Online module", "Q4_2"),
        ("None of these", "Q4_3"),
    ]
    assert doc["instrument"]["items"][-1] == {
        "id": "Q4",
        "text": "Which parts did you attend?",
        "scale": "q4_options",
        "column": "Q4",
    }
    path = init_study(SAV, "staff", SAV, root=tmp_path)
    study = load_study(path.parent)
    v = validate_file(study.path("survey"), study)
    assert _chosen(v, "Q4") == {
        "R_s1": [True, True, False],
        "R_s2": [False, False, True],
        "R_s3": [True, False, False],
    }


@pytest.mark.parametrize(
    ("name", "separator"), [("microsoft_forms.xlsx", ";"), ("google_forms.csv", ",")], ids=["ms-forms", "google"]
)
def test_export_draft_joined_multi_select_reads_its_export(tmp_path, name, separator):
    export = FIX.parent / "exports" / name
    doc = yaml.safe_load(draft_study(export, "forms"))
    scales = [s for s in doc["instrument"]["scales"].values() if s["type"] == "multi_select"]
    assert len(scales) == 1 and scales[0]["layout"] == "joined" and scales[0]["separator"] == separator
    assert [o["label"] for o in scales[0]["options"]] == ["Safety", "Trauma"]
    path = init_study(export, "forms", export, root=tmp_path)
    study = load_study(path.parent)
    v = validate_file(study.path("survey"), study)
    (item,) = study.multi_select
    chosen = v.multi[item.id].chosen
    assert chosen.sum(axis=0).tolist() == [7, 4] and v.multi[item.id].answered.all()


# --------------------------------------------------------------------------- drafts build
def _project(tmp_path: Path) -> Path:
    """A project holding only drafted studies: this worktree's Makefile, notebooks and pyproject
    copied, ``src`` and ``.venv`` linked (mtimes kept, so make sees the set-up as done)."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    here = Path(__file__).resolve().parents[1]
    for name in ("Makefile", "pyproject.toml", "requirements.txt"):
        shutil.copy2(here / name, root / name)
    shutil.copytree(here / "notebooks", root / "notebooks")
    (root / "src").symlink_to(here / "src")
    (root / ".venv").symlink_to(here / ".venv")
    return root


@pytest.mark.slow
def test_qsf_and_sav_drafts_build_through_make(tmp_path):
    root = _project(tmp_path)
    init_study(QSF, "wellbeing", NUMERIC, root=root)
    init_study(SAV, "staff", SAV, root=root)
    proc = subprocess.run(
        ["make", "-o", ".venv/.installed", "study-wellbeing", "study-staff"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "TIEVAL_ROOT")},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for study, complete in (("wellbeing", 3), ("staff", 1)):
        out = root / "outputs" / study
        flow = pd.read_csv(out / "02_clean" / "exclusions.csv").set_index("stage")["n"]
        assert flow["complete"] == complete
        assert (out / "06_audit" / "audit.csv").is_file()
        multi = pd.read_csv(out / "03_tables" / "multi_select.csv")
        assert multi["item_id"].unique().tolist() == ["Q4"]
    staff = pd.read_csv(root / "outputs" / "staff" / "03_tables" / "multi_select.csv").set_index("label")
    assert staff.loc["Workshop", ["count", "base"]].tolist() == [2, 3]


# ------------------------------------------------------- .sav dictionaries seen in public test files
def _write_sav(path: Path, frame: pd.DataFrame, **kwargs) -> Path:
    import pyreadstat  # noqa: PLC0415 - the .sav writer, only for these fixtures

    pyreadstat.write_sav(frame, str(path), **kwargs)
    return path


def _init_with_export(sav: Path, sid: str, root: Path) -> Path:
    path = init_study(sav, sid, root=root)  # a .sav is copied into raw/ as the study's export
    assert (path.parent / "raw" / sav.name).read_bytes() == sav.read_bytes()
    return path


def test_sav_string_variable_with_value_labels_is_drafted_and_read(tmp_path):
    # pyreadstat's own test files label string codes ('a' = ...): the draft used to die on float('a')
    frame = pd.DataFrame(
        {"ResponseId": ["R1", "R2", "R3"], "team": ["a", "b", "a"], "Q1": [1.0, 2.0, 2.0]},
    )
    sav = _write_sav(
        tmp_path / "strings.sav",
        frame,
        column_labels=["Response id", "Your team", "The training helped me"],
        variable_value_labels={"team": {"a": "Adult services", "b": "Children's services"}, "Q1": {1: "No", 2: "Yes"}},
    )
    doc = yaml.safe_load(draft_study(sav, "strings"))
    scale = next(s for s in doc["instrument"]["scales"].values() if "Adult services" in str(s))
    assert [lv["label"] for lv in scale["levels"]] == ["Adult services", "Children's services"]
    assert all(lv.get("recode") is None for lv in scale["levels"])  # the .sav reader gives the labels
    path = _init_with_export(sav, "strings", tmp_path)
    study = load_study(path.parent)
    v = validate_file(study.path("survey"), study)
    assert [a[0] for a in _answers(v, "team").values()] == ["Adult services", "Children's services", "Adult services"]


def test_sav_variable_labelled_only_with_missing_codes_is_a_number(tmp_path):
    # a label only on its user-missing code (1 = "missing") gives no answer level: not a categorical scale
    frame = pd.DataFrame({"ResponseId": ["R1", "R2"], "Q1": [1.0, 2.0], "wellbeing": [3.0, 7.0]})
    sav = _write_sav(
        tmp_path / "missing_only.sav",
        frame,
        variable_value_labels={"Q1": {1: "Strongly disagree", 2: "Strongly agree"}, "wellbeing": {99: "refused"}},
        missing_ranges={"wellbeing": [99]},
    )
    text = draft_study(sav, "missing-only")
    doc = yaml.safe_load(text)
    assert all(s.get("levels") != [] for s in doc["instrument"]["scales"].values())
    assert "wellbeing (wellbeing): a number without value labels" in text


def test_sav_with_numbers_only_drafts_numeric_items_from_the_values(tmp_path):
    # a .sav whose dictionary has no value labels at all (a single unlabelled variable, a date) used to
    # stop with "found 'none'"; its numbers become numeric items over the range seen, flagged
    import datetime  # noqa: PLC0415

    frame = pd.DataFrame(
        {
            "ResponseId": ["R1", "R2", "R3"],
            "years": [33.0, 4.0, 15.0],
            "when": [datetime.date(2024, 1, d) for d in (1, 2, 3)],
        }
    )
    sav = _write_sav(tmp_path / "numbers.sav", frame, column_labels=["id", "Years in post", "Date"])
    text = draft_study(sav, "numbers")
    doc = yaml.safe_load(text)
    assert doc["instrument"]["items"] == [
        {"id": "years", "text": "Years in post", "scale": "years_range", "column": "years"}
    ]
    scale = doc["instrument"]["scales"]["years_range"]
    assert (scale["type"], scale["min"], scale["max"]) == ("numeric", 4, 33)
    assert "check: no value labels in the .sav" in _line(text, "years_range:")
    assert "when (Date): a date or time" in text
    study = load_study(_init_with_export(sav, "numbers", tmp_path).parent)
    v = validate_file(study.path("survey"), study)
    assert [a[0] for a in _answers(v, "years").values()] == ["33", "4", "15"]
