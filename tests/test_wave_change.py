"""Change between waves, per-wave tables and reliability of any instrument, cell by cell.

A small invented pre/post study built in the test (``study.yml`` written to a temporary folder):
a 7-point agreement scale (1-3 disagree, 4 neutral, 5-7 agree, plus "Not relevant"), a 0-10 item,
three subscales (``sa`` with the negatively worded S2, ``sb``, ``sc`` mixing the 7-point and the
0-10 scale) and two waves.  Five people answer both waves; their follow-up ids are assigned in
reverse order (P1 is b1 at baseline and f5 at follow-up) so that a step pairing by respondent id
instead of by the linkage's ``person`` gets different numbers.  With a link key the design is
linked (paired tests); without one the same answers are compared as independent waves.

Answers (NR = not relevant)::

    person  wave      S1 S2 S3 S4 N1
    P1..P5  baseline  2 3 4 3 5 | 6 5 4 5 3 | 3 3 5 2 4 | 1 2 2 3 4 | 2 4 5 3 6
    P1..P5  followup  4 5 4 6 7 | 4 3 4 2 2 | 5 4 6 4 NR| 2 2 3 5 6 | 6 7 5 8 9

The independent references are scipy's ``ttest_rel``, ``ttest_ind(equal_var=False)``,
``binomtest`` and ``mannwhitneyu`` on these vectors, and hand arithmetic (d_z = mean / SD of
the differences, Holm by hand).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tieval.config import load_study
from tieval.errors import ConfigError
from tieval.mixed.findings import Finding, QuantSpec, Triangulation, _quantitative_fits
from tieval.mixed.joint_display import _what
from tieval.mixed.statistics import WAVE_COLUMNS, finding_statistics
from tieval.report.present import Note, Table
from tieval.spec import Where
from tieval.steps import tables
from tieval.survey import change as ch
from tieval.survey.disclosure import item_cells
from tieval.survey.scores import reliability_table, score_range_text, score_sets, set_scores
from tieval.survey.wave_change import descriptives, statistic_figures, study_change, wave_distributions
from tieval.survey.wave_data import wave_subset

BASE = {"S1": [2, 3, 4, 3, 5], "S2": [6, 5, 4, 5, 3], "S3": [3, 3, 5, 2, 4], "S4": [1, 2, 2, 3, 4],
        "N1": [2, 4, 5, 3, 6]}  # fmt: skip
FOLLOW = {"S1": [4, 5, 4, 6, 7], "S2": [4, 3, 4, 2, 2], "S3": [5, 4, 6, 4, None], "S4": [2, 2, 3, 5, 6],
          "N1": [6, 7, 5, 8, 9]}  # fmt: skip
PEOPLE = ["P0001", "P0002", "P0003", "P0004", "P0005"]
BASE_IDS = ["b1", "b2", "b3", "b4", "b5"]
FOLLOW_IDS = ["f5", "f4", "f3", "f2", "f1"]  # P1 is f5 at follow-up


def _yaml(linked: bool) -> str:
    link = "  link_key: code\n" if linked else ""
    return (
        textwrap.dedent(
            """\
        id: prepost-mini
        report: {title: "Invented pre/post study for the change tests"}
        design:
          waves:
            - {id: baseline, label: "Before training", survey: {file: raw/baseline.csv}}
            - {id: followup, label: "Three months after", survey: {file: raw/followup.csv}}
        instrument:
          scales:
            agree7:
              type: ordinal
              levels:
                - {code: 1, label: "Strongly disagree", category: disagree}
                - {code: 2, label: "Disagree", category: disagree}
                - {code: 3, label: "Somewhat disagree", category: disagree}
                - {code: 4, label: "Neither", category: neutral}
                - {code: 5, label: "Somewhat agree", category: agree}
                - {code: 6, label: "Agree", category: agree}
                - {code: 7, label: "Strongly agree", category: agree}
              not_relevant: ["Not relevant"]
            zero_ten: {type: numeric, min: 0, max: 10}
          items:
            - {id: S1, text: "I feel confident", scale: agree7, construct: c1}
            - {id: S2, text: "I feel out of my depth", scale: agree7, reverse: true}
            - {id: S3, text: "I know where to refer", scale: agree7, construct: c1}
            - {id: S4, text: "My team talks about it", scale: agree7}
            - {id: N1, text: "How familiar is it?", scale: zero_ten}
          constructs:
            c1: {label: "Confidence and referral"}
          subscales:
            sa: {label: "Confidence", items: [S1, S2, S3]}
            sb: {label: "Knowledge", items: [S3, S4]}
            sc: {label: "Team and familiarity", items: [S4, N1]}
        survey:
          format: form
          id_column: id
        """
        )
        + link
        + "inputs: {published: published/figures.csv}\n"
    )


def _study(tmp_path, linked: bool = True, published: str = "figure_id,location,location_type,measure,item_id,"
           "category,value,unit,base,restates,printed,note\n"):  # fmt: skip
    folder = tmp_path / "data" / "prepost-mini"
    (folder / "published").mkdir(parents=True)
    (folder / "study.yml").write_text(_yaml(linked))
    (folder / "published" / "figures.csv").write_text(published)
    return load_study(folder, check_files=False)


def _frames():
    """respondents, responses (with the wave column) and the linkage of the five people."""
    resp, rows, link = [], [], []
    for wave, ids, answers in (("baseline", BASE_IDS, BASE), ("followup", FOLLOW_IDS, FOLLOW)):
        for k, rid in enumerate(ids):
            resp.append({"study": "prepost-mini", "wave": wave, "respondent_id": rid, "status": "complete",
                         "exclusion_reason": "", "n_items_answered": 5})  # fmt: skip
            link.append({"person": PEOPLE[k], "wave": wave, "respondent_id": rid})
            for item, codes in answers.items():
                code = codes[k]
                rows.append({"study": "prepost-mini", "wave": wave, "respondent_id": rid, "item_id": item,
                             "code": np.nan if code is None else float(code),
                             "label": "Not relevant" if code is None else str(code),
                             "category": "not_relevant" if code is None else "",
                             "missing_reason": "not_relevant" if code is None else ""})  # fmt: skip
    return pd.DataFrame(resp), pd.DataFrame(rows), pd.DataFrame(link)


def _pairs(item):
    before = np.array(BASE[item], dtype=float)
    after = np.array([np.nan if v is None else v for v in FOLLOW[item]], dtype=float)
    return before, after


@pytest.fixture()
def frames():
    return _frames()


def _row(change, family, item):
    hit = change[(change["family"] == family) & (change["item"] == item)]
    assert len(hit) == 1
    return hit.iloc[0]


# --- linked ------------------------------------------------------------------------------------------
def test_linked_items_pair_people_through_the_linkage(tmp_path, frames):
    study = _study(tmp_path)
    _, responses, linkage = frames
    change = study_change(study, responses, linkage)
    s1 = _row(change, "items", "S1")
    assert (s1["design"], s1["test"], s1["n"]) == ("linked", "Wilcoxon signed-rank", 5)
    assert s1["mean_diff"] == pytest.approx(1.8)  # diffs 2, 2, 0, 3, 2
    ref = stats.ttest_rel([4, 5, 4, 6, 7], [2, 3, 4, 3, 5])
    ci = ref.confidence_interval(0.95)
    assert (s1["mean_diff_lower"], s1["mean_diff_upper"]) == (pytest.approx(ci.low), pytest.approx(ci.high))
    expected = ch.wilcoxon_signed_rank(*_pairs("S1"))
    assert s1["p"] == pytest.approx(expected.p) and s1["rank_biserial"] == pytest.approx(expected.rank_biserial)
    assert s1["rank_biserial"] == pytest.approx(1.0)  # every non-zero difference is positive
    s3 = _row(change, "items", "S3")
    assert s3["n"] == 4  # P5 answered "Not relevant" at follow-up: no pair


def test_linked_agreement_is_mcnemar_exact_on_the_agree_category(tmp_path, frames):
    study = _study(tmp_path)
    _, responses, linkage = frames
    change = study_change(study, responses, linkage)
    s1 = _row(change, "agreement", "S1")
    # agree = codes 5-7: baseline F F F F T, follow-up F T F T T -> gained 2, lost 0
    assert s1["test"] == "McNemar" and s1["yes_codes"] == "agree: 5, 6, 7"
    assert s1["estimate"] == pytest.approx(0.4)
    assert s1["p"] == pytest.approx(stats.binomtest(2, 2).pvalue)  # 0.5, exact
    assert "exact" in s1["method"]
    assert "N1" not in set(change.loc[change["family"] == "agreement", "item"])  # a 0-10 item is not dichotomised


def test_linked_subscales_paired_t_with_d_z_and_g_av(tmp_path, frames):
    study = _study(tmp_path)
    _, responses, linkage = frames
    change = study_change(study, responses, linkage)
    sa = _row(change, "subscales", "sa")
    # sa = mean(S1, 8 - S2, S3): baseline 1.667+... computed by hand per person
    before = np.array([(2 + 2 + 3) / 3, (3 + 3 + 3) / 3, (4 + 4 + 5) / 3, (3 + 3 + 2) / 3, (5 + 5 + 4) / 3])
    after = np.array([(4 + 4 + 5) / 3, (5 + 5 + 4) / 3, (4 + 4 + 6) / 3, (6 + 6 + 4) / 3, (7 + 6) / 2])
    assert (sa["test"], sa["n"]) == ("paired t", 5)
    ref = stats.ttest_rel(after, before)
    assert sa["statistic"] == pytest.approx(ref.statistic) and sa["p"] == pytest.approx(ref.pvalue)
    d = after - before
    assert sa["d_z"] == pytest.approx(d.mean() / d.std(ddof=1))
    d_av = d.mean() / ((before.std(ddof=1) + after.std(ddof=1)) / 2)
    assert sa["g_av"] == pytest.approx(d_av * (1 - 3 / (4 * 4 - 1)))  # Hedges' J for df = 4


def test_holm_p_and_number_of_tests_per_family(tmp_path, frames):
    study = _study(tmp_path)
    _, responses, linkage = frames
    change = study_change(study, responses, linkage)
    items = change[change["family"] == "items"]
    assert list(items["item"]) == ["S1", "S2", "S3", "S4", "N1"]
    assert set(items["tests_in_family"]) == {5}
    p = items["p"].to_numpy()
    order = np.argsort(p)
    by_hand = np.minimum(1, np.maximum.accumulate((5 - np.arange(5)) * p[order]))
    assert items["p_holm"].to_numpy()[order] == pytest.approx(by_hand)
    assert set(change.loc[change["family"] == "agreement", "tests_in_family"]) == {4}
    assert set(change.loc[change["family"] == "subscales", "tests_in_family"]) == {3}


# --- unlinked ----------------------------------------------------------------------------------------
def test_unlinked_waves_use_independent_tests(tmp_path, frames):
    study = _study(tmp_path, linked=False)
    _, responses, linkage = frames
    change = study_change(study, responses, linkage)  # the linkage is ignored without a link key
    s4 = _row(change, "items", "S4")
    assert (s4["design"], s4["test"], s4["n_before"], s4["n_after"]) == ("unlinked", "Mann-Whitney U", 5, 5)
    ref = stats.mannwhitneyu([2, 2, 3, 5, 6], [1, 2, 2, 3, 4], method="asymptotic", use_continuity=True)
    assert s4["statistic"] == pytest.approx(ref.statistic) and s4["p"] == pytest.approx(ref.pvalue)
    sb = _row(change, "subscales", "sb")
    before = (np.array(BASE["S3"]) + np.array(BASE["S4"])) / 2
    after = np.array([(5 + 2) / 2, (4 + 2) / 2, (6 + 3) / 2, (4 + 5) / 2, 6.0])
    welch = stats.ttest_ind(after, before, equal_var=False)
    assert sb["test"] == "Welch t" and sb["p"] == pytest.approx(welch.pvalue)
    assert not np.isnan(sb["hedges_g"]) and np.isnan(sb["d_z"])
    s1 = _row(change, "agreement", "S1")
    assert s1["test"] == "two proportions" and s1["estimate"] == pytest.approx(3 / 5 - 1 / 5)
    assert s1["ci_lower"] < s1["estimate"] < s1["ci_upper"]


# --- per-wave tables, reliability, scores -----------------------------------------------------------
def test_wave_distributions_side_by_side(tmp_path, frames):
    study = _study(tmp_path)
    respondents, responses, _ = frames
    dist = wave_distributions(study, respondents, responses, 0)
    s1 = dist[
        (dist["item_id"] == "S1") & (dist["label"] == "Disagree")
        | (dist["item_id"] == "S1") & (dist["label"] == "Somewhat disagree")
    ]
    cells = s1.set_index(["wave", "label"])["count"]
    assert cells[("baseline", "Somewhat disagree")] == 2 and cells[("followup", "Somewhat disagree")] == 0
    assert list(dict.fromkeys(dist["wave_label"])) == ["Before training", "Three months after"]


def test_scores_reverse_on_the_seven_point_range_and_reliability_per_wave(tmp_path, frames):
    study = _study(tmp_path)
    _, responses, _ = frames
    base = responses[responses["wave"] == "baseline"].reset_index(drop=True)
    scores = set_scores(base, study)
    assert scores.loc["b1", "sa"] == pytest.approx((2 + (8 - 6) + 3) / 3)  # S2 reversed as 8 - code
    assert list(score_sets(study)) == ["sa", "sb", "sc"]
    assert score_range_text(study, score_sets(study)["sc"][1]) == "'agree7' 1-7; 'zero_ten' 0-10"
    assert score_range_text(study, score_sets(study)["sa"][1]) == "1-7"
    scales, items = reliability_table(responses, study, ["baseline", "followup"])
    sa = scales.set_index(["scale", "wave"]).loc[("sa", "baseline")]
    m = np.array([BASE["S1"], [8 - v for v in BASE["S2"]], BASE["S3"]], dtype=float).T
    k = 3
    alpha = k / (k - 1) * (1 - m.var(axis=0, ddof=1).sum() / m.sum(axis=1).var(ddof=1))
    assert sa["alpha"] == pytest.approx(round(alpha, 4)) and sa["n"] == 5 and sa["k"] == 3
    assert sa["alpha_lower"] < sa["alpha"] < sa["alpha_upper"]
    sb = scales.set_index(["scale", "wave"]).loc[("sb", "followup")]
    assert sb["n"] == 4 and np.isnan(sb["omega"]) and sb["note"] == "no omega: fewer than 3 items"
    assert np.isnan(sa["reference_alpha"])  # the instrument declares no reference value
    rest = items[(items["scale"] == "sa") & (items["wave"] == "baseline")].set_index("item")
    assert bool(rest.loc["S2", "reverse"]) and rest.loc["S1", "item_rest_r"] == pytest.approx(
        np.corrcoef(m[:, 0], m[:, 1] + m[:, 2])[0, 1], abs=1e-4)  # fmt: skip


def test_published_statistics_are_reproduced(tmp_path, frames):
    study = _study(tmp_path)
    _, responses, linkage = frames
    change = study_change(study, responses, linkage)
    published = pd.DataFrame(
        {
            "figure_id": ["m1", "e1", "p1", "p2", "c1", "x1"],
            "unit": ["mean", "effect_size", "p_value", "p_value", "ci_low", "count"],
            "item_id": ["S1", "sa", "S1", "S1", "S1", "S1"],
            "category": ["", "d_z", "", "p_holm", "mean_diff", ""],
            "wave": ["followup", "", "", "", "", ""],
        }
    )
    out = statistic_figures(published, study, descriptives(study, responses), change).set_index("figure_id")
    assert out.loc["m1", "value"] == pytest.approx(np.mean(FOLLOW["S1"])) and out.loc["m1", "base"] == 5
    assert out.loc["e1", "value"] == pytest.approx(_row(change, "subscales", "sa")["d_z"], abs=1e-6)
    assert out.loc["p1", "value"] == pytest.approx(_row(change, "items", "S1")["p"], abs=1e-6)
    assert out.loc["p2", "value"] == pytest.approx(_row(change, "items", "S1")["p_holm"], abs=1e-6)
    assert out.loc["c1", "value"] == pytest.approx(_row(change, "items", "S1")["mean_diff_lower"], abs=1e-6)
    assert "x1" not in out.index  # counts are the tables' business


# --- the step ------------------------------------------------------------------------------------
def _run(tmp_path, monkeypatch, frames, linked=True):
    study = _study(tmp_path, linked=linked)
    respondents, responses, linkage = frames
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    monkeypatch.setattr(tables, "load_survey", lambda s: (respondents, responses))
    monkeypatch.setattr(tables, "study_linkage", lambda s: linkage if linked else None)
    return tables.run(study)


def _texts(result) -> list[str]:
    out = []
    for section in (result.data, result.published, result.text, result.summary, result.full_distributions,
                    result.constructs, result.waves):  # fmt: skip
        for block in section:
            if isinstance(block, Note):
                out.append(block.text)
            elif isinstance(block, Table):
                out += [block.caption, block.base, block.frame.to_csv()]
            else:
                out.append(str(getattr(block, "text", "")))
    return out


def test_step_shows_waves_change_with_holm_and_the_number_of_tests(tmp_path, monkeypatch, frames):
    result = _run(tmp_path, monkeypatch, frames)
    captions = [b.caption for b in result.waves if isinstance(b, Table)]
    assert (
        captions[0]
        == "Answers to every item on the scale 'Strongly disagree ... Strongly agree' by wave: n (% of respondents)"
    )
    assert any("Holm adjustment over baseline to followup: 5 tests" in c for c in captions)
    assert any("Holm adjustment over baseline to followup: 3 tests" in c for c in captions)
    side = result.waves[0].frame
    assert list(side.columns) == ["Item", "Answer", "Before training", "Three months after"]
    s1 = side[(side["Item"] == "S1") & (side["Answer"] == "Somewhat disagree")].iloc[0]
    assert (s1["Before training"], s1["Three months after"]) == ("2 (40%)", "0 (0%)")
    items = next(b.frame for b in result.waves if isinstance(b, Table) and "per item (answer" in b.caption)
    assert list(items.columns[-3:]) == ["p", "p (Holm)", "Rank-biserial r"]
    note = next(b.text for b in result.waves if isinstance(b, Note))
    assert note.startswith("Linked design: 5 people answered every wave")
    assert result.change is not None and set(result.change["family"]) == {"items", "agreement", "subscales"}


def test_step_names_no_nomad_and_no_five_point_range_for_a_seven_point_instrument(tmp_path, monkeypatch, frames):
    result = _run(tmp_path, monkeypatch, frames)
    text = "\n".join(_texts(result))
    for word in ("NoMAD", "1-5", "1–5", "five-point"):
        assert word not in text
    caption = next(b.caption for b in result.constructs if isinstance(b, Table) and "Internal" in b.caption)
    assert "alpha" in caption
    shown = next(b.frame for b in result.constructs if isinstance(b, Table) and "Internal" in b.caption)
    assert "Reference alpha" not in shown.columns  # declared by no instrument entry


def test_step_unlinked_waves_say_so(tmp_path, monkeypatch, frames):
    result = _run(tmp_path, monkeypatch, frames, linked=False)
    notes = [b.text for b in result.waves if isinstance(b, Note)]
    assert notes == ["Waves are compared as independent samples (no link key pairs respondents across waves)."]
    assert set(result.change["design"]) == {"unlinked"}


def test_pipeline_notebooks_name_no_instrument_and_no_range():
    """The notebooks' own prose serves every study: an instrument's name or range comes from its config."""
    root = Path(__file__).resolve().parents[1] / "notebooks"
    for name in sorted(p.name for p in root.glob("0[1-6]_*.ipynb")):
        text = "".join("".join(c["source"]) for c in json.loads((root / name).read_text())["cells"])
        for word in ("NoMAD", "1-5", "1–5", "five-point"):
            assert word not in text, (name, word)


# --- triangulation by wave ----------------------------------------------------------------------
def _finding(*quant):

    return Finding("f1", "Confidence grows", ("c",), (), "", (), tuple(quant), "agreement", "Both say so.")


def test_a_finding_cites_a_per_wave_share_and_a_change(tmp_path, frames):

    study = _study(tmp_path)
    respondents, responses, linkage = frames
    tri = Triangulation(tmp_path / "t.yml", [_finding(
        QuantSpec("S1", "agree", "percent", "followup"), QuantSpec("S1", "agree", "change"),
        QuantSpec("sa", "mean", "change"))])  # fmt: skip
    cells = item_cells(study, responses, respondents, 0)
    per_wave = {w: item_cells(study, wave_subset(responses, w), wave_subset(respondents, w), 0)
                for w in ("baseline", "followup")}  # fmt: skip
    change = study_change(study, responses, linkage)
    out = finding_statistics(tri, cells, study, wave_cells=per_wave, change=change)
    assert list(out.columns[-len(WAVE_COLUMNS) :]) == WAVE_COLUMNS
    share, agree, score = out.iloc[0], out.iloc[1], out.iloc[2]
    assert (share["count"], share["base"], share["percent"]) == (3, 5, 60.0)  # follow-up only: 3 of 5 agree
    assert share["category_label"].endswith("(Three months after)")
    assert agree["statistic"] == "change" and agree["estimate"] == pytest.approx(40.0)  # percentage points
    assert agree["shown"].startswith("+40 points [") and "McNemar, n = 5, p = 0.500" in agree["shown"]
    sa = _row(change, "subscales", "sa")
    assert score["estimate"] == pytest.approx(round(sa["mean_diff"], 4))
    assert score["estimate_lower"] == pytest.approx(round(sa["mean_diff_lower"], 4))
    assert "paired t" in score["shown"] and "Holm p = " in score["shown"]
    assert _what(next(out.itertuples())) == "agree (followup)"


def test_finding_spec_checks_waves_and_changes(tmp_path):

    study = _study(tmp_path)
    at = Where(tmp_path / "triangulation.yml").child("findings").index(0).child("quantitative").index(0)
    _quantitative_fits(QuantSpec("sa", "mean", "change"), study, at)  # a subscale's mean: fine
    with pytest.raises(ConfigError, match="wave id of design.waves"):
        _quantitative_fits(QuantSpec("S1", "agree", "percent", "week6"), study, at)
    with pytest.raises(ConfigError, match="follow-up wave"):
        _quantitative_fits(QuantSpec("S1", "agree", "change", "baseline"), study, at)
    with pytest.raises(ConfigError, match="mean or agree"):
        _quantitative_fits(QuantSpec("S1", "neutral", "change"), study, at)


def test_step_construct_summary_is_per_wave_when_ids_repeat(tmp_path, monkeypatch, frames):
    respondents, responses, linkage = frames
    # the follow-up reuses the baseline's ids: scores must still be computed wave by wave
    same = {f: b for f, b in zip(FOLLOW_IDS, BASE_IDS)}
    responses = responses.assign(respondent_id=responses["respondent_id"].replace(same))
    respondents = respondents.assign(respondent_id=respondents["respondent_id"].replace(same))
    linkage = linkage.assign(respondent_id=linkage["respondent_id"].replace(same))
    result = _run(tmp_path, monkeypatch, (respondents, responses, linkage))
    rel = result.reliability.set_index(["scale", "wave"])
    assert (
        rel.loc[("sa", "baseline"), "n"] == 5 and rel.loc[("sa", "followup"), "n"] == 4
    )  # P5: S3 not relevant (listwise)
    sa = _row(result.change, "subscales", "sa")
    assert sa["n"] == 5
    summary = result.construct_summary.set_index("wave")
    assert list(result.construct_summary.columns[:2]) == ["wave", "construct"]
    assert summary.loc["baseline", "n"] == 5
    assert summary.loc["baseline", "mean"] == pytest.approx(np.mean([(2 + 3) / 2, 3, 4.5, 2.5, 4.5]))
    assert summary.loc["followup", "mean"] == pytest.approx(np.mean([4.5, 4.5, 5, 5, 7]))  # P5: S3 not relevant
    assert set(result.construct_scores["wave"]) == {"baseline", "followup"} and len(result.construct_scores) == 10
