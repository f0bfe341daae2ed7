"""Cleaning (tieval.survey.clean, tieval.survey.redact): decoding, exclusions, flow, tidy tables, atomic writes, manifest.

Uses the mini-nomad fixture study (tests/fixtures/studies/mini-nomad): eight
records - four complete, two partial (one answered only G1), one survey
preview, one with no item answered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tieval import store
from tieval.config import load_study
from tieval.errors import ConfigError, InputError
from tieval.integrity import write_manifest
from tieval.schema import EXCLUSIONS, FREE_TEXT, RESPONDENTS, RESPONSES
from tieval.survey import redact
from tieval.survey.clean import (
    EXCLUSION_REASONS,
    build_tables,
    clean_study,
    compare_flow,
    decode_column,
    deidentification_summary,
    flow_table,
    item_summary,
    summary_text,
    validate,
    validate_file,
)
from tieval.survey.data import as_text
from tieval.survey.ingest import read_export
from tieval.survey.redact import pseudonymous_ids, redact_series, redact_text

FIXTURES = Path(__file__).parent / "fixtures"
EXPORTS = FIXTURES / "exports"
STUDY = FIXTURES / "studies" / "mini-nomad"


@pytest.fixture(scope="module")
def study():
    return load_study(STUDY, check_files=False)


@pytest.fixture(scope="module")
def checked(study):
    return validate(read_export(EXPORTS / "valid_qualtrics.csv", study), study)


@pytest.fixture(scope="module")
def tables(checked):
    return build_tables(checked)


@pytest.fixture()
def project(mini_nomad_project):
    """A throw-away project root holding a copy of the fixture study."""
    return mini_nomad_project


def _pid(original: str) -> str:
    return "R" + hashlib.sha256(f"mini-nomad:{original}".encode()).hexdigest()[:10]


# --- decoding -----------------------------------------------------------------------------------


def test_labels_match_case_space_and_aliases(study):
    values = pd.Series(
        ["Agree", " agree ", "STRONGLY DISAGREE", "Neither agree or disagree", "", "Not relevant to my role"]
    )
    decoded, bad, _ = decode_column(values, study.scales["agreement"])
    assert bad is None and not decoded.recoded
    per = {k: decoded.per_record(getattr(decoded, k)) for k in ("code", "label", "category", "missing")}
    assert per["label"].tolist() == [
        "Agree",
        "Agree",
        "Strongly disagree",
        "Neither agree nor disagree",
        "",
        "Not relevant to my role",
    ]
    assert per["code"][:4].tolist() == [4.0, 4.0, 1.0, 3.0]
    assert np.isnan(per["code"][4]) and np.isnan(per["code"][5])  # not answered / not relevant: no code
    assert per["category"].tolist() == ["agree", "agree", "disagree", "neutral", "", "not_relevant"]
    assert per["missing"].tolist() == ["", "", "", "", "not_answered", "not_relevant"]
    assert decoded.answered.tolist() == [True, True, True, True, False, True]


def test_first_bad_value_is_located(study):
    decoded, bad, expected = decode_column(pd.Series(["Agree", "Agree", "Agre", "Nope"]), study.scales["agreement"])
    assert bad == 2
    assert expected.startswith("one of 'Strongly disagree'")


def test_numeric_recodes_map_through_the_scale(study):
    decoded, bad, expected = decode_column(pd.Series(["4", "1", "6", "", "7"]), study.scales["agreement"])
    assert bad is None and decoded.recoded
    assert decoded.per_record(decoded.label).tolist() == [
        "Agree",
        "Strongly disagree",
        "Not relevant to my role",
        "",
        "Not relevant at this stage",
    ]
    _, bad, expected = decode_column(pd.Series(["4", "9"]), study.scales["agreement"])
    assert bad == 1 and "numeric codes 1, 2, 3, 4, 5, 6, 7" in expected


def test_zero_ten_items_stay_numeric_with_bins_and_anchors(study):
    values = pd.Series(["0", "5", "6", "10", "7.0", "Feels completely familiar", "0 - Still feels very new", ""])
    decoded, bad, _ = decode_column(values, study.scales["zero_ten"])
    assert bad is None
    assert decoded.per_record(decoded.code)[:7].tolist() == [0, 5, 6, 10, 7, 10, 0]
    assert decoded.per_record(decoded.category).tolist() == ["0-5", "0-5", "6-10", "6-10", "6-10", "6-10", "0-5", ""]
    assert decoded.per_record(decoded.label)[4] == "7"
    for wrong in ("11", "-1", "seven", "nan", "inf"):
        _, bad, expected = decode_column(pd.Series(["3", wrong]), study.scales["zero_ten"])
        assert bad == 1 and expected == "a number from 0 to 10", wrong


# --- validation, exclusions, completion ---------------------------------------------------------------


def test_exclusions_and_completion(checked):
    assert checked.counts() == {
        "records": 8,
        "excluded_survey_preview": 1,
        "excluded_survey_test": 0,
        "excluded_spam": 0,
        "excluded_no_items_answered": 1,
        "received": 7,
        "responses": 6,
        "complete": 4,
        "partial": 2,
    }
    assert checked.reason.tolist() == ["", "", "", "", "", "", "survey_preview", "no_items_answered"]
    assert checked.status.tolist() == ["complete"] * 4 + ["partial", "partial", "excluded", "excluded"]
    assert checked.n_answered.tolist() == [6, 6, 6, 6, 1, 3, 6, 0]
    # a not-relevant answer counts as answered: record 0 is complete with D2 not relevant
    assert checked.items["D2"].per_record(checked.items["D2"].missing)[0] == "not_relevant"


def test_numeric_status_codes(study):
    v = validate_file(EXPORTS / "status_codes.csv", study)
    assert v.reason.tolist()[-2:] == ["survey_test", "spam"]
    assert v.counts()["responses"] == 6


def test_flow_table(checked):
    flow = flow_table(checked)
    assert list(flow.columns) == EXCLUSIONS
    assert flow["stage"].tolist() == [
        "records",
        "excluded_survey_preview",
        "excluded_survey_test",
        "excluded_spam",
        "received",
        "excluded_no_items_answered",
        "responses",
        "complete",
        "partial",
        "partial_first_1",
    ]
    assert flow["n"].tolist() == [8, 1, 0, 0, 7, 1, 6, 4, 2, 1]
    assert (
        flow.set_index("stage").loc["partial_first_1", "reason"]
        == "Partial: answered the first item (G1) and no item after them"
    )
    n = dict(zip(flow["stage"], flow["n"]))
    assert n["records"] == sum(n[f"excluded_{c}"] for c in EXCLUSION_REASONS) + n["responses"]
    assert n["received"] == n["responses"] + n["excluded_no_items_answered"]
    assert n["responses"] == n["complete"] + n["partial"]


def test_compare_flow_with_the_report(study, checked):
    table = compare_flow(study, flow_table(checked))
    assert table["check"].tolist() == ["not a stage of the survey export"] + ["matches"] * 4
    assert table["cleaned_stage"].tolist() == ["", "received", "responses", "complete", "partial_first_1"]
    assert table.loc[0, "cleaned_n"] == ""
    other = dataclasses.replace(
        study,
        design={
            "flow": [
                {"id": "completed", "label": "Complete", "n": 5},
                {"id": "interview_1m", "label": "Interviews", "n": 7},
                {"id": "partial_first_three", "label": "A1-A3 only", "n": 2},
            ]
        },
    )
    table = compare_flow(other, flow_table(checked))
    assert table["check"].tolist() == ["differs", "not a stage of the survey export", "differs"]
    assert table["cleaned_n"].tolist() == [4, "", 0]
    wrong = dataclasses.replace(study, design={"flow": [{"id": "x", "label": "X", "n": 1, "stage": "finished"}]})
    with pytest.raises(ConfigError, match=r"key design.flow\[0\].stage: expected a stage of the cleaned export"):
        compare_flow(wrong, flow_table(checked))


def test_summary_text(checked):
    text = summary_text(checked)
    assert "8 record(s)" in text and "responses: 6 (4 complete, 2 partial)" in text
    assert "received: 7 (records that are not previews, tests or spam)" in text
    assert "excluded: 2 (survey preview 1, no items answered 1)" in text
    assert "warnings: 1" in text


# --- tidy tables ---------------------------------------------------------------------------------------


def test_respondents_table(tables):
    r = tables.respondents
    assert list(r.columns) == RESPONDENTS + ["sector"]
    assert r["respondent_id"].tolist() == sorted(r["respondent_id"])
    row = r.set_index("respondent_id").loc[_pid("R_7gHiJkLmNoPqRsT")]
    assert (row["status"], row["exclusion_reason"]) == ("excluded", "survey_preview")
    row = r.set_index("respondent_id").loc[_pid("R_2bCdEfGhIjKlMnO")]
    assert (row["status"], row["sector"], row["n_items_answered"]) == ("complete", "Local Authority", 6)
    assert r.set_index("respondent_id").loc[_pid("R_5eFgHiJkLmNoPqR"), "sector"] == ""


def test_responses_long_table_keeps_raw_codes(tables):
    resp = tables.responses
    assert list(resp.columns) == RESPONSES
    assert len(resp) == 6 * 6  # included respondents x items
    first = resp[resp["respondent_id"] == _pid("R_1aBcDeFgHiJkLmN")].set_index("item_id")
    assert first.index.tolist() == ["G1", "B1", "B2", "C1", "D1", "D2"]  # instrument order
    # D1 is negatively worded: 'Disagree' stays code 2 here (scoring reverses it)
    assert first.loc["D1", ["code", "label", "category", "missing_reason"]].tolist() == [
        "2",
        "Disagree",
        "disagree",
        "",
    ]
    assert first.loc["D2", ["code", "label", "category", "missing_reason"]].tolist() == [
        "",
        "Not relevant to my role",
        "not_relevant",
        "not_relevant",
    ]
    assert first.loc["G1", ["code", "label", "category"]].tolist() == ["8", "8", "6-10"]
    only_g1 = resp[resp["respondent_id"] == _pid("R_5eFgHiJkLmNoPqR")]
    assert only_g1["missing_reason"].tolist() == [""] + ["not_answered"] * 5
    assert set(resp["respondent_id"]) == set(tables.respondents.query("status != 'excluded'")["respondent_id"])


def test_free_text_is_redacted_and_kept_for_included_respondents(tables):
    ft = tables.free_text
    assert list(ft.columns) == FREE_TEXT
    texts = dict(zip(ft["respondent_id"], ft["text"]))
    assert texts[_pid("R_1aBcDeFgHiJkLmN")] == "Great session.\nThanks to [name] for running it, and to [name]."
    assert texts[_pid("R_2bCdEfGhIjKlMnO")] == "Email me at [email] or call [phone]; slides at [url]"
    assert _pid("R_7gHiJkLmNoPqRsT") not in texts  # the preview's comment is not analysed
    assert tables.redactions == {"email": 2, "url": 2, "ip": 1, "phone": 2, "name": 2}


def test_same_tables_from_every_format(study, tables, tmp_path):
    """Labels, BOM, numeric values, the legacy layout and XLSX give the same tidy tables."""
    import csv

    import openpyxl

    with open(EXPORTS / "valid_qualtrics.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "survey.xlsx")
    for path in ["bom_crlf.csv", "numeric_recodes.csv", "legacy_two_rows.csv", tmp_path / "survey.xlsx"]:
        other = build_tables(validate_file(EXPORTS / path, study))
        for name in ("respondents", "responses", "free_text", "exclusions"):
            pd.testing.assert_frame_equal(
                getattr(other, name).astype(str), getattr(tables, name).astype(str), obj=f"{path}: {name}"
            )


def test_item_summary(checked):
    s = item_summary(checked).set_index("item")
    assert s.loc["D2", ["answered", "not_relevant", "not_answered"]].tolist() == [2, 2, 2]
    assert s.loc["G1", "read_as"] == "numbers" and s.loc["B1", "read_as"] == "labels"


# --- pseudonymous ids and redaction ---------------------------------------------------------------------


def test_pseudonymous_ids_are_stable_sha256_prefixes():
    ids = pseudonymous_ids("mini-nomad", pd.Series(["R_1aBcDeFgHiJkLmN", "R_x"]))
    assert ids.tolist() == [_pid("R_1aBcDeFgHiJkLmN"), _pid("R_x")]
    assert pseudonymous_ids("other-study", pd.Series(["R_x"])).item() != _pid("R_x")


def test_pseudonym_collisions_are_lengthened(monkeypatch):
    monkeypatch.setattr(redact, "ID_HEX_DIGITS", 1)  # 16 possible ids: 40 respondents must collide
    ids = pseudonymous_ids("s", pd.Series([f"R_{i}" for i in range(40)]))
    assert ids.is_unique
    assert {len(i) for i in ids} <= {2, 17}
    assert any(len(i) == 17 for i in ids)


@pytest.mark.parametrize("digits", [1, 2, 3])
def test_pseudonyms_sort_as_text_and_lengthen_whole_clashing_groups(monkeypatch, digits):
    monkeypatch.setattr(redact, "ID_HEX_DIGITS", digits)
    raw = pd.Series([f"R_{i}" for i in range(3000)])
    p = redact.pseudonyms(redact.id_digests("s", raw))
    ids = p.ids.tolist()
    assert ids[:3] == [
        redact.ID_PREFIX + hashlib.sha256(f"s:{r}".encode()).hexdigest()[: len(i) - 1] for r, i in zip(raw[:3], ids[:3])
    ]
    assert len(set(ids)) == len(ids)
    assert [ids[k] for k in p.order] == sorted(ids)  # the order is code-point order of the ids
    by_prefix = {}
    for i in ids:
        by_prefix.setdefault(i[: 1 + digits], set()).add(len(i))
    assert all(len(lengths) == 1 for lengths in by_prefix.values())  # a clashing group is lengthened as a whole
    assert {len(i) for i in ids} <= {1 + digits, 17, 65}


def test_id_digests_are_sha256_of_study_and_id():
    """The Arrow-joined digests are the SHA-256 of ``"<study>:<id>"`` in UTF-8, row by row."""
    import hashlib  # noqa: PLC0415 - only this test

    ids = ["R_1", "Ré_2", "", "R_1", "日本", 17]
    got = redact.id_digests("study-x", pd.Series(ids, dtype=object))
    assert got.shape == (6, 32) and got.dtype == np.uint8
    for row, value in zip(got, ids):
        assert row.tobytes() == hashlib.sha256(f"study-x:{value}".encode()).digest()
    assert redact.id_digests("s", pd.Series([], dtype="str")).shape == (0, 32)


def test_first_duplicate_names_the_first_repeat_and_its_first_row():
    d = redact.id_digests("s", pd.Series(["a", "b", "c", "b", "a", "b"]))
    assert redact.first_duplicate(d) == (3, 1)
    assert redact.first_duplicate(redact.id_digests("s", pd.Series(["a", "b"]))) is None
    assert redact.first_duplicate(np.zeros((0, 32), dtype=np.uint8)) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("write to jo.bloggs@nhs.net please", "write to [email] please"),
        ("see https://www.example.org/a?b=1.", "see [url]."),
        ("see www.lancashirevrn.org.uk/training, then", "see [url], then"),
        ("ring 07700 900123 or 07700900123", "ring [phone] or [phone]"),
        ("+44 (0)20 7946 0958 / 020 7946 0958 / (020) 7946 0958", "[phone] / [phone] / [phone]"),
        ("0113 496 0000 or +1 212 555 0123 or (212) 555-0123", "[phone] or [phone] or [phone]"),
        ("+33 1 23 45 67 89", "[phone]"),
        (
            "from 192.168.10.254 and 2001:db8::8a2e:370:7334 and fe80:0:0:0:202:b3ff:fe1e:8329",
            "from [ip] and [ip] and [ip]",
        ),
        ("at 10:30:00 on 01/02/2023, 3.5 of 10 staff, version 1.2.3, 2023", None),
        ("Thanks Jo and jo! Joanna and Jones stay", "Thanks [name] and [name]! [name] and Jones stay"),
        ("Priya  Shah's idea", "[name]'s idea"),
    ],
)
def test_redaction(text, expected):
    assert redact_text(text, ["Jo", "Priya Shah"]) == (text if expected is None else expected)


def test_redaction_counts_occurrences():
    result = redact_series(pd.Series(["a@b.org", "a@b.org", "call 07700 900123", ""]))
    assert result.texts.tolist() == ["[email]", "[email]", "call [phone]", ""]
    assert result.counts == {"email": 2, "url": 0, "ip": 0, "phone": 1}


# --- clean_study: writing, atomicity, manifest ------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_clean_study_writes_the_contract_deterministically(project):
    result = clean_study("mini-nomad", root=project)
    names = sorted(str(p.relative_to(project)) for p in result.written)
    assert names == [
        "data/processed/mini-nomad/answer_counts.parquet",
        "data/processed/mini-nomad/free_text.parquet",
        "data/processed/mini-nomad/respondents.parquet",
        "data/processed/mini-nomad/responses.parquet",
        "outputs/mini-nomad/02_clean/exclusions.csv",
    ]
    first = _snapshot(project)
    clean_study("mini-nomad", root=project)
    assert _snapshot(project) == first
    assert result.verified == ["survey.csv"]
    resp = as_text(pd.read_parquet(project / "data/processed/mini-nomad/responses.parquet"), "responses")
    assert resp.loc[1].tolist() == [
        "mini-nomad",
        "survey",
        resp.loc[1, "respondent_id"],
        "B1",
        "5",
        "Strongly agree",
        "agree",
        "",
    ]
    assert not list(project.rglob("*.tmp"))


def test_raw_files_are_byte_identical_after_cleaning(project):
    raw = project / "data" / "mini-nomad" / "raw"
    before = _snapshot(raw)
    clean_study("mini-nomad", root=project)
    assert _snapshot(raw) == before


def test_changed_raw_file_without_new_manifest_is_an_error(project):
    clean_study("mini-nomad", root=project)
    built = _snapshot(project / "data" / "processed")
    survey = project / "data" / "mini-nomad" / "raw" / "survey.csv"
    survey.write_bytes(survey.read_bytes().replace(b"Local Authority", b"Local authority"))
    with pytest.raises(InputError) as info:
        clean_study("mini-nomad", root=project)
    assert "raw/survey.csv" in str(info.value) and "MANIFEST.sha256" in str(info.value)
    assert _snapshot(project / "data" / "processed") == built


def test_missing_manifest_is_an_error(project):
    (project / "data" / "mini-nomad" / "raw" / "MANIFEST.sha256").unlink()
    with pytest.raises(InputError, match="checksum manifest"):
        clean_study("mini-nomad", root=project)


def test_failed_validation_leaves_previous_processed_data(project):
    clean_study("mini-nomad", root=project)
    before = _snapshot(project / "data" / "processed") | _snapshot(project / "outputs")
    raw = project / "data" / "mini-nomad" / "raw"
    shutil.copy(EXPORTS / "bad_label.csv", raw / "survey.csv")
    write_manifest(raw)  # a deliberate change, properly recorded: the data itself is bad
    with pytest.raises(InputError, match="row 6, column Q2_1"):
        clean_study("mini-nomad", root=project)
    assert _snapshot(project / "data" / "processed") | _snapshot(project / "outputs") == before


def test_failure_while_writing_leaves_every_previous_file(project, monkeypatch):
    clean_study("mini-nomad", root=project)
    before = _snapshot(project / "data" / "processed") | _snapshot(project / "outputs")
    calls = {"n": 0}

    def failing(original):  # the third table written fails, whichever formatter writes it
        def write(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError("disk full (simulated)")
            return original(*args, **kwargs)

        return write

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing(pd.DataFrame.to_csv))
    monkeypatch.setattr(store, "_write_csv_arrow", failing(store._write_csv_arrow))
    monkeypatch.setattr(store, "_write_row_groups", failing(store._write_row_groups))
    raw = project / "data" / "mini-nomad" / "raw"
    shutil.copy(EXPORTS / "numeric_recodes.csv", raw / "survey.csv")
    (raw / "survey.csv").write_bytes((raw / "survey.csv").read_bytes().replace(b"Not sure yet", b"Changed"))
    write_manifest(raw)
    with pytest.raises(OSError, match="simulated"):
        clean_study("mini-nomad", root=project)
    assert _snapshot(project / "data" / "processed") | _snapshot(project / "outputs") == before
    assert not list(project.rglob("*.tmp"))


def test_study_without_survey_section(project):
    yml = project / "data" / "mini-nomad" / "study.yml"
    text = yml.read_text(encoding="utf-8")
    yml.write_text(text[: text.index("survey:\n")], encoding="utf-8")
    with pytest.raises(ConfigError, match="key survey: expected a survey section"):
        clean_study("mini-nomad", root=project)


def test_deidentification_summary_has_names_and_counts_only(project):
    result = clean_study("mini-nomad", root=project)
    table = deidentification_summary(result).set_index("what")
    assert table.loc["identifying columns never read", "n"] == 7
    assert "IPAddress" in table.loc["identifying columns never read", "detail"]
    assert table.loc["free-text redactions: email", "n"] == 2
    assert "example" not in table.to_csv()
