"""Coding-software interchange: REFI-QDA, Taguette and QualCoder exports read from hand-written fixtures.

Fixtures are built by tests/fixtures/qda/make_fixtures.py (committed with its output).
"""

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from tieval.errors import InputError
from tieval.qual import qda
from tieval.schema import CODEBOOK, CODINGS

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "qda"


def fixture_table(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def nvivo():
    return qda.read_qdpx(FIX / "nvivo_project.qdpx")


@pytest.fixture(scope="module")
def qualcoder():
    return qda.read_qdpx(FIX / "qualcoder_project.qdpx")


# ---- REFI-QDA: NVivo style ---------------------------------------------------------------------


def test_nvivo_codes_are_nested_with_paths_and_descriptions(nvivo):
    codes = nvivo.codes.set_index("name")
    assert codes.loc["Being heard", "path"] == "Relationships/Feeling safe/Being heard"
    assert codes.loc["Being heard", "parent_id"] == codes.loc["Feeling safe", "code_id"]
    assert codes.loc["Feeling safe", "parent_id"] == codes.loc["Relationships", "code_id"]
    assert codes.loc["Relationships", "parent_id"] == ""
    assert codes.loc["Feeling safe", "description"] == "Participants describe psychological safety"
    assert codes.loc["Time and capacity", "path"] == "Barriers/Time and capacity"
    assert codes["codable"].all()


def test_nvivo_selection_text_is_cut_by_code_points_not_bytes(nvivo):
    p1 = nvivo.sources.set_index("name").loc["Interview P1"]
    texts = nvivo.codings.loc[nvivo.codings["source_id"] == p1["source_id"], "text"].tolist()
    assert texts == [
        "\u201csafe\u201d",
        "I could say what I thought",
        "I could say what I thought",
        "Caf\u00e9 chats helped too.",
        "We\u2019re stretched though.",
    ]
    # The fixture discriminates: the same offsets read as UTF-8 byte offsets give other text.
    raw = p1["text"].encode("utf-8")
    row = nvivo.codings.iloc[1]
    assert raw[row["start"] : row["end"]].decode("utf-8", "replace") != row["text"]


def test_nvivo_inline_text_users_notes_variables_and_skipped_media(nvivo):
    sources = nvivo.sources.set_index("name")
    assert sources.loc["Focus group summary", "text"] == ("Na\u00efve questions were welcomed \u2014 that\u2019s rare.")
    assert nvivo.variables == ["Role"]
    assert sources.loc["Interview P1", "Role"] == "Social worker"
    assert nvivo.coders == ["Ana", "Ben"]
    notes = nvivo.codings.set_index(["start", "coder"])["note"]
    assert notes[(52, "Ana")] == "Key quote"  # selection Description
    assert notes[(63, "Ben")] == "Borderline: could be Being heard."  # Coding NoteRef -> Note
    assert notes[(63, "Ana")] == ""
    assert nvivo.issues["issue"].tolist() == ["PictureSource skipped: only text sources are read"]
    assert nvivo.name == "Workforce interviews"


# ---- REFI-QDA: QualCoder / ATLAS.ti style -----------------------------------------------------


def test_qualcoder_style_lowercase_sources_bom_crlf_braced_guid(qualcoder):
    source = qualcoder.sources.iloc[0]
    assert source["text"].startswith("Q: What changed?\r\n")  # BOM dropped, CRLF kept
    codings = qualcoder.codings
    names = dict(zip(qualcoder.codes["code_id"], qualcoder.codes["name"]))
    got = [(names[c], t, who) for c, t, who in zip(codings["code_id"], codings["text"], codings["coder"])]
    assert got[:3] == [
        ("Enrolment", "signed up", "coder1"),
        ("Legitimation", "Managers said it\u2019s legitimate work now.", "coder1"),  # {GUID} upper
        ("Legitimation", "Managers said it\u2019s legitimate work now.", "coder2"),
    ]
    whole = codings.iloc[3]  # Coding on the TextSource
    assert (names[whole["code_id"]], whole["start"], whole["end"]) == ("Other", 0, len(source["text"]))
    assert whole["selection_id"] == ""


def test_qualcoder_style_category_is_not_codable_and_cases_are_read(qualcoder):
    codes = qualcoder.codes.set_index("name")
    assert not codes.loc["Implementation", "codable"]
    assert codes.loc["Legitimation", "path"] == "Implementation/Legitimation"
    assert qualcoder.cases[["name", "source_id"]].values.tolist() == [["P3", qualcoder.sources.iloc[0]["source_id"]]]


# ---- CSV exports ---------------------------------------------------------------------------------


def test_taguette_highlights_one_coding_per_tag_untagged_listed():
    project = qda.read_taguette_csv(FIX / "taguette_highlights.csv", coder="coder-b")
    codings = project.codings
    assert codings["selection_id"].tolist() == ["1", "1", "2", "3", "4", "5", "7"]
    assert codings["code_id"].tolist()[:2] == ["Feeling safe", "Relationships"]
    assert codings["text"].iloc[0] == ("It felt \u201csafe\u201d \U0001f60a \u2014 I could\nsay what I thought.")
    assert set(codings["coder"]) == {"coder-b"}
    assert codings["start"].isna().all()
    assert sorted(project.sources["name"]) == ["Focus group", "Interview P1", "Interview P2"]
    assert project.issues.values.tolist() == [["row 8", "highlight 6 has no tag"]]


def test_qualcoder_csv_categories_nest_codes_and_images_are_skipped():
    project = qda.read_qualcoder_csv(FIX / "qualcoder_coded_text.csv")
    codings = project.codings
    assert codings["code_id"].tolist() == [
        "Relationships/Feeling safe",
        "Context/Barriers/Time and capacity",
        "Context/Barriers/Time and capacity",
        "Leadership",
    ]
    assert codings["coder"].tolist() == ["ana", "ana", "ben", "ben"]
    assert codings["selection_id"].tolist() == ["ctid:11", "ctid:12", "ctid:13", "ctid:14"]
    assert codings["note"].tolist()[1] == "workload, not attitude"
    assert codings["text"].iloc[0].startswith("It felt \u201csafe\u201d \U0001f60a")
    codes = project.codes.set_index("code_id")
    assert codes.loc["Context/Barriers", "parent_id"] == "Context"
    assert not codes.loc["Context/Barriers", "codable"]
    assert codes.loc["Context/Barriers/Time and capacity", "codable"]
    assert project.issues["issue"].tolist() == ["imid:3 skipped: only text codings are read"]


@pytest.mark.parametrize(
    "name, origin",
    [
        ("nvivo_project.qdpx", "NVivo 14 (hand-written fixture)"),
        ("taguette_highlights.csv", "Taguette highlights CSV"),
        ("qualcoder_coded_text.csv", "QualCoder coded-text CSV"),
    ],
)
def test_read_codings_dispatches_on_content(name, origin):
    assert qda.read_codings(FIX / name).origin == origin


def test_read_codings_rejects_other_csv():
    with pytest.raises(InputError, match=r"excerpts\.csv, row 1: expected a REFI-QDA \.qdpx"):
        qda.read_codings(FIX / "excerpts.csv")


# ---- malformed inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, column, expected",
    [
        ("bad_not_a_zip.qdpx", None, "a zip archive"),
        ("bad_no_project_qde.qdpx", None, "a project.qde file inside"),
        ("bad_wrong_namespace.qdpx", "Project", "namespace urn:QDA-XML:project:1.0"),
        (
            "bad_unknown_code.qdpx",
            "Coding c0d10000-0000-4000-8000-000000000005",
            "a CodeRef whose targetGUID names a Code",
        ),
        ("bad_selection_range.qdpx", "PlainTextSelection 5e1ec700-0000-4000-8000-000000000004", "endPosition <= 142"),
        ("bad_missing_text.qdpx", "TextSource 50bce000-0000-4000-8000-000000000001", "the source text Sources/"),
    ],
)
def test_malformed_qdpx_raises_input_error_naming_file_and_element(name, column, expected):
    with pytest.raises(InputError) as info:
        qda.read_qdpx(FIX / name)
    error = info.value
    assert error.file.endswith(name)
    assert error.column == column
    assert expected in str(error)


