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


def _counting_hashes(monkeypatch) -> list[str]:
    from tieval import integrity

    hashed: list[str] = []
    real = integrity.sha256_file
    monkeypatch.setattr(integrity, "sha256_file", lambda p, *a: hashed.append(Path(p).name) or real(p, *a))
    return hashed


def test_check_with_a_stamp_hashes_again_only_what_changed(project, monkeypatch, tmp_path):
    import json
    import os

    from tieval import integrity

    monkeypatch.setattr(integrity, "SETTLE_SECONDS", -1.0)  # the fixture's files were copied just now
    hashed = _counting_hashes(monkeypatch)
    stamp = tmp_path / ".checked"
    integrity.check_with_stamp("mini-nomad", stamp, project)
    listed = sorted(read_manifest_names(project))
    assert sorted(hashed) == listed and sorted(json.loads(stamp.read_text())["raw"]) == listed
    hashed.clear()
    integrity.check_with_stamp("mini-nomad", stamp, project)  # nothing changed: nothing hashed
    assert hashed == []
    survey = project / "data" / "mini-nomad" / "raw" / "survey.csv"
    before = survey.stat()
    _edit_export(project)
    os.utime(survey, ns=(before.st_atime_ns, before.st_mtime_ns))  # modification time put back
    with pytest.raises(InputError, match="raw/survey.csv.*MANIFEST.sha256"):
        integrity.check_with_stamp("mini-nomad", stamp, project)
    assert hashed == ["survey.csv"]  # its change time gave it away


def test_a_file_changed_just_before_the_check_is_not_recorded(project, tmp_path):
    import json

    from tieval import integrity

    stamp = tmp_path / ".checked"
    integrity.check_with_stamp("mini-nomad", stamp, project)  # every raw file was copied just now
    assert json.loads(stamp.read_text()) == {"checked": "mini-nomad", "raw": {}}


def test_an_unreadable_or_old_stamp_hashes_everything(project, monkeypatch, tmp_path):
    from tieval import integrity

    monkeypatch.setattr(integrity, "SETTLE_SECONDS", -1.0)
    hashed = _counting_hashes(monkeypatch)
    stamp = tmp_path / ".checked"
    for old in ("checked\n", "{not json", '{"raw": {"survey.csv": "0"}}'):
        stamp.write_text(old, encoding="utf-8")
        hashed.clear()
        integrity.check_with_stamp("mini-nomad", stamp, project)
        assert sorted(hashed) == sorted(read_manifest_names(project))


def read_manifest_names(project: Path) -> list[str]:
    from tieval.integrity import read_manifest

    return list(read_manifest(project / "data" / "mini-nomad" / "raw"))


def test_the_runner_skips_files_the_studys_check_hashed_and_nothing_else(project, monkeypatch):
    """``run_step(check=True)`` hands the check stamp's record to the preflight: an export unchanged
    since ``check`` is not hashed again by the runner, and an export changed since is."""
    from tieval import integrity
    from tieval.paths import check_stamp

    monkeypatch.setattr(integrity, "SETTLE_SECONDS", -1.0)
    integrity.check_with_stamp("mini-nomad", check_stamp("mini-nomad", project), project)
    hashed = _counting_hashes(monkeypatch)
    real_preflight = pipeline.preflight

    class Stop(Exception):
        pass

    def checked_then_stop(*args, **kwargs):
        real_preflight(*args, **kwargs)
        raise Stop

    monkeypatch.setattr(pipeline, "preflight", checked_then_stop)
    source = pipeline.notebook_path("02_clean", project)  # the runner stops before it reads the notebook
    if not source.exists():
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text("{}", encoding="utf-8")
    with pytest.raises(Stop):
        pipeline.run_step("02_clean", "mini-nomad", root=project, check=True)
    assert hashed == []
    _edit_export(project)
    with pytest.raises(InputError, match="raw/survey.csv.*MANIFEST.sha256"):
        pipeline.run_step("02_clean", "mini-nomad", root=project, check=True)
    assert hashed == ["survey.csv"]
