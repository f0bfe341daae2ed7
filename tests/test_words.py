"""Word frequencies of short open answers, on hand-made answers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from tieval.config import load_study
from tieval.survey import words

ROOT = Path(__file__).parent / "fixtures" / "tables" / "root"


def test_tokens_lower_case_strip_punctuation_and_stop_words():
    t = words.tokens(pd.Series(["Hopeful, excited and calm", "Very hopeful!", "re-energised but tired", None]))
    assert t.tolist() == ["hopeful", "excited", "calm", "hopeful", "re-energised", "tired"]


def test_frequencies_sorted_by_count_then_word():
    f = words.word_frequencies(pd.Series(["calm hopeful", "Hopeful", "brave calm", "hopeful"]))
    assert f.to_dict("list") == {"word": ["hopeful", "calm", "brave"], "count": [3, 2, 1]}


def test_word_question_and_comparison_with_report():
    study = load_study(ROOT / "data" / "mini-tables", check_files=False)
    q = words.word_question(study)
    assert q.id == "feel"
    f = words.compare_with_report(words.word_frequencies(pd.Series(["Hopeful, excited", "tired"])), q)
    rows = f.set_index("word")
    assert rows.loc["hopeful", "in_report"] and not rows.loc["tired", "in_report"]
    assert rows.loc["brave", "count"] == 0 and rows.loc["brave", "in_report"]  # printed, nobody wrote it


def test_word_table_counts_the_answers_beside_the_report(mini_tables):
    """mini-tables (tests/fixtures/tables/root): the question ``feel`` with the printed words
    hopeful, excited, calm, brave; its free_text.csv answers use hopeful four times."""
    study, _ = mini_tables
    table = words.word_table(study)
    assert table.question.id == "feel"
    assert table.note == ""
    freq = table.frequencies.set_index("word")
    assert freq.loc["hopeful", "count"] == 4 and bool(freq.loc["hopeful", "in_report"])
    assert freq.loc["brave", "count"] == 0  # printed by the report, written by nobody
    assert not freq.loc["tired-ish", "in_report"]
    assert table.top_words == ["hopeful"]
    assert len(table.answers) > 0


def test_word_table_says_why_there_is_nothing_to_count(mini_tables):
    study, _ = mini_tables
    no_question = dataclasses.replace(study, free_text=())
    table = words.word_table(no_question)
    assert table.question is None and table.frequencies.empty
    assert table.note == "The report shows no open answers as a word cloud."
    no_survey = dataclasses.replace(study, survey=None)
    table = words.word_table(no_survey)
    assert table.answers.empty
    assert table.note == "No answers to the question 'How do you feel, in three words?' in the data."
