"""Qualitative evidence: codebook checks, the published allocation, appendix tables on a fixture
study with known answers, QDA round trips and inter-coder agreement."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tieval.config import load_study
from tieval.errors import ConfigError, InputError
from tieval.published import load_published
from tieval.qual import agreement, qda
from tieval.qual import analysis as qa
from tieval.qual import codebook as cb
from tieval.qual import codings as qc
from tieval.qual import data as qd
from tieval.qual import excerpts as qe
from tieval.qual import participants as qp

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "qual"
STUDIES = ["surrey-als", "lancashire-tiat"]


@pytest.fixture()
def study():
    return load_study(FIX / "qualfix", check_files=False)


@pytest.fixture()
def loaded(study):
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    codings = qc.load_codings(study, codebook, excerpts)
    return codebook, excerpts, codings


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "qualfix"
    shutil.copytree(FIX / "qualfix", dest)
    return dest


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


# --- codebook ------------------------------------------------------------------------------------


def test_codebook_structure(loaded):
    codebook, _, _ = loaded
    assert [c.id for c in codebook.themes] == ["learning", "barriers", "progress"]
    assert codebook.ancestors("case_a") == ["progress"]
    assert codebook.descendants("barriers") == ["barrier_time", "barrier_space"]
    assert codebook.codes["learn_listen"].theme == "learning"
    table = codebook.table()
    assert list(table.columns[:7]) == [
        "code_id",
        "label",
        "parent",
        "theme",
        "construct",
        "subconstruct",
        "description",
    ]
    assert table.set_index("code_id").at["learning", "subconstruct"] == "differentiation"


CODEBOOK_ERRORS = [
    ("unknown key", lambda c: c["themes"][0].update(colour="red"), "key themes[0].colour"),
    ("duplicate id", lambda c: c["themes"][1].update(id="learning"), "key themes[1].id: expected a code id used once"),
    ("missing description", lambda c: c["themes"][0].pop("description"), "key themes[0].description: expected a value"),
    (
        "unknown construct",
        lambda c: c["themes"][0].update(construct="coherance"),
        "key themes[0].construct: expected a construct of study.yml",
    ),
    (
        "sub-construct of another construct",
        lambda c: c["themes"][0].update(subconstruct="initiation"),
        "key themes[0].subconstruct: expected a sub-construct of coherence",
    ),
    (
        "sub-construct without construct",
        lambda c: c["themes"][1].update(subconstruct="initiation"),
        "key themes[1].subconstruct: expected a construct beside",
    ),
    (
        "unknown item",
        lambda c: c["themes"][0]["children"][0].update(items=["Z9"]),
        "key themes[0].children[0].items[0]: expected an item id",
    ),
    (
        "section to unknown code",
        lambda c: c["sections"].update({"Learning": "learnin"}),
        "key sections.Learning: expected a code id of this codebook",
    ),
    ("lead-in to unknown code", lambda c: c["lead_ins"].update({"E-2": "nope"}), "key lead_ins.E-2"),
    (
        "theme of study.yml missing",
        lambda c: c["themes"][1].update(id="obstacles"),
        "expected a code for every theme study.yml names",
    ),
    ("bad case key", lambda c: c["themes"][2]["children"][0]["case"].update(who="x"), "children[0].case.who"),
]


@pytest.mark.parametrize("name,change,message", CODEBOOK_ERRORS, ids=[c[0] for c in CODEBOOK_ERRORS])
def test_codebook_errors_name_file_and_key(tmp_path, name, change, message):
    folder = _copy(tmp_path)
    _edit_yaml(folder / "analysis" / "codebook.yml", change)
    with pytest.raises(ConfigError) as err:
        cb.load_codebook(load_study(folder, check_files=False))
    assert "codebook.yml" in str(err.value)
    assert message in str(err.value)


# --- codings -------------------------------------------------------------------------------------


def test_derived_allocation_is_sections_plus_lead_ins(loaded):
    codebook, excerpts, codings = loaded
    derived = qc.derive_codings(excerpts, codebook)
    pairs = list(zip(derived["excerpt_id"], derived["code_id"]))
    assert pairs == [
        ("E-1", "learning"),
        ("E-1", "learn_listen"),
        ("E-2", "learning"),
        ("E-3", "learning"),
        ("E-4", "barrier_time"),
        ("E-5", "case_a"),
    ]
    assert set(derived["coder"]) == {"report"}
    assert qc.compare_codings(codings, derived).empty


def test_unmapped_section_names_codebook_and_excerpt(loaded):
    codebook, excerpts, _ = loaded
    bad = excerpts.assign(section=excerpts["section"].where(excerpts["excerpt_id"] != "E-2", "Lerning"))
    with pytest.raises(
        ConfigError,
        match=r"codebook.yml, key sections: expected a code for the section heading "
        r"of excerpt E-2 \(raw/excerpts.csv row 3\); found 'Lerning'",
    ):
        qc.derive_codings(bad, codebook)


def test_compare_codings_reports_both_directions():
    a = pd.DataFrame({"excerpt_id": ["E-1", "E-2"], "code_id": ["x", "y"], "coder": "a"})
    b = pd.DataFrame({"excerpt_id": ["E-1", "E-3"], "code_id": ["x", "y"], "coder": "b"})
    diff = qc.compare_codings(a, b)
    assert diff.to_dict("records") == [
        {"excerpt_id": "E-2", "code_id": "y", "in_first": True, "in_second": False},
        {"excerpt_id": "E-3", "code_id": "y", "in_first": False, "in_second": True},
    ]


@pytest.mark.parametrize("sid", STUDIES)
def test_committed_codings_equal_the_section_mapping(sid):
    study = load_study(sid, ROOT, check_files=False)
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    committed = qc.load_codings(study, codebook, excerpts)
    assert set(committed["coder"]) == {"report"}
    assert qc.compare_codings(committed, qc.derive_codings(excerpts, codebook)).empty


@pytest.mark.parametrize(
    "column,value,message",
    [
        ("excerpt_id", "E-9", "row 3, column excerpt_id: expected an excerpt id of raw/excerpts.csv; found 'E-9'"),
        ("code_id", "learnin", "row 3, column code_id: expected a code id of analysis/codebook.yml"),
        ("coder", "", "row 3, column coder: expected the coder's name"),
    ],
)
def test_bad_codings_are_located(loaded, column, value, message):
    codebook, excerpts, codings = loaded
    bad = codings.copy()
    bad.loc[1, column] = value
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        qc.check_codings(bad, codebook, excerpts, "codings.csv")


def test_with_ancestors_adds_parent_themes(loaded):
    codebook, _, codings = loaded
    full = qc.with_ancestors(codings, codebook)
    e5 = full[full["excerpt_id"] == "E-5"].sort_values("code_id")
    assert list(e5["code_id"]) == ["case_a", "progress"]
    assert list(e5["direct"]) == [True, False]


# --- appendix tables -----------------------------------------------------------------------------


def test_theme_matrix_counts_excerpts_per_participant(loaded):
    codebook, excerpts, codings = loaded
    m = qa.theme_matrix(codings, excerpts, codebook).set_index("code_id")
    assert list(m.columns) == [
        "code",
        "Social Care 1",
        "Youth Work 1",
        "Youth Work 2",
        "questionnaire free text (anonymous)",
        "participants",
        "excerpts",
    ]
    assert m.loc[
        "learning", ["Youth Work 1", "Youth Work 2", "Social Care 1", "questionnaire free text (anonymous)"]
    ].tolist() == [1, 1, 0, 1]
    assert m.at["learning", "participants"] == 2 and m.at["learning", "excerpts"] == 3
    assert m.at["barriers", "Social Care 1"] == 1  # rolled up from barrier_time
    assert m.at["progress", "Youth Work 1"] == 1  # rolled up from case_a
    assert m.at["barrier_space", "excerpts"] == 0  # codes without excerpts stay as rows


def test_prevalence_by_timepoint(loaded, study):
    codebook, excerpts, codings = loaded
    participants = qp.load_participants(study)
    p = qa.prevalence(codings, excerpts, participants, codebook, "timepoint").set_index(["code_id", "group"])
    assert p.loc[("learning", "1 month"), ["participants", "base"]].tolist() == [1, 3]
    assert p.loc[("learning", "3 month"), ["participants", "base"]].tolist() == [1, 2]
    assert p.loc[("barriers", "1 month"), "percent"] == pytest.approx(33.3)
    assert p.loc[("progress", "3 month"), "percent"] == 50.0
    assert p.loc[("progress", "1 month"), "participants"] == 0


def test_prevalence_by_sector(loaded, study):
    codebook, excerpts, codings = loaded
    participants = qp.load_participants(study)
    assert qa.prevalence_groups(excerpts, participants) == ["timepoint", "sector"]
    p = qa.prevalence(codings, excerpts, participants, codebook, "sector").set_index(["code_id", "group"])
    assert p.loc[("learning", "Youth work"), ["participants", "base", "percent"]].tolist() == [2, 2, 100.0]
    assert p.loc[("learning", "Social care"), "participants"] == 0
    assert p.loc[("barrier_time", "Social care"), ["participants", "base"]].tolist() == [1, 1]


def test_quotations_keep_attribution_and_order(loaded):
    codebook, excerpts, codings = loaded
    quotes = qa.quotations(codings, excerpts, codebook)
    assert list(quotes["excerpt_id"]) == ["E-1", "E-2", "E-3", "E-1", "E-4", "E-5"]
    assert list(quotes["code_id"])[:4] == ["learning", "learning", "learning", "learn_listen"]
    anon = quotes[quotes["excerpt_id"] == "E-3"]["attribution"].iloc[0]
    assert anon == "questionnaire free text (anonymous)"


def test_barrier_counts_beside_the_report(loaded, study):
    codebook, excerpts, codings = loaded
    table = qa.barrier_counts(codings, excerpts, codebook, load_published(study)).set_index("code_id")
    assert table.at["barrier_time", "report_participants"] == 2
    assert table.at["barrier_time", "participants_coded"] == 1
    assert table.at["barrier_time", "status"] == "differs"
    assert pd.isna(table.at["barrier_space", "report_participants"])
    assert table.at["barrier_space", "printed"] == "several participants"
    assert table.at["barrier_space", "status"] == "not reproducible from the published excerpts"


def test_barrier_count_with_unknown_figure_is_a_codebook_error(tmp_path):
    folder = _copy(tmp_path)
    _edit_yaml(
        folder / "analysis" / "codebook.yml",
        lambda c: c["themes"][1]["children"][0]["report_count"].update(figures=["b.9"]),
    )
    study = load_study(folder, check_files=False)
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    codings = qc.load_codings(study, codebook, excerpts)
    with pytest.raises(
        ConfigError,
        match=r"key themes\[1\].children\[0\].report_count.figures\[0\]: "
        r"expected a figure id of published/figures.csv; found 'b.9'",
    ):
        qa.barrier_counts(codings, excerpts, codebook, load_published(study))


def test_cases_table(loaded):
    codebook, excerpts, codings = loaded
    cases = qa.cases_table(codings, excerpts, codebook)
    assert cases.to_dict("records") == [
        {
            "case": "Case A",
            "participant": "Youth Work 1",
            "issue": "An issue.",
            "progress": "Some progress.",
            "evidence": "E-5",
            "evidence_timepoints": "3 month",
        }
    ]


@pytest.mark.parametrize(
    "speaker,sector",
    [
        ("Youth Work 1", "Youth work"),
        ("Community Development", "Community development"),
        ("Early Help 3", "Early help"),
        ("Participant 4", ""),
        ("", ""),
    ],
)
def test_speaker_sector(speaker, sector):
    assert qp.speaker_sector(speaker) == sector


def test_participants_table_matches_published_counts(loaded, study):
    _, excerpts, _ = loaded
    table, name = qp.participants_table(excerpts, qp.load_participants(study), load_published(study))
    assert name == "table3.csv"
    rows = {
        (r.block, r.category): (r.participants, r.published, r.figure_id, r.reconstructed) for r in table.itertuples()
    }
    assert rows[("sector", "Youth work")] == (2, 2.0, "t3.youth_work", False)
    assert rows[("sector", "Social care")] == (1, 1.0, "t3.social_care", False)
    assert rows[("training attended", "Jan 2024")] == (2, 2.0, "t3.jan", True)
    assert rows[("training attended", "Attended Managers training")] == (1, 1.0, "t3.managers", True)
    assert rows[("training attended", "Unknown period")][3] is False


def test_lancashire_participants_reproduce_table3():
    study = load_study("lancashire-tiat", ROOT, check_files=False)
    excerpts = qe.load_excerpts(study)
    participants = qp.load_participants(study)
    qp.check_participants(participants, excerpts)
    table, name = qp.participants_table(excerpts, participants, load_published(study))
    assert name == "table3.csv"
    assert (table["figure_id"] != "").all()
    assert (table["participants"] == table["published"]).all()
    assert table.loc[table["block"] == "sector", "participants"].sum() == 10
    assert table.loc[table["block"] == "training attended", "reconstructed"].all()
    # the sector column of participants.csv is the speaker label without its number
    assert (participants["sector"] == participants["participant"].map(qp.speaker_sector)).all()


def test_unknown_speaker_is_reported(loaded, study):
    _, excerpts, _ = loaded
    participants = qp.load_participants(study)
    with pytest.raises(
        InputError,
        match=r"participants.csv, column participant: expected a row for the speaker "
        r"of excerpt E-4; found 'Social Care 1'",
    ):
        qp.check_participants(participants[participants["participant"] != "Social Care 1"], excerpts)


def test_display_redacts_names_the_study_redacts():
    study = load_study("surrey-als", ROOT, check_files=False)
    shown = qe.redacted(qe.load_excerpts(study), study).set_index("excerpt_id")
    assert "Nick" not in shown.at["S-001", "text"] and "[name]" in shown.at["S-001", "text"]
    assert qe.load_excerpts(study).set_index("excerpt_id").at["S-001", "text"].count("Nick") == 1


# --- QDA interchange -----------------------------------------------------------------------------


def _round_trip(excerpts, codings, codebook, path):
    project = qda.project_from_tables(excerpts.drop(columns="study"), codings, codebook.table())
    qda.write_qdpx(project, path)
    back = qda.match_codings(qda.read_qdpx(path), excerpts, codebook.table())
    assert back.unmatched.empty
    return back.codings


def test_qdpx_round_trip_gives_the_same_codings(loaded, tmp_path):
    codebook, excerpts, codings = loaded
    back = _round_trip(excerpts, codings, codebook, tmp_path / "codings.qdpx")
    assert qc.compare_codings(codings, back).empty
    assert set(back["coder"]) == {"report"}


@pytest.mark.parametrize("sid", STUDIES)
def test_study_codings_survive_a_qdpx_round_trip(sid, tmp_path):
    study = load_study(sid, ROOT, check_files=False)
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    codings = qc.load_codings(study, codebook, excerpts)
    back = _round_trip(excerpts, codings, codebook, tmp_path / f"{sid}.qdpx")
    pd.testing.assert_frame_equal(qc.check_codings(back, codebook, excerpts, "back"), codings)


def test_load_codings_reads_a_qdpx_named_in_study_yml(tmp_path, loaded):
    codebook, excerpts, codings = loaded
    folder = _copy(tmp_path)
    _round_trip(excerpts, codings, codebook, folder / "raw" / "codings.qdpx")
    _edit_yaml(folder / "study.yml", lambda c: c["inputs"].update(codings="raw/codings.qdpx"))
    study = load_study(folder, check_files=False)
    read = qc.load_codings(study, cb.load_codebook(study), qe.load_excerpts(study))
    pd.testing.assert_frame_equal(read, codings)


def test_load_codings_reads_a_taguette_export(tmp_path):
    folder = _copy(tmp_path)
    shutil.copy(FIX / "taguette_highlights.csv", folder / "raw" / "taguette_highlights.csv")
    _edit_yaml(folder / "study.yml", lambda c: c["inputs"].update(codings="raw/taguette_highlights.csv"))
    study = load_study(folder, check_files=False)
    codebook = cb.load_codebook(study)
    read = qc.load_codings(study, codebook, qe.load_excerpts(study))
    assert read.to_dict("records") == [
        {"excerpt_id": "E-1", "code_id": "learning", "coder": "taguette_highlights"},
        {"excerpt_id": "E-4", "code_id": "barrier_time", "coder": "taguette_highlights"},
    ]


def test_export_with_an_unknown_code_is_an_error(tmp_path):
    folder = _copy(tmp_path)
    (folder / "raw" / "tags.csv").write_text(
        "id,document,tag,content\n1,t,Lerning,We learnt to listen before we answer.\n"
    )
    _edit_yaml(folder / "study.yml", lambda c: c["inputs"].update(codings="raw/tags.csv"))
    study = load_study(folder, check_files=False)
    with pytest.raises(InputError, match="tags.csv.*code not in the codebook"):
        qc.load_codings(study, cb.load_codebook(study), qe.load_excerpts(study))


# --- agreement -----------------------------------------------------------------------------------


def test_kappa_per_theme_against_a_second_coder(loaded):
    codebook, excerpts, codings = loaded
    second = qc.check_codings(pd.read_csv(FIX / "second_coder.csv", dtype=str), codebook, excerpts, "second")
    both = pd.concat([qc.at_theme_level(codings, codebook), qc.at_theme_level(second, codebook)])
    k = agreement.kappa_per_code(
        both, "report", "B", units=excerpts["excerpt_id"], codes=[c.id for c in codebook.themes]
    ).set_index("code_id")
    # learning: both 2, report only 1 (E-3), neither 2 -> p_o 0.8, p_e 0.48
    assert k.at["learning", "kappa"] == pytest.approx((0.8 - 0.48) / 0.52)
    # barriers: both 1 (E-4, rolled up from barrier_time), second only 1 (E-3) -> p_o 0.8, p_e 0.56
    assert k.at["barriers", "kappa"] == pytest.approx((0.8 - 0.56) / 0.44)
    assert k.at["progress", "kappa"] == pytest.approx(1.0)


def test_surrey_second_coding_covers_every_excerpt_at_theme_level():
    study = load_study("surrey-als", ROOT, check_files=False)
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    second = qc.check_codings(
        pd.read_csv(study.root / "raw" / "codings_second_coder.csv", dtype=str),
        codebook,
        excerpts,
        "codings_second_coder.csv",
    )
    assert set(second["coder"]) == {"compendium_second_coder"}
    assert set(second["excerpt_id"]) == set(excerpts["excerpt_id"])
    assert {codebook.codes[c].parent for c in second["code_id"]} == {""}


def test_load_bundles_everything_and_derives_missing_codings(tmp_path):
    folder = _copy(tmp_path)
    (folder / "raw" / "codings.csv").unlink()
    study = load_study(folder, check_files=False)
    qual = qd.load(study)
    assert qual.codings_derived
    assert qc.compare_codings(qual.codings, qc.derive_codings(qual.excerpts, qual.codebook)).empty
    assert list(qual.participants["participant"]) == ["Youth Work 1", "Youth Work 2", "Social Care 1"]
    (folder / "analysis" / "codebook.yml").unlink()
    assert qd.load(load_study(folder, check_files=False)) is None
