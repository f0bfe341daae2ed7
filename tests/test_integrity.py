"""The raw manifest check of each step (:func:`tieval.integrity.preflight`): every step checks that the
survey exports are present and listed, only a step that reads them (cleaning) hashes them again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tieval import pipeline
from tieval.config import load_study, survey_exports
from tieval.errors import InputError
from tieval.integrity import preflight, verify_manifest


@pytest.fixture()
def project(mini_nomad_project):
    """A throw-away project root holding a copy of the fixture study."""
    return mini_nomad_project


def _edit_export(project: Path) -> None:
    survey = project / "data" / "mini-nomad" / "raw" / "survey.csv"
    survey.write_bytes(survey.read_bytes().replace(b"Local Authority", b"Local authority"))


def test_survey_exports_are_the_configured_export_files(project):
    assert survey_exports(load_study("mini-nomad", project)) == ["raw/survey.csv"]


def test_a_changed_export_stops_the_check_and_the_cleaning_step(project):
    _edit_export(project)
    with pytest.raises(InputError, match="raw/survey.csv.*MANIFEST.sha256"):
        preflight("mini-nomad", project)
    with pytest.raises(InputError, match="raw/survey.csv"):
        preflight("mini-nomad", project, exports=pipeline._reads_exports("02_clean"))


def test_a_step_after_cleaning_does_not_hash_the_export_again(project):
    _edit_export(project)
    assert not pipeline._reads_exports("03_tables")
    preflight("mini-nomad", project, exports=False)  # no error: its bytes are not read


def test_a_missing_or_unlisted_export_stops_every_step(project):
    raw = project / "data" / "mini-nomad" / "raw"
    shutil.copy(raw / "survey.csv", raw / "extra.csv")
    with pytest.raises(InputError, match="extra.csv.*not"):
        preflight("mini-nomad", project, exports=False)
    (raw / "extra.csv").unlink()
    (raw / "survey.csv").unlink()
    with pytest.raises(InputError, match="survey.csv"):
        preflight("mini-nomad", project, exports=False)


def test_unread_names_are_listed_but_not_hashed(project):
    raw = project / "data" / "mini-nomad" / "raw"
    _edit_export(project)
    assert verify_manifest(raw, {"survey.csv"}) == ["survey.csv"]
    with pytest.raises(InputError, match="survey.csv"):
        verify_manifest(raw)


def test_an_unknown_notebook_is_assumed_to_read_the_exports():
    assert pipeline._reads_exports("99_my_analysis")