def test_unknown_code_error_shows_the_dangling_guid():
    with pytest.raises(InputError, match="DEADBEEF-0000-4000-8000-000000000000"):
        qda.read_qdpx(FIX / "bad_unknown_code.qdpx")


@pytest.mark.parametrize(
    "reader, name, column",
    [
        (qda.read_taguette_csv, "taguette_missing_column.csv", "tag"),
        (qda.read_qualcoder_csv, "qualcoder_missing_column.csv", "Codename"),
    ],
)
def test_csv_missing_required_column(reader, name, column):
    with pytest.raises(InputError) as info:
        reader(FIX / name)
    assert (info.value.row, info.value.column, info.value.found) == (1, column, "missing")
    assert info.value.file.endswith(name)


# ---- writing and round trips -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def study_tables():
    excerpts = fixture_table("excerpts.csv")
    codebook = fixture_table("codebook.csv")
    codings = pd.DataFrame(
        [
            ("E-01", "relationships", "ana"),
            ("E-01", "safety", "ana"),
            ("E-01", "safety", "ben"),
            ("E-02", "capacity", "ana"),
            ("E-04", "leadership", "ben"),
            ("E-05", "safety", "ben"),
        ],
        columns=CODINGS,
    )
    return excerpts, codings, codebook


def test_tables_round_trip_through_qdpx_exactly(study_tables, tmp_path):
    excerpts, codings, codebook = study_tables
    project = qda.project_from_tables(excerpts, codings, codebook, name="fixture study")
    path = qda.write_qdpx(project, tmp_path / "study.qdpx")
    back = qda.tables_from_project(qda.read_qdpx(path), codebook)
    pd.testing.assert_frame_equal(back.excerpts, excerpts)
    pd.testing.assert_frame_equal(back.codings, codings.sort_values(CODINGS, ignore_index=True))
    pd.testing.assert_frame_equal(back.codebook, codebook[CODEBOOK])
    assert back.unmatched.empty


