"""The prepost template (``make new-study NAME=x TEMPLATE=prepost``): an invented pre/post study.

The fast tests check the generated exports (seeded, so byte-identical on every call) and the
creation; the slow test creates the study in a temporary copy of the project (never in the
repository's data/, which ``make`` would then build), plants one wrong published statistic in
that copy, and runs every step on it, asserting cell-level facts of the processed data, the flow
by wave with its linkage, per-wave tables, the change statistics (Holm checked by hand), the
audit verdicts (every statistic a match but the planted one), that every appendix carries the
invented label and that none names an instrument or scale range the config does not.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tieval.config import load_study
from tieval.errors import InputError
from tieval.report import overview
from tieval.survey import data
from tieval.tools.template import create_study, prepost_exports

ROOT = Path(__file__).resolve().parents[1]
#: A deliberately wrong published statistic added to the built copy only (never to the template).
PLANTED = (
    "t2.confidence.gav,Table 2,table,effect size of the confidence change (Hedges' g_av),confidence,g_av,1.32,"
    "effect_size,30,,g_av = 1.32,PLANTED ERROR of the test (the data give 1.22),followup\n"
)
STEPS = ["01_study_overview", "02_clean", "03_tables", "04_qualitative", "05_triangulation", "06_audit"]


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    return root


def _processed(folder: Path, name: str) -> pd.DataFrame:
    """A processed table of the built project as its CSV copy reads (every cell text)."""
    return data.as_text(pd.read_parquet(folder / f"{name}.parquet"), name)


def test_the_exports_are_generated_deterministically():
    first, second = prepost_exports(), prepost_exports()
    assert first == second
    assert sorted(first) == ["baseline.csv", "followup.csv"]
    baseline = first["baseline.csv"].split("\r\n")
    assert baseline[0].endswith(",Q4,Q5_1,Q5_2,Q5_3,Q5_4,Q6,Q6_4_TEXT,Q7,PID")
    assert len(baseline) == 3 + 43 + 1  # three header rows, 43 records, the final line end
    assert prepost_exports(seed=1) != first
    digest = hashlib.sha256(first["followup.csv"].encode()).hexdigest()
    assert digest == hashlib.sha256(prepost_exports()["followup.csv"].encode()).hexdigest()


def test_new_study_prepost_creates_an_invented_two_wave_study(tmp_path):
    root = _project(tmp_path)
    folder = create_study("pre-post", root, template="prepost")
    study = load_study(folder)
    assert study.invented and not study.reconstructed
    assert "INVENTED DATA" in study.data_notice
    assert [(w.id, w.label) for w in study.waves] == [("baseline", "Baseline"), ("followup", "3-month follow-up")]
    assert study.survey.link_key == "PID"
    assert sorted(study.subscales) == ["confidence", "knowledge", "practice"]
    assert [it.id for it in study.items if it.reverse] == ["K3", "C2", "P3"]
    assert study.scales["agree7"].type == "ordinal" and len(study.scales["agree7"].levels) == 7
    assert [f.id for f in study.free_text] == ["comments", "role_other"]
    assert [m.id for m in study.multi_select] == ["S1"] and "S1" not in [it.id for it in study.items]
    manifest = (folder / "raw" / "MANIFEST.sha256").read_text(encoding="utf-8")
    assert "baseline.csv" in manifest and "followup.csv" in manifest
    with pytest.raises(InputError, match="one of the templates study, prepost"):
        create_study("other", root, template="nope")


@pytest.mark.slow
def test_prepost_template_builds_through_every_step(tmp_path):
    root = _project(tmp_path)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "tieval", *args], cwd=root, capture_output=True, text=True)

    made = run("new-study", "pre-post", "--template", "prepost")
    assert made.returncode == 0, made.stderr
    figures_csv = root / "data" / "pre-post" / "published" / "figures.csv"
    with figures_csv.open("a", encoding="utf-8") as handle:  # a planted error: g_av is 1.22, printed 1.32
        handle.write(PLANTED)
    for step in STEPS:
        proc = run("run", step, "--study", "pre-post")
        assert proc.returncode == 0, f"{step}: {proc.stderr[-2000:]}"
    assert run("index").returncode == 0
    processed = root / "data" / "processed" / "pre-post"
    respondents = _processed(processed, "respondents")
    assert list(respondents.columns[:3]) == ["study", "wave", "respondent_id"]
    assert respondents["wave"].value_counts().to_dict() == {"baseline": 43, "followup": 34}
    reasons = respondents.groupby("wave")["exclusion_reason"].value_counts().to_dict()
    assert reasons[("baseline", "no_link_key")] == 1 and reasons[("baseline", "survey_preview")] == 1
    linkage = _processed(processed, "linkage")
    per_person = linkage.groupby("person")["wave"].agg(lambda w: "+".join(sorted(w)))
    assert per_person.value_counts().to_dict() == {"baseline+followup": 30, "baseline": 10, "followup": 3}
    assert linkage["person"].iloc[0] == "P0001"
    raw = b"".join(p.read_bytes() for p in processed.iterdir())
    assert b"TR-0" not in raw and b"tr-0" not in raw  # the link key never reaches processed data
    assert b"a.example@example.org" not in raw and b"Alex Example" not in raw
    responses = _processed(processed, "responses")
    select_all = responses[responses["item_id"] == "S1"]
    assert select_all["label"].unique().tolist() == [
        "Line manager",
        "Peer supervision",
        "Clinical supervisor",
        "Online resources",
    ]
    assert set(select_all["wave"]) == {"baseline", "followup"}
    out = root / "outputs" / "pre-post"
    options = pd.read_csv(out / "03_tables" / "multi_select.csv").set_index("label")
    assert options.loc["Line manager", "count"] == 40 and options.loc["Line manager", "base"] == 64
    flow = pd.read_csv(out / "02_clean" / "exclusions.csv").set_index("stage")["n"]
    assert flow["linkage.linked"] == 30 and flow["linkage.followup_nonresponse"] == 10
    audit = pd.read_csv(out / "06_audit" / "audit.csv").set_index("figure_id")["status"]
    assert audit[["text.1", "text.2", "text.3"]].tolist() == ["match", "match", "match"]
    # the flow by wave: reported (01) and cleaned with the linkage and non-response (02), no box overlapping
    for step in ("01_study_overview", "02_clean"):
        layout = json.loads((out / step / "participant_flow.layout.json").read_text(encoding="utf-8"))
        assert overview.boxes_overlap(layout) == [], step
    boxes = {b["id"]: b for b in layout["boxes"]}
    assert boxes["linkage.linked"]["parents"] == ["baseline.responses", "followup.responses"]
    assert boxes["linkage.linked"]["label"].endswith("n = 30")
    assert "non-response" in boxes["linkage.followup_nonresponse"]["label"]
    assert boxes["linkage.followup_only"]["label"].endswith("n = 3")
    # per-wave tables in 03: answers by wave side by side
    by_wave = pd.read_csv(out / "03_tables" / "wave_distributions.csv")
    assert {"baseline", "followup"} <= set(by_wave["wave"])
    # paired change per item and per subscale, with effect sizes, intervals and Holm-adjusted p
    change = pd.read_csv(out / "03_tables" / "change.csv")
    items = change[change["family"] == "items"].set_index("item")
    scales = change[change["family"] == "subscales"].set_index("item")
    assert {"K1", "C2", "P3", "R1"} <= set(items.index) and set(scales.index) == {"knowledge", "confidence", "practice"}
    assert set(items["test"]) == {"Wilcoxon signed-rank"} and set(scales["test"]) == {"paired t"}
    assert items["rank_biserial"].notna().all() and scales[["d_z", "g_av"]].notna().all().all()
    assert (change["mean_diff_lower"] <= change["mean_diff"]).all() and (
        change["mean_diff"] <= change["mean_diff_upper"]
    ).all()
    assert (change["p_holm"] >= change["p"] - 1e-12).all()
    assert (items["tests_in_family"] == len(items)).all() and (scales["tests_in_family"] == 3).all()
    ranked = scales["p"].sort_values()  # Holm by hand: k-th smallest p times (m - k + 1), running maximum
    holm = (ranked * [3, 2, 1]).cummax().clip(upper=1)
    assert scales.loc[holm.index, "p_holm"].to_numpy() == pytest.approx(holm.to_numpy(), rel=1e-4)
    # every published statistic audited within its printed precision; the planted error singled out
    statistics = audit[audit.index.str.startswith(("t2.", "t3."))]
    assert statistics.drop("t2.confidence.gav").eq("match").all(), statistics.to_dict()
    assert audit["t2.confidence.gav"] == "differs"
    assert len(statistics) == 19
    for step in STEPS:
        page = (root / "outputs" / "html" / "pre-post" / f"{step}.html").read_text(encoding="utf-8")
        assert "INVENTED DATA" in page, step
        # no instrument the config does not name, no scale range it does not have
        for phrase in ("NoMAD", "1-5", "1–5", "five-point", "5-point", "five point"):
            assert phrase not in page, (step, phrase)
    index = (root / "outputs" / "html" / "index.html").read_text(encoding="utf-8")
    assert "INVENTED DATA" in index


def _make_n(*args: str) -> subprocess.CompletedProcess:
    """``make -n`` as a user runs it (no parent make's flags)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, env=env)


def test_make_new_study_passes_the_template_on():
    proc = _make_n("new-study", "NAME=x", "TEMPLATE=prepost")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].endswith("-m tieval new-study x --template prepost")
    default = _make_n("new-study", "NAME=x")
    assert default.stdout.strip().splitlines()[-1].endswith("-m tieval new-study x --template study")
