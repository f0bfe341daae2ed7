"""The qualitative step (tieval.steps.qualitative) without papermill: run computes and writes nothing,
write writes every table and the REFI-QDA export.

Fixtures: ``tests/fixtures/qual/qualfix`` (five excerpts, three participants, a codebook with a
report count and a case; see its study.yml) copied into a temporary project root, and
``tests/fixtures/tables/root`` (the mini-tables study: a survey with a three-words question and no
qualitative material at all, as a study that only ran a questionnaire)."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tieval.config import load_study
from tieval.qual import qda
from tieval.report.present import Banner, Html, Note, Table
from tieval.steps import qualitative

FIX = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture()
def qualfix(tmp_path, monkeypatch):
    root = tmp_path / "root"
    shutil.copytree(FIX / "qual" / "qualfix", root / "data" / "qualfix")
    monkeypatch.setenv("TIEVAL_ROOT", str(root))
    return root, load_study(root / "data" / "qualfix", check_files=False)


@pytest.fixture()
def survey_only(tmp_path, monkeypatch):
    root = tmp_path / "root"
    shutil.copytree(FIX / "tables" / "root", root)
    monkeypatch.setenv("TIEVAL_ROOT", str(root))
    return root, load_study(root / "data" / "mini-tables", check_files=False)


def test_run_computes_every_table_and_writes_nothing(qualfix):
    root, study = qualfix
    result = qualitative.run(study)
    assert not (root / "outputs").exists()
    assert set(result.tables) == {
        "codebook.csv",
        "table3.csv",
        "reproduced_qualitative.csv",
        "theme_matrix.csv",
        "prevalence_timepoint.csv",
        "prevalence_sector.csv",
        "quotations.csv",
        "report_counts.csv",
        "cases.csv",
    }
    matrix = result.tables["theme_matrix.csv"].set_index("code_id")
    assert matrix.at["learning", "Youth Work 1"] == 1 and matrix.at["learning", "Youth Work 2"] == 1
    assert matrix.at["learning", "questionnaire free text (anonymous)"] == 1
    assert matrix.at["learning", "participants"] == 2 and matrix.at["learning", "excerpts"] == 3
    assert matrix.at["barriers", "Social Care 1"] == 1 and matrix.at["barrier_space", "excerpts"] == 0
    counts = result.tables["report_counts.csv"].set_index("code_id")
    assert counts.at["barrier_time", "report_participants"] == 2
    assert counts.at["barrier_time", "participants_coded"] == 1 and counts.at["barrier_time", "status"] == "differs"
    assert counts.at["barrier_space", "status"] == "not reproducible from the published excerpts"
    cases = result.tables["cases.csv"]
    assert cases.to_dict("records") == [
        {
            "case": "Case A",
            "participant": "Youth Work 1",
            "issue": "An issue.",
            "progress": "Some progress.",
            "evidence": "E-5",
            "evidence_timepoints": "3 month",
        }
    ]
    # reconstructed training rows are not offered to the audit
    reproduced = result.tables["reproduced_qualitative.csv"]
    assert dict(zip(reproduced["figure_id"], reproduced["value"])) == {
        "t3.youth_work": 2,
        "t3.social_care": 1,
        "t3.unknown": 1,
    }
    assert result.qdpx[:2] == b"PK"


def test_sections_carry_what_the_notebook_shows(qualfix):
    _, study = qualfix
    result = qualitative.run(study)
    assert result.start == ()
    (book,) = result.codebook
    assert isinstance(book, Table) and book.base == "7 codes, 3 themes"
    assert list(book.frame["code_id"])[:2] == ["learning", "learn_listen"]
    notes = [b.text for b in result.codings if isinstance(b, Note)]
    assert (
        notes[0]
        == "The 6 committed codings are exactly the report's allocation (section headings and lead-in sentences)."
    )
    assert notes[1] == "Exported as a REFI-QDA project (qualfix.qdpx) and read back: the same codings, coders included."
    assert any(isinstance(b, Banner) for b in result.participants)
    assert isinstance(result.quotations[0], Html) and 'id="theme-learning"' in result.quotations[0].markup
    # the study lists no names to redact, but "Thanks to Alex" is a detected name (survey.redact.find_names)
    assert "Thanks to [name] for a great course." in result.quotations[0].markup
    assert result.words == (Note(qualitative.NO_WORD_QUESTION),)
    assert result.agreement == (Note(qualitative.ONE_CODING),)
    assert result.notes == {
        "words": qualitative.NO_WORD_QUESTION,
        "agreement": qualitative.ONE_CODING,
    }


def test_write_writes_every_table_and_the_qdpx(qualfix):
    root, study = qualfix
    result = qualitative.run(study)
    paths = qualitative.write(result)
    folder = root / "outputs" / "qualfix" / "04_qualitative"
    assert {p.name for p in paths} == set(result.tables) | {"qualfix.qdpx"}
    assert all(Path(p).resolve().parent == folder.resolve() for p in paths)
    assert (folder / "qualfix.qdpx").read_bytes() == result.qdpx
    back = qda.match_codings(
        qda.read_qdpx(folder / "qualfix.qdpx"), result.material.excerpts, result.material.codebook.table()
    )
    assert sorted(zip(back.codings["excerpt_id"], back.codings["code_id"])) == sorted(
        zip(result.material.codings["excerpt_id"], result.material.codings["code_id"])
    )
    written = pd.read_csv(folder / "theme_matrix.csv")
    assert written.set_index("code_id").at["learning", "excerpts"] == 3
    first = [Path(p).read_bytes() for p in paths]
    assert [Path(p).read_bytes() for p in qualitative.write(qualitative.run(study))] == first


def test_a_study_without_qualitative_material_has_notes_and_its_words(survey_only):
    root, study = survey_only
    result = qualitative.run(study)
    assert result.material is None and result.qdpx is None
    assert result.start == (Note(qualitative.NO_QUALITATIVE),)
    assert result.codebook == () and result.agreement == ()
    assert result.notes["codebook"] == qualitative.NO_QUALITATIVE and "words" not in result.notes
    words = result.tables["words_feel.csv"].set_index("word")
    assert words.at["hopeful", "count"] == 4 and bool(words.at["brave", "in_report"])
    assert words.at["brave", "count"] == 0
    assert isinstance(result.words[0], Table) and result.words[0].base == "n = 5 answers"
    paths = qualitative.write(result)
    assert [Path(p).name for p in paths] == ["words_feel.csv"]
