"""Triangulation: findings validated against codebook, excerpts and items; statistics computed from
responses (not typed); silence detected; joint display, convergence matrix and recommendation links."""

import re
import shutil
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import yaml

matplotlib.use("Agg")

from tieval.config import load_study  # noqa: E402
from tieval.errors import ConfigError, InputError  # noqa: E402
from tieval.mixed import convergence as tconv
from tieval.mixed import findings as fd
from tieval.mixed import joint_display as tjoint
from tieval.mixed import recommendations as rc
from tieval.mixed import silence as tsil
from tieval.mixed import statistics as tstat
from tieval.qual import codebook as cb
from tieval.qual import codings as qc
from tieval.qual import excerpts as qe
from tieval.survey.counts import item_cells  # noqa: E402
from tieval.survey.validate import check_responses  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "qual"
STUDIES = ["surrey-als", "lancashire-tiat"]

# Four respondents.  B1: agree, agree, disagree, not relevant -> agree 2/4 (not relevant in the base).
# Y1: yes, yes, yes, skipped -> yes 3/3.  B2: agree x3, neutral -> agree 3/4.
ANSWERS = [
    ("R1", "B1", "5", "Strongly agree", "agree", ""),
    ("R2", "B1", "4", "Agree", "agree", ""),
    ("R3", "B1", "2", "Disagree", "disagree", ""),
    ("R4", "B1", "", "Not relevant to my role", "not_relevant", "not_relevant"),
    ("R1", "Y1", "1", "Yes", "yes", ""),
    ("R2", "Y1", "1", "Yes", "yes", ""),
    ("R3", "Y1", "1", "Yes", "yes", ""),
    ("R4", "Y1", "", "", "", "not_answered"),
    ("R1", "B2", "4", "Agree", "agree", ""),
    ("R2", "B2", "4", "Agree", "agree", ""),
    ("R3", "B2", "4", "Agree", "agree", ""),
    ("R4", "B2", "3", "Neither agree nor disagree", "neutral", ""),
]


def _responses(study, answers=ANSWERS):
    frame = pd.DataFrame(answers, columns=["respondent_id", "item_id", "code", "label", "category", "missing_reason"])
    frame.insert(0, "study", study.id)
    return check_responses(frame, study, "responses.csv")


@pytest.fixture()
def study():
    return load_study(FIX / "qualfix", check_files=False)


@pytest.fixture()
def parts(study):
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    codings = qc.load_codings(study, codebook, excerpts)
    tri = fd.load_triangulation(study, codebook, excerpts, codings)
    return codebook, excerpts, codings, tri


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "qualfix"
    shutil.copytree(FIX / "qualfix", dest)
    return dest


def _load_edited(tmp_path, change):
    folder = _copy(tmp_path)
    path = folder / "analysis" / "triangulation.yml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    study = load_study(folder, check_files=False)
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    return fd.load_triangulation(study, codebook, excerpts, qc.load_codings(study, codebook, excerpts))


def _finding(data, i):
    return data["findings"][i]


# --- loading and validation ----------------------------------------------------------------------


def test_silence_is_assigned_not_typed(parts):
    *_, tri = parts
    codes = {f.id: (f.convergence, f.silent_strand) for f in tri.findings}
    assert codes == {
        "f_learn": ("agreement", ""),
        "f_barrier": ("silence", "survey"),
        "f_survey_only": ("silence", "qualitative"),
    }
    assert tri.finding("f_barrier").typed_convergence == ""