@pytest.mark.parametrize("study", ["surrey-als", "lancashire-tiat"])
def test_published_excerpts_round_trip(study, tmp_path):
    excerpts = pd.read_csv(ROOT / "data" / study / "raw" / "excerpts.csv", dtype=str, keep_default_na=False)
    codings = pd.DataFrame({"excerpt_id": excerpts["excerpt_id"], "code_id": "quoted", "coder": "lead"})
    path = qda.write_qdpx(qda.project_from_tables(excerpts, codings), tmp_path / "s.qdpx")
    back = qda.tables_from_project(qda.read_qdpx(path))
    pd.testing.assert_frame_equal(back.excerpts, excerpts)
    pd.testing.assert_frame_equal(back.codings, codings.sort_values(CODINGS, ignore_index=True))


def test_export_layout_one_source_per_excerpt_with_variables_and_cases(study_tables):
    excerpts, codings, codebook = study_tables
    project = qda.project_from_tables(excerpts, codings, codebook)
    assert project.sources["name"].tolist() == excerpts["excerpt_id"].tolist()
    assert project.variables == ["excerpt_id", "section", "source", "speaker", "timepoint", "attribution"]
    assert project.cases["name"].tolist() == ["Participant 1", "Participant 2", "Youth Work 1", "Youth Work 2"]
    codes = project.codes.set_index("code_id")
    assert codes.loc["safety", "path"] == "Relationships/Feeling safe"
    assert "theme: relationships" in set(project.sets["name"])


def test_write_is_deterministic_with_fixed_dates_and_sorted_entries(study_tables, tmp_path):
    excerpts, codings, codebook = study_tables
    project = qda.project_from_tables(excerpts, codings, codebook)
    first = qda.write_qdpx(project, tmp_path / "a.qdpx").read_bytes()
    second = qda.write_qdpx(qda.project_from_tables(excerpts, codings, codebook), tmp_path / "b.qdpx").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.qdpx") as archive:
        infos = archive.infolist()
        qde = archive.read("project.qde").decode("utf-8")
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert 'xmlns="urn:QDA-XML:project:1.0"' in qde
    assert f'guid="{qda.stable_guid("source", "E-01")}"' in qde
    assert f"Sources/{qda.stable_guid('source', 'E-01')}.txt" in names


def test_foreign_project_reexported_gives_same_codings(nvivo, tmp_path):
    back = qda.read_qdpx(qda.write_qdpx(nvivo, tmp_path / "again.qdpx"))
    pd.testing.assert_frame_equal(back.codings, nvivo.codings)
    pd.testing.assert_frame_equal(back.codes, nvivo.codes)
    pd.testing.assert_frame_equal(back.sources, nvivo.sources)


def test_csv_project_cannot_be_written_without_offsets(tmp_path):
    project = qda.read_taguette_csv(FIX / "taguette_highlights.csv")
    with pytest.raises(InputError, match="match_codings"):
        qda.write_qdpx(project, tmp_path / "x.qdpx")
    assert not (tmp_path / "x.qdpx").exists()


