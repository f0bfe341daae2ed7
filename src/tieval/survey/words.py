"""Word frequencies of short open answers (the "in three words" question) beside the words a report printed.

An answer is split into words (letters, with inner apostrophes or hyphens kept:
``re-energised``), lower-cased, and common English function words ("and",
"very", "the" ...; the ``wordcloud`` package's stop-word list) are dropped, so
"Hopeful and excited!" counts *hopeful* and *excited*.  No stemming: the words
are counted as respondents wrote them.
"""

from __future__ import annotations

import re

import pandas as pd

from tieval.config import FreeText, Study

__all__ = ["WORD", "stopwords", "word_question", "tokens", "word_frequencies", "compare_with_report", "answers"]

WORD = re.compile(r"[a-z]+(?:['’-][a-z]+)*")


def stopwords() -> frozenset[str]:
    """The stop words dropped before counting (the ``wordcloud`` package's English list)."""
    from wordcloud import STOPWORDS

    return frozenset(STOPWORDS)


def word_question(study: Study) -> FreeText | None:
    """The open question whose answers the report shows as words (``published_words`` in study.yml)."""
    for q in study.free_text:
        if q.published_words:
            return q
    return None


def tokens(texts: pd.Series, *, drop: frozenset[str] | None = None) -> pd.Series:
    """All words of ``texts``, lower-cased, in order, without stop words."""
    drop = stopwords() if drop is None else drop
    words = texts.fillna("").astype(str).str.lower().str.findall(WORD).explode().dropna()
    return words[~words.isin(drop)].reset_index(drop=True).astype(str)


def word_frequencies(texts: pd.Series, *, drop: frozenset[str] | None = None) -> pd.DataFrame:
    """Word counts (columns ``word``, ``count``), most frequent first, ties alphabetical."""
    words = tokens(texts, drop=drop)
    freq = words.value_counts().rename_axis("word").reset_index(name="count")
    return freq.sort_values(["count", "word"], ascending=[False, True], kind="stable").reset_index(drop=True)


def compare_with_report(freq: pd.DataFrame, question: FreeText) -> pd.DataFrame:
    """Frequencies with ``in_report`` (the report printed the word); words the report printed
    that nobody wrote are added with count 0."""
    printed = [w.lower() for w in question.published_words]
    out = freq.copy()
    missing = [w for w in printed if w not in set(out["word"])]
    if missing:
        out = pd.concat([out, pd.DataFrame({"word": missing, "count": 0})], ignore_index=True)
    out["in_report"] = out["word"].isin(printed)
    return out.sort_values(["count", "word"], ascending=[False, True], kind="stable").reset_index(drop=True)


def answers(study: Study, question: FreeText) -> pd.Series:
    """The redacted answers to ``question`` from ``processed/<study>/free_text.csv`` (empty for a
    study without a survey)."""
    from tieval.paths import processed_dir
    from tieval.schema import FREE_TEXT, require_columns
    from tieval.store import read_csv

    if study.survey is None:
        return pd.Series(dtype=str)
    path = processed_dir(study.id) / "free_text.csv"
    frame = read_csv(path)
    require_columns(frame, FREE_TEXT, path)
    return frame.loc[frame["question_id"] == question.id, "text"].reset_index(drop=True)
