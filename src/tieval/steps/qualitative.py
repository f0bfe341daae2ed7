"""Step 04, the qualitative evidence: codebook, excerpts and codings, participants, who raised what,
prevalence, quotations, the report's counts, cases, words of short answers and agreement between coders.

:func:`run` loads the study's qualitative material (:func:`tieval.qual.data.load`), computes every
table of the appendix and the REFI-QDA export with its round trip (in memory), writing nothing;
:func:`write` writes every table (``codebook.csv``, ``theme_matrix.csv``, ``quotations.csv``,
``prevalence_<by>.csv``, ``report_counts.csv``, ``cases.csv``, the participants table and
``reproduced_qualitative.csv`` for the audit, ``words_<question>.csv``, ``kappa.csv``) and the
``<study>.qdpx`` export to ``outputs/<study>/04_qualitative/``.  A study without excerpts or a
codebook has only the words section; ``notes`` says why the others are empty.

Word frequencies are computed here with :mod:`tieval.survey.words` (the tables step counts the same
words for its chart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tieval import store
from tieval.config import Study
from tieval.paths import step_dir
from tieval.published import load_published
from tieval.qual.agreement import theme_agreement
from tieval.qual.analysis import (
    barrier_counts,
    cases_table,
    prevalence,
    prevalence_groups,
    prevalence_table,
    quotations,
    quotations_html,
    theme_matrix,
)
from tieval.qual.codings import compare_codings, derive_codings, load_codings, qdpx_round_trip, with_ancestors
from tieval.qual.data import QualitativeData, load
from tieval.qual.excerpts import redacted
from tieval.qual.participants import participants_reproduced, participants_table
from tieval.report.present import Banner, Block, Html, Note, Table
from tieval.schema import REPRODUCED
from tieval.survey import words

__all__ = ["STEP", "NO_QUALITATIVE", "QualitativeResult", "run", "write"]

STEP = "04_qualitative"

#: Shown (once, at the start) when the study has no qualitative material.
NO_QUALITATIVE = (
    "This study has no published quotations or no codebook (no excerpts or codebook file in its study.yml), "
    "so there is no qualitative evidence to show."
)
NO_BREAKDOWN = "No participant list with timepoints or sectors (raw/participants.csv), so there is no breakdown."
NO_REPORT_COUNTS = "The codebook links no code to a count printed in the report."
NO_CASES = "The report describes no participant cases."
NO_WORD_QUESTION = "The report shows no open answers as a word cloud."
ONE_CODING = (
    "Only one coding of the quotations exists (the report's own allocation), so there is no "
    "agreement between coders to compute."
)
RECONSTRUCTED_PARTICIPANTS = (
    "RECONSTRUCTED: rows marked reconstructed assign each participant a value so that the "
    "printed totals are reproduced; the report does not say which participant attended which "
    "training, so these rows match the report by construction."
)
RECONSTRUCTED_WORDS = (
    "These answers belong to the reconstructed stand-in data: the counts show the pipeline at work, "
    "not what respondents wrote."
)
#: The sections of the appendix, in order (the fields of :class:`QualitativeResult` holding their blocks).
SECTIONS = (
    "start",
    "codebook",
    "codings",
    "participants",
    "matrix",
    "prevalence",
    "quotations",
    "counts",
    "cases",
    "words",
    "agreement",
)


@dataclass(frozen=True)
class QualitativeResult:
    """What the qualitative step computed and every section of its appendix, as display blocks.

    ``tables``: every CSV the step writes, by file name; ``qdpx``: the REFI-QDA
    export (None without qualitative material); ``notes``: per section, why it has nothing to show."""

    study: Study
    material: QualitativeData | None
    tables: dict[str, pd.DataFrame]
    qdpx: bytes | None = None
    start: tuple[Block, ...] = ()
    codebook: tuple[Block, ...] = ()
    codings: tuple[Block, ...] = ()
    participants: tuple[Block, ...] = ()
    matrix: tuple[Block, ...] = ()
    prevalence: tuple[Block, ...] = ()
    quotations: tuple[Block, ...] = ()
    counts: tuple[Block, ...] = ()
    cases: tuple[Block, ...] = ()
    words: tuple[Block, ...] = ()
    agreement: tuple[Block, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def qdpx_path(self) -> Path:
        """Where :func:`write` puts the REFI-QDA export."""
        return step_dir(self.study.id, STEP) / f"{self.study.id}.qdpx"


def run(study: Study) -> QualitativeResult:
    """Compute every table of the qualitative appendix of ``study`` and its REFI-QDA export (writes nothing).

    Raises :class:`tieval.errors.InputError` / :class:`tieval.errors.ConfigError` for the first problem
    in the excerpts, codings, participants or codebook."""
    tables: dict[str, pd.DataFrame] = {}
    word_blocks, word_note = _words(study, tables)
    qual = load(study)
    if qual is None:
        notes = {s: NO_QUALITATIVE for s in SECTIONS if s != "words"}
        if word_note:
            notes["words"] = word_note
        return QualitativeResult(study, None, tables, start=(Note(NO_QUALITATIVE),), words=word_blocks, notes=notes)
    notes = {"words": word_note} if word_note else {}
    shown = redacted(qual.excerpts, study)
    codebook = _codebook(qual, tables)
    codings, qdpx = _codings(study, qual, shown)
    participants = _participants(study, qual, tables)
    matrix = theme_matrix(qual.codings, qual.excerpts, qual.codebook)
    quotes = quotations(qual.codings, shown, qual.codebook)
    prevalence_blocks = _prevalence(qual, tables, notes)
    tables["quotations.csv"] = quotes
    tables["theme_matrix.csv"] = matrix
    counts = _report_counts(study, qual, tables, notes)
    cases = _cases(qual, tables, notes)
    agreement = _agreement(study, qual, tables, notes)
    return QualitativeResult(
        study,
        qual,
        tables,
        qdpx,
        codebook=codebook,
        codings=codings,
        participants=participants,
        matrix=(
            Table(
                matrix.drop(columns="code_id"),
                "Quotations per code and participant",
                base=f"{len(qual.excerpts)} quotations; participants = named speakers quoted under the code",
                max_rows=None,
                csv="theme_matrix.csv",
                ident="theme-matrix",
            ),
        ),
        prevalence=prevalence_blocks,
        quotations=(Html(quotations_html(quotes, qual.codebook)),),
        counts=counts,
        cases=cases,
        words=word_blocks,
        agreement=agreement,
        notes=notes,
    )


def _codebook(qual: QualitativeData, tables: dict) -> tuple[Block, ...]:
    book = qual.codebook.table()
    tables["codebook.csv"] = book
    shown = book.assign(code=[qual.codebook.display_label(c) for c in book["code_id"]])
    return (
        Table(
            shown[["code_id", "code", "description", "construct", "subconstruct", "items"]],
            "Codebook: themes and their codes",
            base=f"{len(book)} codes, {len(qual.codebook.themes)} themes",
            max_rows=None,
            csv="codebook.csv",
            ident="codebook",
        ),
    )


def _codings(study: Study, qual: QualitativeData, shown: pd.DataFrame) -> tuple[tuple[Block, ...], bytes]:
    """Excerpts by source, the codings against the report's allocation, and the REFI-QDA round trip."""
    blocks: list[Block] = [
        Table(
            qual.excerpts.groupby("source").size().rename("excerpts").reset_index(),
            "Excerpts by source",
            base=f"{len(qual.excerpts)} published quotations",
        )
    ]
    differences = compare_codings(qual.codings, derive_codings(qual.excerpts, qual.codebook))
    if qual.codings_derived:
        blocks.append(Note("The study has no codings file: the codings used are the report's allocation."))
    elif differences.empty:
        blocks.append(
            Note(
                f"The {len(qual.codings)} committed codings are exactly the report's allocation (section "
                "headings" + (" and lead-in sentences" if qual.codebook.lead_ins else "") + ")."
            )
        )
    else:
        blocks.append(
            Table(differences, "Codings that differ from the report's allocation", base=f"{len(qual.codings)} codings")
        )
    data, lost = qdpx_round_trip(shown, qual.codings, qual.codebook)
    blocks.append(
        Note(
            f"Exported as a REFI-QDA project ({study.id}.qdpx) and read back: "
            + ("the same codings, coders included." if lost.empty else f"{len(lost)} codings differ.")
        )
    )
    if not lost.empty:
        blocks.append(Table(lost, "Codings changed by the REFI-QDA round trip"))
    return tuple(blocks), data


