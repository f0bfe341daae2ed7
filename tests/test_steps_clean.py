"""The cleaning step (``tieval.steps.clean``) without papermill: ``run`` validates and builds every
table in memory, ``write`` writes the processed tables and the exclusions table.

Uses the mini-nomad fixture study (tests/fixtures/studies/mini-nomad: a Qualtrics export of
eight records, one preview, one record with no item answered), copied into a throw-away
project root.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tieval.config import load_study
from tieval.errors import InputError
from tieval.report.present import Note, Table
from tieval.steps import clean


@pytest.fixture()
def root(mini_nomad_project, monkeypatch):
    monkeypatch.setenv("TIEVAL_ROOT", str(mini_nomad_project))
    return mini_nomad_project


@pytest.fixture()
def study(root):
    return load_study("mini-nomad", root)


def test_run_writes_nothing(root, study):
    result = clean.run(study)
    assert not (root / "data" / "processed").exists()
    assert not (root / "outputs").exists()
    assert result.cleaned.written == []
    assert result.notes == {}


def test_run_sections_hold_the_tables_shown(study):
    result = clean.run(study)
    overview = result.export[0].frame.set_index("property")["value"]
    assert overview["records"] == "8"
    assert overview["header rows"] == "3"
    assert result.export[1].caption == "Every column of the export and its role in cleaning"
    items = result.validation[0].frame.set_index("item")
    assert int(items["answered"].sum() + items["not_relevant"].sum() + items["not_answered"].sum()) == 6 * len(items)
    flow = result.flow[0].frame
    assert result.flow[0].base == "8 records"
    assert list(result.flow[0].frame.columns) == list(result.cleaned.tables.exclusions.columns)
    assert len(flow) == len(result.cleaned.tables.exclusions)
    counts = result.tables[0].frame.set_index("table")["rows"]
    assert counts["respondents.csv"] == 8
    assert counts["responses.csv"] == 6 * len(study.items)
    assert len(result.tables[2].frame) == 12  # responses.csv, first rows
    deid = result.deidentification[0].frame.set_index("what")
    assert deid.loc["identifying columns never read", "n"] == 7


def test_write_writes_the_processed_tables_and_exclusions(root, study):
    result = clean.run(study)
    written = clean.write(result)
    assert sorted(str(p.relative_to(root)) for p in written) == [
        "data/processed/mini-nomad/answer_counts.parquet",
        "data/processed/mini-nomad/free_text.parquet",
        "data/processed/mini-nomad/respondents.parquet",
        "data/processed/mini-nomad/responses.parquet",
        "outputs/mini-nomad/02_clean/exclusions.csv",
    ]
    respondents = pd.read_parquet(root / "data" / "processed" / "mini-nomad" / "respondents.parquet")
    assert len(respondents) == 8
    assert (respondents["status"] == "excluded").sum() == 2


def test_run_without_a_survey_has_a_note_and_write_writes_nothing(study):
    no_survey = study.__class__(**{**study.__dict__, "survey": None})
    result = clean.run(no_survey)
    assert result.cleaned is None
    assert result.export == (Note(clean.NO_SURVEY),)
    assert result.notes == {"export": clean.NO_SURVEY}
    assert clean.write(result) == []


def test_run_stops_on_a_changed_export_and_nothing_is_written(root, study):
    survey = root / "data" / "mini-nomad" / "raw" / "survey.csv"
    survey.write_text(survey.read_text().replace("Strongly agree", "Strongly agreee", 1))
    with pytest.raises(InputError, match="checksum|MANIFEST|sha256"):  # the raw manifest no longer matches
        clean.run(study)
    assert not (root / "data" / "processed").exists()


def test_tables_section_is_all_tables(study):
    assert all(isinstance(b, Table) for b in clean.run(study).tables)
