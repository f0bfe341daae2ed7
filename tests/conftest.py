"""Shared fixtures."""

import dataclasses
import shutil
from pathlib import Path

import pytest

from tieval.config import load_study
from tieval.survey.data import load_respondents

#: A tiny project root holding the `mini-tables` study and its processed data.
TABLES_ROOT = Path(__file__).parent / "fixtures" / "tables" / "root"


@pytest.fixture()
def mini_tables(monkeypatch):
    """(study, respondents) of the `mini-tables` fixture study, with TIEVAL_ROOT pointing at it."""
    monkeypatch.setenv("TIEVAL_ROOT", str(TABLES_ROOT))
    study = load_study(TABLES_ROOT / "data" / "mini-tables", check_files=False)
    return study, load_respondents(study)


#: The `mini-nomad` fixture study, which the survey-export fixtures (tests/fixtures/exports/) export.
MINI_NOMAD = Path(__file__).parent / "fixtures" / "studies" / "mini-nomad"


@pytest.fixture(scope="module")
def mini_nomad():
    """The `mini-nomad` fixture study (its files not checked)."""
    return load_study(MINI_NOMAD, check_files=False)


@pytest.fixture(scope="module")
def mini_nomad_auto(mini_nomad):
    """`mini-nomad` with ``survey.format: auto``: every export layout accepted."""
    return dataclasses.replace(mini_nomad, survey=dataclasses.replace(mini_nomad.survey, format="auto"))


@pytest.fixture()
def mini_nomad_project(tmp_path):
    """A throw-away project root holding a copy of the `mini-nomad` fixture study (data/mini-nomad/)."""
    (tmp_path / "data").mkdir()
    shutil.copytree(MINI_NOMAD, tmp_path / "data" / "mini-nomad")
    return tmp_path