#: A printed total of qualitative participants ("qualitative participants in total", "(N=10)").
_TOTAL = re.compile(r"\bparticipants\b.*\b(?:in total|total|overall)\b|\btotal\b.*\bparticipants\b", re.I)


def _total_reproduced(people: pd.DataFrame, file_name: str, published: pd.DataFrame) -> pd.DataFrame:
    """The printed total of qualitative participants, reproduced as the sum of a block of the participants
    table counted from the excerpts (not reconstructed): every person falls in one category of a block."""
    counted = people[~people["reconstructed"].astype(bool)]
    blocks = counted.groupby("block", sort=False)["participants"].sum()
    figures = published[
        published["unit"].isin(["n", "count"])
        & (published["category"] == "")
        & (published["item_id"] == "")
        & published["measure"].map(lambda m: bool(_TOTAL.search(str(m))))
    ]
    if blocks.empty or figures.empty:
        return pd.DataFrame(columns=REPRODUCED)
    block, total = blocks.index[0], int(blocks.iloc[0])
    return pd.DataFrame(
        {
            "figure_id": figures["figure_id"],
            "value": total,
            "unit": figures["unit"],
            "base": "",
            "source_table": file_name,
            "note": f"distinct speakers of the published excerpts, all {block} categories together",
        },
        columns=REPRODUCED,
    ).reset_index(drop=True)


