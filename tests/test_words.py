"""Word frequencies of short open answers, on hand-made answers."""

from __future__ import annotations

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
