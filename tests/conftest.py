"""Shared fixtures."""

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