#: A case account that says the issue did not move on; one that says the report gives no account.
_NO_PROGRESS = re.compile(r"^\s*no change", re.I)
_UNTOLD = re.compile(r"^\s*not reported", re.I)


def _interviewed_at(people: pd.DataFrame, wave: str) -> pd.DataFrame:
    """The interviewees with an interview at ``wave`` (a timepoint of participants.csv; blank: all)."""
    if not wave:
        return people
    return people[people["timepoints"].str.split(";").map(lambda t: wave in [x.strip() for x in t])]


def _quantifier_reproduced(qual: QualitativeData, published: pd.DataFrame) -> pd.DataFrame:
    """Interview claims about participants (unit ``quantifier``, source ``interview``, the code in
    ``category``, the timepoint in ``wave``) reproduced as the share of interviewed participants.

    A code whose children are cases ("reported progress"): of the cases with a progress account (not
    "Not reported"), the share whose account does not begin "No change" (``cases.csv``).  Any other code: the share of the
    participants interviewed at ``wave`` (all interviewees when blank) with a published excerpt coded
    with it or a code below it (``prevalence_timepoint.csv``).  Published excerpts are a selection, so a
    share below 100 shows what the report quotes, not what was said."""
    figs = published[(published["unit"] == "quantifier") & (published["source"] == "interview")]
    figs = figs[figs["category"].isin(list(qual.codebook.codes))]
    if figs.empty or qual.participants is None:
        return pd.DataFrame(columns=REPRODUCED)
    people = qual.participants[qual.participants["session_kind"].str.strip() == "interview"]
    coded = with_ancestors(qual.codings, qual.codebook).drop_duplicates(["excerpt_id", "code_id"])
    coded = coded.merge(qual.excerpts[["excerpt_id", "speaker", "timepoint"]], on="excerpt_id")
    coded = coded[coded["speaker"].str.strip() != ""]
    rows = []
    for f in figs.itertuples():
        cases = [c for c in qual.codebook.codes.values() if c.parent == f.category and c.case is not None]
        if cases:
            told = [c for c in cases if not _UNTOLD.match(str(c.case.get("progress", "")))]
            off = [c for c in told if _NO_PROGRESS.match(str(c.case.get("progress", "")))]
            detail = "; ".join(f"{c.label}: {c.case['progress']}" for c in off)
            base, source = len(told), "cases.csv"
            value = 100 * (base - len(off)) / base if base else float("nan")
            note = f"{base - len(off)} of the {base} cases with a progress account report progress" + (
                f" ({detail})" if off else ""
            )
            if len(told) < len(cases):
                note += f"; {len(cases) - len(told)} case(s) give no account"
        else:
            wave = str(f.wave).strip()
            group = _interviewed_at(people, wave)
            mine = coded[(coded["code_id"] == f.category) & coded["speaker"].isin(group["participant"])]
            if wave:
                mine = mine[mine["timepoint"].str.strip() == wave]
            k, base, source = mine["speaker"].nunique(), len(group), "prevalence_timepoint.csv"
            value = 100 * k / base if base else float("nan")
            note = f"{k} of {base} interviewed {('at ' + wave) if wave else ''} have a published excerpt coded {f.category}"
        rows.append((f.figure_id, round(value, 4), "quantifier", base, source, " ".join(note.split())))
    return pd.DataFrame(rows, columns=REPRODUCED)


def _participants(study: Study, qual: QualitativeData, tables: dict) -> tuple[Block, ...]:
    published = load_published(study)
    people, people_file = participants_table(qual.excerpts, qual.participants, published)
    blocks: list[Block] = []
    claims = _quantifier_reproduced(qual, published)
    if len(people):
        tables[people_file] = people
        reproduced = participants_reproduced(people, people_file)
        tables["reproduced_qualitative.csv"] = pd.concat(
            [reproduced, _total_reproduced(people, people_file, published), claims], ignore_index=True
        )
    elif len(claims):
        tables["reproduced_qualitative.csv"] = claims
    if len(people):
        blocks.append(
            Table(
                people,
                "Qualitative participants",
                base="distinct speakers of the published quotations",
                csv=people_file,
                ident="participants",
            )
        )
        if people["reconstructed"].any():
            blocks.append(Banner(RECONSTRUCTED_PARTICIPANTS))
    if qual.participants is not None:
        blocks.append(
            Table(
                qual.participants.drop(columns="note"),
                "Interviewed participants (raw/participants.csv)",
                base=f"{len(qual.participants)} participants",
                max_rows=None,
            )
        )
    return tuple(blocks)


