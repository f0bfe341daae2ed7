"""No identifying value survives cleaning: seeded PII must not appear in data/processed/ or outputs/.

The mini-nomad fixture export carries identifying values in the Qualtrics
metadata columns (IP address, recipient names and e-mail, external
reference, location) and in free-text answers (names listed in study.yml,
e-mail addresses, phone numbers, a URL, an IP address).  The cleaning step is
run into a temporary project root and every file it writes is searched.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tieval.survey.clean import clean_study, deidentification_summary, summary_text, validate_file
from tieval.survey.data import as_text
from tieval.survey.ingest import column_roles

FIXTURES = Path(__file__).parent / "fixtures"
STUDY = FIXTURES / "studies" / "mini-nomad"

#: (value, how it was seeded); names are matched as whole words, the rest as substrings.
SEEDED = [
    ("203.0.113.57", "IPAddress column and free text"),
    ("198.51.100.23", "IPAddress column"),
    ("2001:db8::7334", "IPAddress column (IPv6)"),
    ("Okonkwo-Baptiste", "RecipientLastName"),
    ("Thandiwe", "RecipientFirstName"),
    ("t.okonkwo@example.org", "RecipientEmail"),
    ("EXT-99871", "ExternalReference"),
    ("53.76541", "LocationLatitude"),
    ("-2.70897", "LocationLongitude"),
    ("priya.shah@example.net", "e-mail in free text"),
    ("jo.r@example.com", "e-mail in free text"),
    ("07700 900123", "UK mobile in free text"),
    ("+44 20 7946 0958", "international phone in free text"),
    ("intranet.example.org", "URL in free text"),
    ("www.example.org/help", "URL in free text"),
    ("Priya Shah", "name listed in survey.redact_names"),
    ("Priya", "part of a listed name"),
    ("Jo", "name listed in survey.redact_names"),
    ("R_1aBcDeFgHiJkLmN", "Qualtrics ResponseId"),
    ("R_7gHiJkLmNoPqRsT", "Qualtrics ResponseId of the preview"),
]
NAMES = {"Priya Shah", "Priya", "Jo", "Thandiwe", "Okonkwo-Baptiste"}


def _text(path: Path) -> str:
    """A file's text; a processed Parquet table as its CSV copy (compressed bytes would hide a value)."""
    if path.suffix == ".parquet":
        return as_text(pd.read_parquet(path), path.stem).to_csv(index=False)
    return path.read_text(encoding="utf-8")


def _occurs(value: str, text: str) -> bool:
    if value in NAMES:
        return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, flags=re.IGNORECASE) is not None
    return value.casefold() in text.casefold()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("pii")
    (root / "data").mkdir()
    shutil.copytree(STUDY, root / "data" / "mini-nomad")
    result = clean_study("mini-nomad", root=root)
    return root, result


def test_every_seeded_value_is_in_the_raw_export():
    raw = (STUDY / "raw" / "survey.csv").read_text(encoding="utf-8")
    missing = [value for value, _ in SEEDED if not _occurs(value, raw)]
    assert missing == []


def test_no_seeded_value_reaches_processed_data_or_outputs(built):
    root, result = built
    files = sorted(p for folder in ("data/processed", "outputs") for p in (root / folder).rglob("*") if p.is_file())
    assert len(files) == 5  # four processed tables (answer counts included) and the exclusions
    leaks = [(value, how, str(p.relative_to(root))) for p in files for value, how in SEEDED if _occurs(value, _text(p))]
    assert leaks == []


def test_redaction_tokens_stand_where_the_values_were(built):
    root, _ = built
    text = _text(root / "data/processed/mini-nomad/free_text.parquet")
    for token in ("[email]", "[phone]", "[url]", "[ip]", "[name]"):
        assert token in text


def test_summaries_shown_to_users_carry_no_seeded_value(built):
    _, result = built
    shown = "\n".join(
        [
            summary_text(validate_file(STUDY / "raw" / "survey.csv", STUDY)),
            deidentification_summary(result).to_csv(),
            column_roles(result.export, result.study).to_csv(),
        ]
    )
    leaks = [value for value, _ in SEEDED if _occurs(value, shown)]
    assert leaks == []