@pytest.mark.parametrize(
    "change, column",
    [
        ("duplicate_excerpt", "excerpt_id"),
        ("unknown_excerpt", "excerpt_id"),
        ("unknown_code", "code_id"),
    ],
)
def test_project_from_tables_rejects_inconsistent_tables(study_tables, change, column):
    excerpts, codings, codebook = study_tables
    if change == "duplicate_excerpt":
        excerpts = pd.concat([excerpts, excerpts.iloc[[0]]], ignore_index=True)
    elif change == "unknown_excerpt":
        codings = pd.concat([codings, pd.DataFrame([("E-99", "safety", "ana")], columns=CODINGS)])
    else:
        codings = pd.concat([codings, pd.DataFrame([("E-01", "joy", "ana")], columns=CODINGS)])
    with pytest.raises(InputError) as info:
        qda.project_from_tables(excerpts, codings, codebook)
    assert info.value.column == column


# ---- tying exports to the study's excerpts -----------------------------------------------------------


def test_taguette_highlights_match_excerpts_by_text(study_tables):
    excerpts, _, codebook = study_tables
    project = qda.read_taguette_csv(FIX / "taguette_highlights.csv", coder="coder-b")
    result = qda.match_codings(project, excerpts, codebook)
    assert result.codings.values.tolist() == [
        ["E-01", "relationships", "coder-b"],  # exact after whitespace normalisation
        ["E-01", "safety", "coder-b"],
        ["E-02", "capacity", "coder-b"],  # highlight inside one excerpt
        ["E-04", "leadership", "coder-b"],
    ]
    reasons = dict(zip(result.unmatched["coding_id"], result.unmatched["reason"]))
    assert reasons == {
        "4:Feeling safe": "text found in 2 excerpts: E-03, E-05",
        "5:Leadership": "no excerpt holds this text",
        "7:Unknown tag": "code not in the codebook",
    }


def test_qualcoder_csv_codes_map_by_label_path_then_label(study_tables):
    excerpts, _, codebook = study_tables
    project = qda.read_qualcoder_csv(FIX / "qualcoder_coded_text.csv")
    result = qda.match_codings(project, excerpts, codebook)
    assert result.codings.values.tolist() == [
        ["E-01", "safety", "ana"],  # 'Relationships/Feeling safe' = the codebook's label path
        ["E-02", "capacity", "ana"],  # 'Context/Barriers/Time and capacity': by unique label
        ["E-02", "capacity", "ben"],
        ["E-04", "leadership", "ben"],
    ]
    assert result.unmatched.empty


def test_second_coder_recoding_our_export_maps_back_by_excerpt_variable(study_tables, tmp_path):
    excerpts, codings, codebook = study_tables
    exported = qda.read_qdpx(
        qda.write_qdpx(qda.project_from_tables(excerpts, codings, codebook), tmp_path / "for_coder_b.qdpx")
    )
    source = exported.sources.set_index("name").loc["E-03"]
    leadership = exported.codes.set_index("name").loc["Leadership", "code_id"]
    partial = pd.DataFrame(
        [
            {
                "coding_id": "x",
                "selection_id": "",
                "source_id": source["source_id"],
                "code_id": leadership,
                "start": 0,
                "end": 6,
                "text": source["text"][:6],
                "coder": "coder-b",
                "note": "",
            }
        ]
    )
    exported.codings = pd.concat([exported.codings, partial.astype(exported.codings.dtypes)], ignore_index=True)
    recoded = qda.read_qdpx(qda.write_qdpx(exported, tmp_path / "from_coder_b.qdpx"))
    result = qda.match_codings(recoded, excerpts, codebook)
    assert ["E-03", "leadership", "coder-b"] in result.codings.values.tolist()
    assert len(result.codings) == len(codings) + 1


def test_foreign_selections_become_new_excerpts(nvivo):
    tables = qda.tables_from_project(nvivo)
    assert tables.excerpts["excerpt_id"].tolist()[:2] == ["Interview P1:52-58", "Interview P1:63-89"]
    first = tables.excerpts.iloc[0]
    assert (first["text"], first["attribution"]) == ("\u201csafe\u201d", "Interview P1")
    assert tables.codings.values.tolist()[:3] == [
        ["Focus group summary:0-44", "Relationships/Feeling safe/Being heard", "Ben"],
        ["Interview P1:118-141", "Barriers/Time and capacity", "Ana"],
        ["Interview P1:52-58", "Relationships/Feeling safe", "Ana"],
    ]
    book = tables.codebook.set_index("code_id")
    assert book.loc["Relationships/Feeling safe", "parent"] == "Relationships"


def test_normalise_text():
    assert qda.normalise_text("  It\u00a0felt\n\n safe \t") == "It felt safe"
    assert qda.normalise_text("Cafe\u0301") == "Caf\u00e9"