ERRORS = [
    (
        "unknown theme",
        lambda d: _finding(d, 0)["qualitative"].update(themes=["learnin"]),
        "key findings[0].qualitative.themes[0]: expected a code id of the codebook; found 'learnin'",
    ),
    (
        "unknown excerpt",
        lambda d: _finding(d, 0)["qualitative"].update(excerpts=["E-1", "E-9"]),
        "key findings[0].qualitative.excerpts[1]: expected an excerpt id of raw/excerpts.csv; found 'E-9'",
    ),
    (
        "unknown item",
        lambda d: _finding(d, 0)["quantitative"][1].update(item="Y9"),
        "key findings[0].quantitative[1].item: expected an item id of study.yml; found 'Y9'",
    ),
    (
        "unknown category",
        lambda d: _finding(d, 0)["quantitative"][0].update(category="agreed"),
        "key findings[0].quantitative[0].category: expected a category of the scale agreement",
    ),
    (
        "unknown statistic",
        lambda d: _finding(d, 0)["quantitative"][0].update(statistic="median"),
        "key findings[0].quantitative[0].statistic: expected one of percent",
    ),
    (
        "excerpt without the theme",
        lambda d: _finding(d, 0)["qualitative"].update(excerpts=["E-4"], quote="E-4"),
        "key findings[0].qualitative.excerpts[0]: expected an excerpt coded with one of this finding's themes",
    ),
    (
        "quote not cited",
        lambda d: _finding(d, 0)["qualitative"].update(quote="E-2"),
        "key findings[0].qualitative.quote: expected one of the finding's excerpts",
    ),
    (
        "typed silence",
        lambda d: _finding(d, 0).update(convergence="silence"),
        "key findings[0].convergence: expected no convergence code here: silence is detected",
    ),
    (
        "code on a silent finding",
        lambda d: _finding(d, 1).update(convergence="agreement"),
        "key findings[1].convergence: expected no convergence code: the finding has no survey evidence",
    ),
    (
        "missing code with both strands",
        lambda d: _finding(d, 0).pop("convergence"),
        "key findings[0].convergence: expected one of agreement, partial agreement, dissonance",
    ),
    (
        "no evidence",
        lambda d: _finding(d, 2).pop("quantitative"),
        "key findings[2]: expected qualitative or quantitative evidence",
    ),
    (
        "duplicate id",
        lambda d: _finding(d, 1).update(id="f_learn"),
        "key findings[1].id: expected a finding id used once",
    ),
    ("unknown key", lambda d: _finding(d, 0).update(statistic="x"), "key findings[0].statistic"),
    (
        "unknown source",
        lambda d: _finding(d, 1)["qualitative"].update(sources=["diary"]),
        "key findings[1].qualitative.sources[0]: expected a source of raw/excerpts.csv",
    ),
]


