"""Word frequencies of short open answers (the "in three words" question) beside the words a report printed.

An answer is split into words (letters, with inner apostrophes or hyphens kept:
``re-energised``), lower-cased, and common English function words ("and",
"very", "the" ...; the ``wordcloud`` package's stop-word list) are dropped, so
"Hopeful and excited!" counts *hopeful* and *excited*.  No stemming: the words
are counted as respondents wrote them.

:func:`word_table` is what an appendix shows for a study: the question, its answers and
their frequencies beside the report's words, or the reason there is nothing to count.  The
tables and the qualitative steps both call it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from tieval.config import FreeText, Study
from tieval.survey.data import load_free_text

__all__ = [
    "WORD",
    "stopwords",
    "word_question",
    "tokens",
    "word_frequencies",
    "compare_with_report",
    "answers",
    "WordTable",
    "word_table",
]

WORD = re.compile(r"[a-z]+(?:['’-][a-z]+)*")


def stopwords() -> frozenset[str]:
    """The stop words dropped before counting (the ``wordcloud`` package's English list)."""
    from wordcloud import STOPWORDS  # noqa: PLC0415 - wordcloud: heavy, loaded only to count words

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
    """The redacted answers to ``question`` from the processed free text (:func:`~tieval.survey.data.load_free_text`) (empty for a
    study without a survey)."""
    if study.survey is None:
        return pd.Series(dtype=str)
    frame = load_free_text(study, ["question_id", "text"])
    return frame.loc[frame["question_id"] == question.id, "text"].astype(str).reset_index(drop=True)


@dataclass(frozen=True)
class WordTable:
    """The words of a study's short open answers: ``question`` (None when the report shows no
    answers as words), the redacted ``answers``, their ``frequencies`` beside the report's
    (:func:`compare_with_report`: word, count, in_report; empty when there is nothing to count)
    and ``note``, why there is nothing to count ('' when there is)."""

    question: FreeText | None
    answers: pd.Series
    frequencies: pd.DataFrame
    note: str = ""

    @property
    def top_words(self) -> list[str]:
        """The most frequent word(s), ties in table order."""
        freq = self.frequencies
        return freq.loc[freq["count"] == freq["count"].max(), "word"].tolist() if len(freq) else []


def word_table(study: Study) -> WordTable:
    """Count the words of the answers to the study's word question (:func:`word_question`) and set
    them beside the words the report printed; reads ``free_text.csv`` when there is a question."""
    empty = pd.DataFrame({"word": pd.Series(dtype=str), "count": pd.Series(dtype=int), "in_report": False})
    question = word_question(study)
    if question is None:
        return WordTable(None, pd.Series(dtype=str), empty, "The report shows no open answers as a word cloud.")
    texts = answers(study, question)
    if texts.empty:
        return WordTable(question, texts, empty, f"No answers to the question '{question.text}' in the data.")
    return WordTable(question, texts, compare_with_report(word_frequencies(texts), question))