def _prevalence(qual: QualitativeData, tables: dict, notes: dict) -> tuple[Block, ...]:
    groups = prevalence_groups(qual.excerpts, qual.participants) if qual.participants is not None else []
    blocks: list[Block] = []
    for by in groups:
        prev = prevalence(qual.codings, qual.excerpts, qual.participants, qual.codebook, by)
        tables[f"prevalence_{by}.csv"] = prev
        wide, bases = prevalence_table(prev, qual.codebook)
        blocks.append(
            Table(
                wide,
                f"Participants quoted on each code, by {by}",
                base=bases,
                max_rows=None,
                csv=f"prevalence_{by}.csv",
            )
        )
    if not groups:
        notes["prevalence"] = NO_BREAKDOWN
        blocks.append(Note(NO_BREAKDOWN))
    return tuple(blocks)


def _report_counts(study: Study, qual: QualitativeData, tables: dict, notes: dict) -> tuple[Block, ...]:
    counts = barrier_counts(qual.codings, qual.excerpts, qual.codebook, load_published(study))
    if not len(counts):
        notes["counts"] = NO_REPORT_COUNTS
        return (Note(NO_REPORT_COUNTS),)
    tables["report_counts.csv"] = counts
    return (
        Table(
            counts.drop(columns="code_id"),
            "Participants raising each point: the report and its quotations",
            base="participants (interviewees); the report states no base",
            max_rows=None,
            csv="report_counts.csv",
            ident="report-counts",
        ),
    )


def _cases(qual: QualitativeData, tables: dict, notes: dict) -> tuple[Block, ...]:
    cases = cases_table(qual.codings, qual.excerpts, qual.codebook)
    if not len(cases):
        notes["cases"] = NO_CASES
        return (Note(NO_CASES),)
    tables["cases.csv"] = cases
    return (
        Table(
            cases.replace({"evidence": {"": "none printed"}}),
            "Participant cases: progress",
            base=f"{len(cases)} cases",
            csv="cases.csv",
            ident="cases",
        ),
    )


def _words(study: Study, tables: dict) -> tuple[tuple[Block, ...], str]:
    """The words of the short open answers beside the report's (:func:`tieval.survey.words.word_table`,
    the same table the tables step draws): the blocks, and the note when there are none."""
    table = words.word_table(study)
    if table.note:
        return (Note(table.note),), table.note
    question, freq = table.question, table.frequencies
    tables[f"words_{question.id}.csv"] = freq
    blocks: list[Block] = [
        Table(
            freq,
            f"Words in answers to '{question.text}'",
            base=f"n = {len(table.answers)} answers",
            max_rows=None,
            csv=f"words_{question.id}.csv",
        )
    ]
    if study.reconstructed:
        blocks.append(Note(RECONSTRUCTED_WORDS))
    return tuple(blocks), ""


def _agreement(study: Study, qual: QualitativeData, tables: dict, notes: dict) -> tuple[Block, ...]:
    if not study.has_input("codings_second_coder"):
        notes["agreement"] = ONE_CODING
        return (Note(ONE_CODING),)
    second = load_codings(study, qual.codebook, qual.excerpts, "codings_second_coder")
    kappa, pooled = theme_agreement(qual.codings, second, qual.codebook, qual.excerpts)
    tables["kappa.csv"] = kappa
    return (
        Table(
            kappa.drop(columns=["coder_a", "coder_b"]).round(3),
            f"Cohen's kappa per theme: {kappa['coder_a'].iloc[0]} against {kappa['coder_b'].iloc[0]}",
            base=f"{len(qual.excerpts)} quotations",
            max_rows=None,
            csv="kappa.csv",
            ident="kappa",
        ),
        Table(pooled.round(3), "Pooled kappa over themes (De Vries et al. 2008)", base=f"{len(kappa)} themes"),
    )


def write(result: QualitativeResult) -> list[Path]:
    """Write every table and the REFI-QDA export to ``outputs/<study>/04_qualitative/``."""
    folder = step_dir(result.study.id, STEP)
    paths = [store.write_csv(frame, folder / name) for name, frame in result.tables.items()]
    if result.qdpx is not None:
        with store.atomic_write(result.qdpx_path, "wb") as handle:
            handle.write(result.qdpx)
        paths.append(store.note_output(result.qdpx_path))
    return paths
