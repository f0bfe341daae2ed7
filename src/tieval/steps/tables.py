"""Step 03, the survey tables: every published table rebuilt from the processed data, with intervals,
full distributions, construct scores and figures.

:func:`run` loads ``data/processed/<study>/``, rebuilds the published tables and text
proportions under disclosure control (``min_cell``, :mod:`tieval.survey.disclosure`), scores
the constructs and renders the figures, writing nothing; :func:`write` writes every table
(``table<k>.csv``, ``text_proportions.csv``, ``reproduced.csv`` for the audit,
``published_comparison.csv``, ``distributions.csv``, ``construct_summary.csv`` and, without
disclosure control, ``construct_scores.csv``) and every figure to ``outputs/<study>/03_tables/``.

Any instrument: the internal consistency of every scored item set (named subscales, else the
constructs; :func:`tieval.survey.scores.reliability_table`) goes to ``reliability.csv`` and
``item_total.csv``.  A study with waves also gets its answers per wave side by side
(``wave_distributions.csv``) and the change between waves (``change.csv``,
:func:`tieval.survey.wave_change.study_change`); a cross-sectional study gets a one-line note.
Published statistics (means, SDs, effect sizes, p-values, ...) the data reproduce go to
``reproduced_statistics.csv`` for the audit (none written when the record prints none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tieval import store
from tieval.config import Study
from tieval.paths import step_dir
from tieval.published import load_published
from tieval.report import charts
from tieval.report.figures import AppendixFigure, proportion_figures, render, scale_figures, write_figure
from tieval.report.present import Banner, Block, Note, Table, figures_in
from tieval.report.survey_tables import (
    render_change,
    render_comparison,
    render_distributions,
    render_item_total,
    render_reliability,
    render_wave_distributions,
    respondent_summary,
    scale_name,
    table_views,
)
from tieval.survey.counts import distributions, multi_select_cells
from tieval.survey.data import load_survey, n_included
from tieval.survey.disclosure import check_min_cell
from tieval.survey.matching import match_summary
from tieval.survey.published_tables import Reproduction, reproduce, rounding_note
from tieval.survey.scores import (
    construct_summary,
    forget,
    reliability_table,
    score_range_text,
    score_sets,
    scored_constructs,
    scores_table,
)
from tieval.survey.wave_change import FAMILIES, descriptives, statistic_figures, study_change, wave_distributions
from tieval.survey.wave_data import is_linked_design, study_linkage, wave_ids, wave_labels, wave_subset
from tieval.survey.words import WordTable, word_table

__all__ = ["STEP", "TablesResult", "run", "write"]

STEP = "03_tables"

NO_DATA = "This study has no survey responses to analyse, so the sections below have nothing to show."
NO_TABLES = "The report prints no table of survey answers that the data can rebuild."
NO_TEXT = "The report's text gives no proportion of questionnaire answers beyond its tables."
NO_FIGURES_COMPUTED = "No published figure can be computed from the survey data."
NO_DISTRIBUTIONS = "No answers to rated questionnaire items to show."
NO_CONSTRUCTS = (
    "No construct scores: the questionnaire has no construct with two or more items on an "
    "agreement scale, or there are no answers."
)
NO_FIGURES_DISCLOSURE = (
    "Figures are not drawn under disclosure control: bar lengths would reveal the suppressed counts."
)
NO_ANSWERS_TO_DRAW = "No survey answers to draw."
NO_WORDS_DISCLOSURE = "Word counts are not drawn under disclosure control."
RECONSTRUCTED_SCORES = (
    "These scores and alphas depend on how answers combine within each respondent, which the "
    "reconstructed data cannot know: they are properties of the reconstruction, not findings "
    "of the study. Only the item marginals above are constrained by the report."
)
ONE_WAVE = "One survey wave (a cross-sectional study): no tables by wave and no change between waves."
NO_RELIABILITY = "No internal consistency: the instrument has no set of two or more items scored together."
RECONSTRUCTED_WORDS = (
    "The answers are part of the reconstructed stand-in data: the chart shows the pipeline at work, "
    "not what respondents wrote."
)


def _disclosure_banner(min_cell: int) -> str:
    return (
        f"Disclosure control is on: counts of 1 to {min_cell - 1} respondents are suppressed, "
        "with further cells suppressed wherever a published total would reveal them. "
        "Suppressed cells read 'suppressed'; the tables no longer reproduce the report exactly."
    )


@dataclass(frozen=True)
class TablesResult:
    """What the tables step computed and every section of its appendix, as display blocks.

    ``construct_summary`` and ``construct_scores`` are None when there are no construct scores
    (``construct_scores`` also under disclosure control: per-respondent rows are not published);
    ``change`` and ``wave_distributions`` None for a study with one wave; ``reliability`` and
    ``item_total`` None without a scored item set; ``statistics`` holds the published statistics
    reproduced (empty when the record prints none)."""

    study: Study
    min_cell: int
    reproduction: Reproduction
    distributions: pd.DataFrame
    construct_summary: pd.DataFrame | None
    construct_scores: pd.DataFrame | None
    words: WordTable
    change: pd.DataFrame | None = None
    wave_distributions: pd.DataFrame | None = None
    reliability: pd.DataFrame | None = None
    item_total: pd.DataFrame | None = None
    statistics: pd.DataFrame | None = None
    data: tuple[Block, ...] = ()
    published: tuple[Block, ...] = ()
    text: tuple[Block, ...] = ()
    summary: tuple[Block, ...] = ()
    full_distributions: tuple[Block, ...] = ()
    constructs: tuple[Block, ...] = ()
    waves: tuple[Block, ...] = ()
    scale_figures: tuple[Block, ...] = ()
    proportion_figures: tuple[Block, ...] = ()
    word_figure: tuple[Block, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)
    multi_select: pd.DataFrame | None = None  # counts.multi_select_cells; None without such items or under disclosure

    @property
    def figures(self) -> list[AppendixFigure]:
        """The figures of every section, in appendix order."""
        return figures_in(self.scale_figures, self.proportion_figures, self.word_figure)


def _published_section(rep: Reproduction, study: Study) -> list[Block]:
    blocks: list[Block] = []
    for table in rep.tables:
        blocks += [
            Table(frame, caption, base, max_rows=None, csv=f"{table.id}.csv", ident=f"{table.id}-reproduced")
            for frame, caption, base in table_views(table, study)
        ]
        if table.number in rep.rules:
            blocks.append(Note(rounding_note(rep.rules[table.number])))
        shown = rep.comparison[rep.comparison["figure_id"].isin(table.figures["figure_id"])]
        blocks.append(
            Table(
                render_comparison(shown),
                f"{table.number}: published and reproduced values",
                table.base,
                max_rows=None,
                csv="published_comparison.csv",
                ident=f"{table.id}-comparison",
            )
        )
    blocks += [Note(f"Not rebuilt here: {reason}.") for reason in rep.skipped.values()]
    return blocks


def _word_section(words: WordTable, study: Study, min_cell: int, notes: dict[str, str]) -> list[Block]:
    if words.question is None:
        notes["word_figure"] = words.note
    elif min_cell:
        notes["word_figure"] = NO_WORDS_DISCLOSURE
    elif words.note:
        notes["word_figure"] = words.note
    if "word_figure" in notes:
        return [Note(notes["word_figure"])]
    question, freq = words.question, words.frequencies
    blocks: list[Block] = [
        render(
            f"words_{question.id}",
            charts.word_chart(freq, seed=0),
            alt=charts.alt_words(freq),
            caption=f"Words used in answers to '{question.text}' (blue: printed in the report's word cloud).",
            base=f"n = {len(words.answers)} answers",
        )
    ]
    if study.reconstructed:
        blocks.append(Note(RECONSTRUCTED_WORDS))
    if question.most_frequent:
        blocks.append(
            Note(
                f"The report prints '{question.most_frequent}' largest; the most frequent word here: "
                f"{', '.join(words.top_words)}."
            )
        )
    return blocks


def _change_caption(family: str, rows: pd.DataFrame) -> str:
    design = rows["design"].iloc[0]
    tests = ", ".join(f"{c}: {n}" for c, n in rows.groupby("comparison", sort=False)["tests_in_family"].first().items())
    what = {
        "items": "Change per item (answer codes)",
        "agreement": "Change in the proportion agreeing per item (dichotomised)",
        "subscales": "Change per score (mean of answered items, reversed where negatively worded)",
    }[family]
    pairs = "linked respondents, paired" if design == "linked" else "independent waves"
    return f"{what}, follow-up minus baseline ({pairs}); Holm adjustment over {tests} tests"


def _change_base(rows: pd.DataFrame) -> str:
    if rows["design"].iloc[0] == "linked":
        return "n = people answering the item (or with the score) in both waves"
    return "n = respondents answering in the baseline / follow-up wave"


def _wave_section(
    study: Study, respondents: pd.DataFrame, responses: pd.DataFrame, min_cell: int, notes: dict[str, str]
) -> tuple[list[Block], pd.DataFrame | None, pd.DataFrame | None]:
    """The appendix section on waves: answers per wave side by side, then the change tables."""
    if len(wave_ids(study)) < 2:
        notes["waves"] = ONE_WAVE
        return [Note(ONE_WAVE)], None, None
    dist = wave_distributions(study, respondents, responses, min_cell)
    blocks: list[Block] = [
        Table(frame, f"Answers to every item on the scale '{scale_name(study, scale_id)}' by wave: n (% of respondents)",
              "n = respondents of the wave who could answer each item", max_rows=None, csv="wave_distributions.csv")
        for scale_id, frame in render_wave_distributions(dist, study)
    ]  # fmt: skip
    linkage = study_linkage(study)
    change = study_change(study, responses, linkage)
    labels = wave_labels(study)
    if is_linked_design(study) and linkage is not None:
        people = linkage.groupby("person")["wave"].nunique()
        blocks.append(Note(f"Linked design: {int((people == len(labels)).sum())} people answered every wave "
                           f"({', '.join(labels.values())}); change is computed on the people in both waves "
                           "of each comparison."))  # fmt: skip
    else:
        blocks.append(Note("Waves are compared as independent samples (no link key pairs respondents across waves)."))
    for family in FAMILIES:
        rows = change[change["family"] == family]
        if len(rows):
            blocks.append(Table(render_change(change, family), _change_caption(family, rows), _change_base(rows),
                                max_rows=None, csv="change.csv", ident=f"change-{family}"))  # fmt: skip
    if change.empty:
        notes["waves"] = "No item or score can be compared between waves."
        blocks.append(Note(notes["waves"]))
    return blocks, change, dist


def _by_wave(table, responses: pd.DataFrame, study: Study) -> pd.DataFrame:
    """``table(responses, study)`` (construct summary or scores), per wave with a first ``wave``
    column for a study with waves (respondent ids are unique only within a wave)."""
    waves = wave_ids(study)
    if len(waves) < 2:
        return table(responses, study)
    return pd.concat([table(wave_subset(responses, w), study).assign(wave=w) for w in waves], ignore_index=True).pipe(
        lambda f: f[["wave", *[c for c in f.columns if c != "wave"]]]
    )


def _reliability_section(study: Study, responses: pd.DataFrame) -> tuple[list[Block], pd.DataFrame, pd.DataFrame]:
    scales, items = reliability_table(responses, study, wave_ids(study))
    with_wave = len(wave_ids(study)) > 1
    blocks: list[Block] = [
        Table(render_reliability(scales, with_wave=with_wave),
              "Internal consistency: Cronbach's alpha with its Feldt 95% interval and McDonald's omega",
              "n = respondents answering every item of the scale", max_rows=None, csv="reliability.csv",
              ident="reliability"),
        Table(render_item_total(items, with_wave=with_wave),
              "Items: corrected item-total (item-rest) correlation and alpha if the item is deleted",
              "n = respondents answering every item of the scale", max_rows=None, csv="item_total.csv",
              ident="item-total"),
    ]  # fmt: skip
    sources = sorted({s for s in scales["reference_source"] if s})
    if sources:
        blocks.append(Note("Reference alphas as published: " + "; ".join(sources) + "."))
    return blocks, scales, items


def run(study: Study, *, min_cell: int = 0) -> TablesResult:
    """Rebuild the survey tables of ``study`` with counts below ``min_cell`` suppressed (0: off,
    which reproduces the report); reads the processed data and the published record, writes nothing."""
    min_cell = check_min_cell(min_cell)
    respondents, responses = load_survey(study)
    rep = reproduce(study, responses, respondents, load_published(study), min_cell=min_cell)
    has_data = n_included(respondents) > 0
    notes: dict[str, str] = {}
    data: list[Block] = [Note(respondent_summary(respondents) if has_data else NO_DATA)]
    if not has_data:
        notes["data"] = NO_DATA
    if min_cell:
        data.append(Banner(_disclosure_banner(min_cell)))

    published = _published_section(rep, study)
    if not rep.tables:
        notes["published"] = NO_TABLES
        published.append(Note(NO_TABLES))
    if len(rep.text):
        text = rep.comparison[rep.comparison["figure_id"].isin(rep.text["figure_id"])]
        text_blocks: list[Block] = [
            Table(
                render_comparison(text),
                "Proportions printed in the text: published and reproduced",
                "per row (respondents answering the item, unless the report states another base)",
                max_rows=None,
                csv="text_proportions.csv",
                ident="text-proportions",
            )
        ]
    else:
        notes["text"] = NO_TEXT
        text_blocks = [Note(NO_TEXT)]
    if len(rep.comparison):
        summary: list[Block] = [
            Table(
                match_summary(rep.comparison, rep.figures),
                "Published numbers computed from the survey data",
                f"{len(rep.comparison)} published figures",
                ident="computed-summary",
            )
        ]
    else:
        notes["summary"] = NO_FIGURES_COMPUTED
        summary = [Note(NO_FIGURES_COMPUTED)]

    dist = distributions(rep.cells)
    views = render_distributions(dist, study) if has_data else []
    full: list[Block] = [
        Table(
            frame,
            f"Answers to every item on the scale '{scale_name(study, scale_id)}': n (% of respondents)",
            "n = respondents who could answer each item",
            max_rows=None,
            csv="distributions.csv",
            ident=f"distribution-{scale_id}",
        )
        for scale_id, frame in views
    ]
    if not views:
        notes["full_distributions"] = NO_DISTRIBUTIONS
        full.append(Note(NO_DISTRIBUTIONS))

    summary_table = scores = None
    constructs: list[Block] = []
    scored = scored_constructs(study)
    if has_data and scored:
        summary_table = _by_wave(construct_summary, responses, study)
        scores = None if min_cell else _by_wave(scores_table, responses, study)
        forget()  # both tables made: the item matrix they shared is not needed again
        if study.reconstructed:
            constructs.append(Banner(RECONSTRUCTED_SCORES))
        constructs.append(
            Table(
                summary_table,
                "Construct scores (mean of answered items, "
                f"{score_range_text(study, [it for its in scored.values() for it in its])}) and internal consistency",
                "n = respondents with a score; alpha n = respondents answering every item",
                csv="construct_summary.csv",
                ident="construct-scores",
            )
        )
    else:
        notes["constructs"] = NO_CONSTRUCTS
        constructs.append(Note(NO_CONSTRUCTS))
    reliability = item_total = None
    if has_data and score_sets(study):
        more, reliability, item_total = _reliability_section(study, responses)
        constructs += more
    else:
        notes["reliability"] = NO_RELIABILITY
        constructs.append(Note(NO_RELIABILITY))
    wave_blocks, change, wave_dist = (
        _wave_section(study, respondents, responses, min_cell, notes) if has_data else ([Note(NO_DATA)], None, None)
    )
    statistics = None
    if has_data:
        statistics = statistic_figures(
            load_published(study), study, descriptives(study, responses),
            change if change is not None else pd.DataFrame(columns=["item", "followup", "family"]),
        )  # fmt: skip

    if min_cell:
        notes["scale_figures"] = NO_FIGURES_DISCLOSURE
        scale: list[Block] = [Note(NO_FIGURES_DISCLOSURE)]
    elif not has_data:
        notes["scale_figures"] = NO_ANSWERS_TO_DRAW
        scale = [Note(NO_ANSWERS_TO_DRAW)]
    else:
        scale = list(scale_figures(study, rep.cells))
    proportions: list[Block] = list(proportion_figures(study, rep)) if has_data and not min_cell else []
    if not proportions:
        notes["proportion_figures"] = "No single-proportion table or text-only proportion to draw" + (
            " (disclosure control is on)." if min_cell else "."
        )
        proportions.append(Note(notes["proportion_figures"]))

    words = word_table(study)
    word_blocks = _word_section(words, study, min_cell, notes)
    return TablesResult(
        study,
        min_cell,
        rep,
        dist,
        summary_table,
        scores,
        words,
        change=change,
        wave_distributions=wave_dist,
        reliability=reliability,
        item_total=item_total,
        statistics=statistics,
        data=tuple(data),
        published=tuple(published),
        text=tuple(text_blocks),
        summary=tuple(summary),
        full_distributions=tuple(full),
        constructs=tuple(constructs),
        waves=tuple(wave_blocks),
        scale_figures=tuple(scale),
        proportion_figures=tuple(proportions),
        word_figure=tuple(word_blocks),
        notes=notes,
        multi_select=multi_select_cells(responses, study) if study.multi_select and not min_cell else None,
    )


def write(result: TablesResult) -> list[Path]:
    """Write every table and figure of the step to ``outputs/<study>/03_tables/``."""
    folder = step_dir(result.study.id, STEP)
    rep = result.reproduction
    paths = [store.write_csv(t.frame, folder / f"{t.id}.csv") for t in rep.tables]
    paths.append(store.write_csv(rep.text, folder / "text_proportions.csv"))
    paths.append(store.write_csv(rep.reproduced, folder / "reproduced.csv"))
    paths.append(store.write_csv(rep.comparison, folder / "published_comparison.csv"))
    paths.append(store.write_csv(result.distributions, folder / "distributions.csv"))
    if result.construct_summary is not None:
        paths.append(store.write_csv(result.construct_summary, folder / "construct_summary.csv"))
    if result.construct_scores is not None:
        paths.append(store.write_csv(result.construct_scores, folder / "construct_scores.csv"))
    if result.reliability is not None:
        paths.append(store.write_csv(result.reliability, folder / "reliability.csv"))
        paths.append(store.write_csv(result.item_total, folder / "item_total.csv"))
    if result.change is not None:
        paths.append(store.write_csv(result.change, folder / "change.csv"))
        paths.append(store.write_csv(result.wave_distributions, folder / "wave_distributions.csv"))
    if result.statistics is not None and len(result.statistics):
        paths.append(store.write_csv(result.statistics, folder / "reproduced_statistics.csv"))
    if result.multi_select is not None:
        paths.append(store.write_csv(result.multi_select, folder / "multi_select.csv"))
    paths += [write_figure(figure, folder) for figure in result.figures]
    return paths