@pytest.mark.parametrize("name,change,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_references_name_triangulation_file_and_key(tmp_path, name, change, message):
    with pytest.raises(ConfigError) as err:
        _load_edited(tmp_path, change)
    assert "triangulation.yml" in str(err.value)
    assert message in str(err.value)


# --- statistics ----------------------------------------------------------------------------------


def test_statistics_are_computed_from_responses(parts, study):
    *_, tri = parts
    cells = item_cells(_responses(study), study, n_included=4)
    stats = tstat.finding_statistics(tri, cells, study).set_index(["finding", "item_id"])
    b1 = stats.loc[("f_learn", "B1")]
    assert (b1["count"], b1["base"], b1["percent"]) == (2, 4, 50.0)  # not relevant stays in the base
    assert (b1["ci_lower"], b1["ci_upper"]) == (15.0, 85.0)  # Wilson, 2/4
    y1 = stats.loc[("f_learn", "Y1")]
    assert (y1["count"], y1["base"], y1["percent"], y1["ci_upper"]) == (3, 3, 100.0, 100.0)  # skip not in base
    assert y1["ci_lower"] == pytest.approx(43.9, abs=0.05)
    assert stats.loc[("f_survey_only", "B2"), "shown"] == "75% (3/4) [30–95]"
    assert stats.loc[("f_learn", "B1"), "construct"] == "Coherence"


def test_statistics_follow_the_data(parts, study):
    *_, tri = parts
    changed = [a if a[:2] != ("R3", "B1") else ("R3", "B1", "4", "Agree", "agree", "") for a in ANSWERS]
    cells = item_cells(_responses(study, changed), study, n_included=4)
    stats = tstat.finding_statistics(tri, cells, study).set_index(["finding", "item_id"])
    assert stats.loc[("f_learn", "B1"), "count"] == 3


def test_item_without_answers_is_an_input_error(parts, study):
    *_, tri = parts
    answers = [a for a in ANSWERS if a[1] != "B2"]
    cells = item_cells(_responses(study, answers), study, n_included=4)
    with pytest.raises(InputError, match="answers to item B2"):
        tstat.finding_statistics(tri, cells, study)


# --- silence detection ---------------------------------------------------------------------------


def test_coverage_finds_constructs_the_interviews_are_silent_on(parts, study):
    codebook, _, codings, _ = parts
    cov = tsil.coverage(study, codebook, codings).set_index("items")
    assert cov.at["B1", "status"] == "both strands" and cov.at["B1", "excerpts"] == 3
    assert cov.at["B2", "status"] == "qualitative silence" and cov.at["B2", "codes"] == ""
    assert cov.at["B2", "construct_status"] == "both strands"  # coherence itself has excerpts
    assert cov.at["Y1", "codes"] == "learn_listen"  # progress has no direct excerpt
    assert cov.at["Y1", "status"] == "both strands"


def test_codes_without_survey_items(parts, study):
    codebook, _, codings, _ = parts
    silent = tsil.codes_without_survey(study, codebook, codings).set_index("code_id")
    assert list(silent.index) == ["barriers", "barrier_time", "barrier_space", "case_a"]
    assert silent.at["barrier_time", "status"] == "survey silence"
    assert silent.at["barrier_space", "status"].startswith("neither strand")


@pytest.mark.parametrize(
    "sid,silent", [("lancashire-tiat", {"vicarious_trauma"}), ("surrey-als", {"barriers", "system_support"})]
)
def test_study_findings_load_and_silence_is_detected(sid, silent):
    study = load_study(sid, ROOT, check_files=False)
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    codings = qc.load_codings(study, codebook, excerpts)
    tri = fd.load_triangulation(study, codebook, excerpts, codings)
    assert {f.id for f in tri.findings if f.convergence == "silence"} == silent
    assert all(f.typed_convergence == "" for f in tri.findings if f.id in silent)


def test_lancashire_silences():
    study = load_study("lancashire-tiat", ROOT, check_files=False)
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    codings = qc.load_codings(study, codebook, excerpts)
    cov = tsil.coverage(study, codebook, codings)
    silent_items = set(cov.loc[cov["status"] == "qualitative silence", "items"])
    assert {"B1", "B2", "B3", "E1"} <= silent_items
    assert set(tsil.codes_without_survey(study, codebook, codings)["code_id"]) == {"sys_vicarious", "sys_staff_support"}


# --- displays ------------------------------------------------------------------------------------


def test_convergence_matrix(parts):
    _, excerpts, _, tri = parts
    m = tconv.convergence_matrix(tri, excerpts)
    assert list(m.columns) == ["survey", "interview", "questionnaire free text"]
    assert m.loc["Learning"].tolist() == ["agreement", "agreement", "agreement"]
    assert m.loc["Time"].tolist() == ["", "silence", ""]
    assert m.loc["Shared purpose"].tolist() == ["silence", "", ""]
    fig = tconv.convergence_figure(m)
    assert len(fig.axes[0].texts) == m.size
    alt = tconv.convergence_alt_text(m)
    assert "Time: silence (interview)" in alt and "Learning: agreement" in alt


def test_joint_display(parts, study):
    codebook, excerpts, _, tri = parts
    cells = item_cells(_responses(study), study, n_included=4)
    stats = tstat.finding_statistics(tri, cells, study)
    joint = tjoint.joint_display(tri, stats, codebook, excerpts, study).set_index("finding")
    row = joint.loc["f_learn"]
    assert row["statistics"] == ("B1 agree: 50% (2/4) [15–85]; Y1 yes: 100% (3/3) [44–100]")
    assert row["construct"] == "Coherence"
    assert row["quotation"] == "We learnt to listen before we answer."
    assert row["attribution"] == "(Youth Work 1) (E-1)"
    assert joint.at["f_barrier", "statistics"] == "(no survey item)"
    assert joint.at["f_barrier", "convergence"] == "silence"
    html = tjoint.joint_display_html(joint.reset_index(), "Joint display")
    assert 'href="#finding-f_learn"' in html and ">Construct<" in html
    # a study with no constructs shows no empty Construct column
    bare = tjoint.joint_display_html(joint.reset_index().assign(construct=""), "Joint display")
    assert ">Construct<" not in bare and ">Meta-inference<" in bare


def test_recommendation_links_resolve_to_findings(parts, study):
    codebook, excerpts, _, tri = parts
    recs = rc.load_recommendations(study, tri)
    table = rc.recommendations_table(recs, tri, codebook)
    cells = item_cells(_responses(study), study, n_included=4)
    sections = tjoint.findings_html(tri, tstat.finding_statistics(tri, cells, study), codebook, excerpts)
    anchors = set(re.findall(r'id="([^"]+)"', sections))
    targets = re.findall(r'href="05_triangulation.html#([^"]+)"', table.at[0, "findings"])
    assert targets == ["finding-f_learn", "finding-f_barrier"]
    assert set(targets) <= anchors
    themes = re.findall(r'href="04_qualitative.html#([^"]+)"', table.at[0, "themes"])
    assert themes == [cb.theme_anchor("learning"), cb.theme_anchor("barrier_time")]


def test_recommendation_with_unknown_finding(tmp_path, parts):
    *_, tri = parts
    with pytest.raises(ConfigError, match=r"key recommendations\[0\].findings\[1\]: expected a finding id"):
        rc.parse_recommendations(
            {"recommendations": [{"id": "R1", "text": "x", "findings": ["f_learn", "f_x"]}]},
            tmp_path / "recommendations.yml",
            tri,
        )


def test_lancashire_recommendations_link_to_findings():
    study = load_study("lancashire-tiat", ROOT, check_files=False)
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    codings = qc.load_codings(study, codebook, excerpts)
    tri = fd.load_triangulation(study, codebook, excerpts, codings)
    recs = rc.load_recommendations(study, tri)
    assert [r.id for r in recs] == ["R1", "R2", "R3", "R4", "R5", "R6"]
    assert recs[0].text.startswith("Build on the valued flexibility within training")
    assert recs[0].report_pages == "9/10/11,16"
