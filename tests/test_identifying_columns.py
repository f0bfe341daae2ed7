"""Columns that hold identifying data although they are ordinary question columns
(``tieval.survey.redact.identifying_columns`` and cleaning's ``withheld_columns``).

The fixture frames reproduce what real exports carry: Microsoft Forms XLSX exports have
``Email`` and ``Name`` columns filled by the form for signed-in respondents (``Email`` holding
``first.last@org`` addresses, ``Name`` "First Last"); Google Forms CSVs have ``Email Address``
when the form collects e-mails; evaluation questionnaires often end with a "contact details"
question ("If you are happy to be contacted, leave your e-mail or phone number"), answered with
an address, a number or both, sometimes with a word or two around them.  The negative columns
are open questions whose answers mention a contact once in a sentence (redacted in place, but
not an identifying column), one-word answers that are ordinary words, and questions whose text
mentions e-mail or names without asking for them.  The cleaning case adds a contact-details
free-text question to the mini-nomad fixture export in a temporary copy.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from tieval.integrity import write_manifest
from tieval.survey.clean import clean_study
from tieval.survey.data import as_text
from tieval.survey.redact import identifying_columns, withheld_columns

STUDY = Path(__file__).parent / "fixtures" / "studies" / "mini-nomad"

FRAME = pd.DataFrame(
    {
        "Email": ["sam.jones@trust.nhs.uk", "a.khan@council.gov.uk", "", "lee.wong@example.org"],
        "Name": ["Sam Jones", "Aisha Khan", "", "Lee Wong"],
        "Email Address": ["jo@example.com", "kim@example.net", "pat@example.org", "max@example.co.uk"],
        "Q12": ["07700 900123", "jo@example.com or 020 7946 0958", "email me: kim@example.net", "+1 (541) 898-2244"],
        "comments": [
            "Great course, contact me on jo@example.com if you want a case study for the newsletter.",
            "Too short, I would have liked a second day on supervision.",
            "Really useful, thank you.",
            "",
        ],
        "three_words": ["hopeful, intentional, certain", "challenge, good, hopeful", "Calm", "Supported"],
        "Q20": ["Listening more", "Asking open questions", "Slowing down", "Reflecting"],
        "Q21": ["Yes", "No", "Yes", "Not sure"],
    },
    dtype="str",
)
QUESTIONS = {
    "Q12": "If you are happy to be contacted about a follow-up interview, please leave your contact details",
    "Q20": "Name one thing you will do differently",
    "Q21": "Did the e-mail reminders help you attend?",
}


def test_identifying_columns_are_flagged_with_a_reason():
    flagged = {c.column: c for c in identifying_columns(FRAME, questions=QUESTIONS)}
    assert sorted(flagged) == ["Email", "Email Address", "Name", "Q12"]
    assert (flagged["Email"].kind, flagged["Name"].kind, flagged["Q12"].kind) == ("email", "name", "contact")
    assert (
        flagged["Email"].reason
        == "its question 'Email' asks for email details; 3 of 3 sampled answers are e-mail addresses"
    )
    assert (
        flagged["Name"].reason == "its question 'Name' asks for name details; 3 of 3 sampled answers are personal names"
    )
    assert "asks for contact details" in flagged["Q12"].reason
    assert "4 of 4 sampled answers" in flagged["Q12"].reason
    assert all("@" not in c.reason for c in flagged.values())  # reasons never show the values


def test_only_the_named_columns_are_looked_at():
    assert [c.column for c in identifying_columns(FRAME, ["comments", "Name"])] == ["Name"]


def test_phone_only_and_lower_case_name_columns():
    frame = pd.DataFrame(
        {"tel": ["541-898-2244", "(212) 555-0123", "07700 900123"], "who": ["priya shah", "tomasz", "nicola"]},
        dtype="str",
    )
    flagged = {c.column: c.kind for c in identifying_columns(frame)}
    assert flagged == {"tel": "phone", "who": "name"}


def test_a_million_rows_are_judged_from_a_sample_quickly():
    n = 1_000_000
    emails = pd.Series(np.where(np.arange(n) % 3 == 0, "", "someone@example.org"), dtype="str")
    text = pd.Series(np.where(np.arange(n) % 2 == 0, "", "It was useful and I will use it."), dtype="str")
    frame = pd.DataFrame({"contact": emails, "comments": text})
    start = time.perf_counter()
    flagged = identifying_columns(frame)
    assert time.perf_counter() - start < 5
    assert [(c.column, c.reason) for c in flagged] == [("contact", "400 of 400 sampled answers are e-mail addresses")]


def _study(keep=()):
    return SimpleNamespace(survey=SimpleNamespace(keep_columns=keep))


def _export():
    return SimpleNamespace(
        frame=FRAME, questions=QUESTIONS, free_text_columns={"contact": "Q12", "comments": "comments", "who": "Name"}
    )


def test_keep_columns_declares_a_column_safe_by_column_or_question_id():
    assert [c.column for c in withheld_columns(_export(), _study())] == ["Q12", "Name"]  # free-text order
    assert [c.column for c in withheld_columns(_export(), _study(("q12",)))] == ["Name"]
    assert [c.column for c in withheld_columns(_export(), _study(("who", "contact")))] == []
    assert [c.column for c in withheld_columns(_export(), SimpleNamespace(survey=None))] == ["Q12", "Name"]


def test_the_warning_names_the_column_and_the_switch():
    warning = withheld_columns(_export(), _study())[0].warning
    assert warning.startswith("column Q12 kept out of processed data: it appears to hold identifying data (")
    assert warning.endswith("if it is safe, list it in survey.keep_columns in study.yml")


@pytest.fixture
def contact_study(tmp_path):
    """mini-nomad with a contact-details free-text question (Q7_TEXT) added to its export."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    target = root / "data" / "mini-nomad"
    shutil.copytree(STUDY, target)
    raw = target / "raw" / "survey.csv"
    rows = list(csv.reader(io.StringIO(raw.read_text(encoding="utf-8-sig"), newline="")))
    contacts = ["jo.r@example.com", "07700 900123", "priya.shah@example.net or 020 7946 0958", "t@example.org"]
    rows[0].append("Q7_TEXT")
    rows[1].append("If you are happy to be contacted about an interview, please leave your contact details")
    rows[2].append('{"ImportId":"QID7_TEXT"}')
    for i, row in enumerate(rows[3:]):
        row.append(contacts[i % len(contacts)])
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    raw.write_text(out.getvalue(), encoding="utf-8")
    yml = target / "study.yml"
    text = yml.read_text(encoding="utf-8")
    text = text.replace(
        '    - {id: comments, text: "Any other comments?", column: Q6_TEXT}\n',
        '    - {id: comments, text: "Any other comments?", column: Q6_TEXT}\n'
        '    - {id: contact, text: "Contact details", column: Q7_TEXT}\n',
    )
    yml.write_text(text, encoding="utf-8")
    write_manifest(target / "raw")
    return root


def test_cleaning_keeps_an_identifying_question_out_of_processed_data(contact_study):
    result = clean_study("mini-nomad", root=contact_study)
    free = as_text(pd.read_parquet(contact_study / "data/processed/mini-nomad/free_text.parquet"), "free_text").to_csv(
        index=False
    )
    assert ",contact," not in free and "Q7" not in free
    assert ",comments," in free  # the other question is kept (redacted)
    assert [c.column for c in result.validation.withheld] == ["Q7_TEXT"]
    assert any(w.startswith("column Q7_TEXT kept out of processed data") for w in result.validation.warnings)
    table = result.tables.redactions_by_question.set_index("group")
    assert list(table.index) == ["comments"]
    assert table.loc["comments", "email"] == 2
    assert table.loc["comments", "name_listed"] == 2
