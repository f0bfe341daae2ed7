"""Coding-software interchange: REFI-QDA, Taguette and QualCoder exports read from hand-written fixtures.

Fixtures are built by tests/fixtures/qda/make_fixtures.py (committed with its output); the
README there says which real-world behaviour each reproduces.
"""

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from tieval.errors import InputError
from tieval.qual import qda
from tieval.schema import CODEBOOK, CODINGS
from tieval.survey.redact import redact_text

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "qda"
REL = "tests/fixtures/qda"

#: What NVivo shows for the six codings of Interview P1 (and the focus group's one), in order.
NVIVO_SHOWS = [
    "Caf\u00e9 culture",
    "made it feel \u201csafe\u201d",
    "made it feel \u201csafe\u201d",  # the same selection, coded by Ana and Ben
    "re\u0301sume\u0301 workshop",  # combining acute accents, after the emoji
    "\u7814\u4fee (training)",
    "kaua\u0304papa session",  # after the flag: two regional indicators, four UTF-16 units
    "We\u2019re stretched though.",
    "Na\u00efve questions were welcomed",
]


def fixture_table(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def nvivo():
    return qda.read_qdpx(FIX / "nvivo_project.qdpx")


@pytest.fixture(scope="module")
def qualcoder():
    return qda.read_qdpx(FIX / "qualcoder_project.qdpx")


@pytest.fixture(autouse=True)
def _in_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # error messages show paths relative to the working directory


# ---- REFI-QDA: NVivo (UTF-16 offsets) and the same project from QualCoder (code points) -------


def test_nvivo_coded_text_is_what_nvivo_shows(nvivo):
    assert nvivo.codings["text"].tolist() == NVIVO_SHOWS
    assert nvivo.offsets == "UTF-16 code units"
    assert nvivo.origin == "NVivo 14"
    p1 = nvivo.sources.set_index("name").loc["Interview P1", "text"]
    # start/end are code points into the text as stored (CRLF kept, counted twice, as NVivo does).
    for row in nvivo.codings.itertuples():
        source = nvivo.sources.set_index("source_id").loc[row.source_id, "text"]
        assert source[row.start : row.end] == row.text
    assert "\r\n" in p1


def test_nvivo_offsets_read_as_code_points_would_cut_elsewhere(nvivo):
    """The fixture discriminates: reading NVivo's numbers as code points shifts every coding after the emoji."""
    with zipfile.ZipFile(FIX / "nvivo_project.qdpx") as archive:
        qde = archive.read("project.qde").decode("utf-8")
    p1 = nvivo.sources.set_index("name").loc["Interview P1", "text"]
    start = int(qde.split('name="safe" startPosition="')[1].split('"')[0])
    end = int(qde.split('name="safe" startPosition="')[1].split('endPosition="')[1].split('"')[0])
    assert p1[start:end] == "ade it feel \u201csafe\u201d."  # one unit per emoji: off by one
    kaupapa = nvivo.codings.iloc[5]
    assert (kaupapa["start"], kaupapa["end"]) == (p1.index("kaua"), p1.index("kaua") + 17)


def test_same_project_with_code_points_from_qualcoder_reads_identically(nvivo):
    same = qda.read_qdpx(FIX / "qualcoder_same_project.qdpx")
    assert same.offsets == "code points"
    pd.testing.assert_frame_equal(same.codings, nvivo.codings)
    pd.testing.assert_frame_equal(same.sources, nvivo.sources)  # BOM dropped, sources/ folder found


def test_nvivo_offsets_without_origin_are_found_by_the_evidence(nvivo):
    anonymous = qda.read_qdpx(FIX / "nvivo_no_origin.qdpx")
    pd.testing.assert_frame_equal(anonymous.codings, nvivo.codings)
    assert anonymous.issues["issue"].tolist()[-1] == (
        "offsets read as UTF-16 code units although the standard says code points: "
        "only that reading puts the selections on word boundaries"
    )


def test_source_text_stored_as_utf16_with_bom(nvivo):
    pd.testing.assert_frame_equal(qda.read_qdpx(FIX / "nvivo_utf16_text.qdpx").codings, nvivo.codings)


def test_nvivo_codes_users_notes_variables_and_skipped_media(nvivo):
    codes = nvivo.codes.set_index("name")
    assert codes.loc["Being heard", "path"] == "Relationships/Feeling safe/Being heard"
    assert codes.loc["Being heard", "parent_id"] == codes.loc["Feeling safe", "code_id"]
    assert codes.loc["Feeling safe", "description"] == "Participants describe psychological safety"
    sources = nvivo.sources.set_index("name")
    assert sources.loc["Focus group summary", "text"] == (
        "Na\u00efve questions were welcomed \u2014 that\u2019s rare \U0001f44d."
    )
    assert nvivo.variables == ["Role"]
    assert sources.loc["Interview P1", "Role"] == "Social worker"
    assert nvivo.coders == ["Ana", "Ben"]
    assert nvivo.codings["coder"].tolist() == ["Ana", "Ana", "Ben", "Ben", "Ana", "Ana", "Ana", "Ben"]
    assert nvivo.codings["note"].tolist()[1:3] == ["Key quote", "Key quote\n\nBorderline: could be Being heard."]
    assert nvivo.issues["issue"].tolist() == ["PictureSource skipped: only text sources are read"]
    assert nvivo.codings["where"].iloc[0] == "PlainTextSelection 5e1ec700-0000-4000-8000-000000000001"


# ---- REFI-QDA: ATLAS.ti, MAXQDA and QualCoder quirks --------------------------------------------


def test_atlas_project_named_qde_crlf_counted_once_and_note_file():
    atlas = qda.read_qdpx(FIX / "atlas_project.qdpx")
    assert atlas.offsets == "code points, CRLF as one"
    assert atlas.codings["text"].tolist() == [
        "We \u201csigned up\u201d as a team.",
        "Managers said it\u2019s legitimate work now, and they mean it.",
        "Na\u00efve questions are welcome here.",
    ]
    text = atlas.sources["text"].iloc[0]
    assert text.count("\r\n") == 4  # kept as stored; offsets are code points into it
    assert [text[s:e] for s, e in zip(atlas.codings["start"], atlas.codings["end"])] == atlas.codings["text"].tolist()
    assert atlas.codings["note"].tolist() == ["", "Said twice in the interview.", ""]
    assert atlas.coders == ["Dana"] and atlas.name == "Workforce"


def test_maxqda_memo_selection_same_named_sources_and_nameless_case():
    maxqda = qda.read_qdpx(FIX / "maxqda_project.qdpx")
    assert maxqda.offsets == "code points, CRLF as one"
    assert maxqda.codings["text"].tolist() == ["It gave us time to reflect.", "We had no time at all."]
    assert maxqda.sources["name"].tolist() == ["Interview", "Interview"]
    assert maxqda.sources["source_id"].nunique() == 2
    assert maxqda.cases["name"].tolist() == ["ca5e0000-0832-47ce-bd66-a8ec188d3701"]
    assert maxqda.issues.values.tolist() == [
        [
            "PlainTextSelection 5e100000-0832-47ce-bd66-a8ec188d3702",
            "selection without a Coding skipped (a memo: 'Memo: check with the team lead.')",
        ]
    ]


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
    assert qualcoder.offsets == "code points"


def test_qualcoder_style_category_is_not_codable_and_cases_are_read(qualcoder):
    codes = qualcoder.codes.set_index("name")
    assert not codes.loc["Implementation", "codable"]
    assert codes.loc["Legitimation", "path"] == "Implementation/Legitimation"
    assert qualcoder.cases[["name", "source_id"]].values.tolist() == [["P3", qualcoder.sources.iloc[0]["source_id"]]]


def test_bare_qde_beside_its_sources_folder(tmp_path, nvivo):
    with zipfile.ZipFile(FIX / "nvivo_project.qdpx") as archive:
        archive.extractall(tmp_path)
    project = qda.read_codings(tmp_path / "project.qde")
    pd.testing.assert_frame_equal(project.codings, nvivo.codings)


def test_writer_detection_from_origin():
    assert qda.writer_of("NVivo for Windows 12.6").reading.name == "UTF-16 code units"
    assert qda.writer_of("ATLAS.ti Win 23.4.0").reading.name == "code points, CRLF as one"
    assert qda.writer_of("MAXQDA 24 (Release 24.7.0)").name == "MAXQDA"
    assert qda.writer_of("QualCoder 3.6").names_are_text
    assert qda.writer_of(qda.ORIGIN).reading == qda.STANDARD
    assert qda.writer_of("").name == ""


# ---- CSV and XLSX exports -----------------------------------------------------------------------


def test_taguette_highlights_one_coding_per_tag_untagged_listed():
    project = qda.read_taguette_csv(FIX / "taguette_highlights.csv", coder="coder-b")
    codings = project.codings
    assert codings["selection_id"].tolist() == ["1", "1", "2", "3", "4", "5", "7"]
    assert codings["code_id"].tolist()[:2] == ["Feeling safe", "Relationships"]
    assert codings["text"].iloc[0] == ("It felt \u201csafe\u201d \U0001f60a \u2014 I could\nsay what I thought.")
    assert set(codings["coder"]) == {"coder-b"}
    assert codings["start"].isna().all()
    assert codings["where"].tolist() == ["row 2", "row 3", "row 4", "row 5", "row 6", "row 7", "row 9"]
    assert sorted(project.sources["name"]) == ["Focus group", "Interview P1", "Interview P2"]
    assert project.issues.values.tolist() == [["row 8", "highlight 6 has no tag"]]


def test_taguette_xlsx_reads_like_the_csv():
    csv_ = qda.read_codings(FIX / "taguette_highlights.csv", coder="b")
    xlsx = qda.read_codings(FIX / "taguette_highlights.xlsx", coder="b")
    assert xlsx.origin == "Taguette highlights XLSX"
    pd.testing.assert_frame_equal(xlsx.codings, csv_.codings)
    pd.testing.assert_frame_equal(xlsx.issues, csv_.issues)


def test_qualcoder_csv_unpadded_categories_and_file_variables():
    project = qda.read_qualcoder_csv(FIX / "qualcoder_coded_text.csv")
    codings = project.codings
    assert codings["code_id"].tolist() == [
        "Relationships/Feeling safe",  # not 'Social worker/Relationships/...': Role sits under Category 2
        "Context/Barriers/Time and capacity",
        "Context/Barriers/Time and capacity",
        "Leadership",
    ]
    assert codings["coder"].tolist() == ["ana", "ana", "ben", "ben"]
    assert codings["selection_id"].tolist() == ["ctid:11", "ctid:12", "ctid:13", "ctid:14"]
    assert codings["note"].tolist()[1] == "workload, not attitude"
    assert codings["text"].iloc[0].startswith("It felt \u201csafe\u201d \U0001f60a")
    assert project.sources.set_index("name")["Role"].to_dict() == {
        "Interview P1.txt": "Social worker",
        "Interview P2.txt": "Nurse",
        "Focus group.txt": "",
    }
    codes = project.codes.set_index("code_id")
    assert codes.loc["Context/Barriers", "parent_id"] == "Context"
    assert not codes.loc["Context/Barriers", "codable"]
    assert project.issues["issue"].tolist() == ["imid:3 skipped: only text codings are read"]


@pytest.mark.parametrize(
    "name, origin",
    [
        ("nvivo_project.qdpx", "NVivo 14"),
        ("atlas_project.qdpx", "ATLAS.ti Win 23.4.0"),
        ("taguette_highlights.csv", "Taguette highlights CSV"),
        ("taguette_highlights.xlsx", "Taguette highlights XLSX"),
        ("qualcoder_coded_text.csv", "QualCoder coded-text CSV"),
    ],
)
def test_read_codings_dispatches_on_content(name, origin):
    assert qda.read_codings(FIX / name).origin == origin


# ---- malformed inputs: one line each, naming file, element or row, expected and found ----------


@pytest.mark.parametrize(
    "name, message",
    [
        ("bad_not_a_zip.qdpx", "expected a REFI-QDA project: a zip archive (.qdpx) holding project.qde; found 'not a zip archive'"),
        ("bad_no_project_qde.qdpx", "expected a project.qde file inside the .qdpx archive; found 'Sources/50BCE000-0000-4000-8000-000000000001.txt'"),
        ("bad_wrong_namespace.qdpx", "column Project: expected a root element Project in the namespace urn:QDA-XML:project:1.0; found '{urn:QDA-XML:project:0.9}Project'"),
        ("bad_codebook_only.qdpx", "column CodeBook: expected a REFI-QDA project (Project in urn:QDA-XML:project:1.0) holding codings; found 'a REFI-QDA codebook (.qdc): codes only, no codings'"),
        ("bad_unknown_code.qdpx", "column Coding c0d10600-0000-4000-8000-000000000000: expected a CodeRef whose targetGUID names a Code in the CodeBook; found 'DEADBEEF-0000-4000-8000-000000000000'"),
        ("bad_selection_range.qdpx", "column PlainTextSelection 5e1ec700-0000-4000-8000-000000000006: expected 0 <= startPosition <= endPosition <= 214 (its source's length in code points; 217 in UTF-16 code units); found '192-715'"),
        ("bad_missing_text.qdpx", "column TextSource 50bce000-0000-4000-8000-000000000001: expected the source text Sources/50BCE000-0000-4000-8000-000000000001.txt inside the archive; found 'missing'"),
        ("bad_text_encoding.qdpx", "column TextSource 50bce000-0000-4000-8000-000000000001: expected source text encoded as UTF-8 (or UTF-16 with a byte-order mark); found 'Sources/50BCE000-0000-4000-8000-000000000001.txt'"),
        ("bad_mismatched_text.qdpx", "column PlainTextSelection 5e1ec700-0000-4000-8000-000000000001: expected offsets that cut the text where QualCoder meant in one reading (as code points or UTF-16 code units it cuts 'Caf\u00e9 culture'; as UTF-16 code units, CRLF as one it cuts 'af\u00e9 culture'); found \"neither fits: its name is 'Tea and biscuits'\""),
        ("bad_neither_reading.qdpx", "column PlainTextSelection 5e1ec700-0000-4000-8000-0000000000aa: expected offsets that cut the text where the writer meant in one reading (as code points it cuts 'Tie\u0302'; as UTF-16 code units it cuts 'Tie'); found 'neither fits: an end splits a character'"),
        ("bad_entity_expansion.qdpx", "column project.qde: expected XML without DOCTYPE or entity declarations (REFI-QDA uses none; refused for safety); found 'a DOCTYPE declaration'"),
        ("bad_external_entity.qdpx", "column project.qde: expected XML without DOCTYPE or entity declarations (REFI-QDA uses none; refused for safety); found 'a DOCTYPE declaration'"),
    ],
)  # fmt: skip
def test_malformed_qdpx_gives_one_line_naming_file_and_element(name, message):
    with pytest.raises(InputError) as info:
        qda.read_codings(FIX / name)
    expected = f"{REL}/{name}, {message}" if message.startswith("column") else f"{REL}/{name}: {message}"
    assert str(info.value) == expected
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "reader, name, message",
    [
        (qda.read_taguette, "taguette_missing_column.csv", "row 1, column tag: expected a Taguette highlights export: columns id, document, tag, content; found 'missing'"),
        (qda.read_qualcoder_csv, "qualcoder_missing_column.csv", "row 1, column Codename: expected a QualCoder coded-text export: columns Coder, Coded, Codename; found 'missing'"),
        (qda.read_taguette, "taguette_conflicting_rows.csv", "row 3, column content: expected the content of highlight 1 as on row 2 ('It felt safe'); found 'It felt safe to say so'"),
        (qda.read_codings, "excerpts.csv", "row 1: expected a REFI-QDA .qdpx, a Taguette highlights CSV or XLSX (id, document, tag, content) or a QualCoder coded-text CSV (File, Coder, Coded, Id, Codename); found 'excerpt_id,section,source,speaker,timepoint,attribution,t...'"),
    ],
)  # fmt: skip
def test_malformed_csv_gives_one_line_naming_file_row_and_column(reader, name, message):
    with pytest.raises(InputError) as info:
        reader(FIX / name)
    assert str(info.value) == f"{REL}/{name}, {message}"


def test_coded_text_matching_no_excerpt_is_an_error_naming_the_row(study_tables):
    excerpts, _, codebook = study_tables
    project = qda.read_taguette(FIX / "taguette_highlights.csv", coder="b")
    with pytest.raises(InputError) as info:
        qda.match_codings(project, excerpts, codebook, strict=True)
    assert str(info.value) == (
        f"{REL}/taguette_highlights.csv, row 6, column content: expected coded text that lies in exactly one "
        "of the study's excerpts (text found in 2 excerpts: E-03, E-05); found 'Na\u00efve questions were "
        "welcomed \u2014 that\u2019s rare.'"
    )


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
    # notes (source descriptions) are redacted on export: the surrey note naming two facilitators
    expected = excerpts.assign(note=[redact_text(n) for n in excerpts["note"]])
    pd.testing.assert_frame_equal(back.excerpts, expected)
    pd.testing.assert_frame_equal(back.codings, codings.sort_values(CODINGS, ignore_index=True))
    assert (study == "surrey-als") == (expected["note"] != excerpts["note"]).any()


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
    assert back.origin == qda.ORIGIN and "offsets in Unicode code points" in back.origin
    assert back.offsets == "code points"
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
        "4:Feeling safe": "row 6: text found in 2 excerpts: E-03, E-05",
        "5:Leadership": "row 7: no excerpt holds this text",
        "7:Unknown tag": "row 9: code not in the codebook",
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
                "where": "",
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
    # Excerpt ids carry code-point offsets, whatever unit the writer counted in.
    assert tables.excerpts["excerpt_id"].tolist()[:2] == ["Interview P1:55-67", "Interview P1:70-89"]
    first = tables.excerpts.iloc[0]
    assert (first["text"], first["attribution"]) == ("Caf\u00e9 culture", "Interview P1")
    assert tables.codings.values.tolist()[:3] == [
        ["Focus group summary:0-29", "Relationships/Feeling safe/Being heard", "Ben"],
        ["Interview P1:100-117", "Relationships/Feeling safe/Being heard", "Ben"],
        ["Interview P1:119-132", "Relationships/Feeling safe/Being heard", "Ana"],
    ]
    book = tables.codebook.set_index("code_id")
    assert book.loc["Relationships/Feeling safe", "parent"] == "Relationships"


def test_normalise_text():
    assert qda.normalise_text("  It\u00a0felt\n\n safe \t") == "It felt safe"
    assert qda.normalise_text("Cafe\u0301") == "Caf\u00e9"
