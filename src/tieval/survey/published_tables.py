"""The published survey tables and text proportions rebuilt from the item and demographic cells.

This module turns the tidy survey data written by the cleaning step
(``data/processed/<study>/responses.csv`` and ``respondents.csv``) into every
count the reports publish, and into the tables that set them beside the
published values.

The counting unit is a *cell*: one row of :func:`tieval.survey.counts.item_cells` (per rated item:
each answer level in scale order, each not-relevant answer, the respondents
who skipped it, and each collapsed category) or of :func:`tieval.survey.counts.demographic_cells`
(per demographic: each level and the respondents who did not say).  Every
table, text proportion and disclosure decision is read off these cells, so a
number cannot be computed two ways.

Conventions (choices a reviewer may want to check)
--------------------------------------------------
- **Base of an item percentage**: respondents who gave an answer to the item,
  *including* not-relevant answers, which are a category of their own (so a
  row of collapsed categories sums to 100 %, as Table 5 of the Lancashire report
  does).  Respondents who skipped the item are not in the base.  The category
  ``no_answer`` (also ``missing`` / ``not_answered``) counts the skips, on the
  base of every included respondent.  When a published figure states a base and
  that base equals the number of included respondents, the figure's percentage
  and interval use that base (the report's own denominator).
- **Base of a demographic percentage**: in a table, the respondents who answered
  the question; in the running text (``"We received 48 responses ... Most
  respondents (25%) worked for ..."``) a share of all responses received
  (analysed records and real responses that answered nothing; not previews,
  tests or spam), because that is what such sentences describe.  Table CSVs
  carry both.
- **Rounding**: each rebuilt item table is printed by the rounding rule its published rows
  were most likely rounded with (:func:`tieval.audit.table_rules.study_table_rules`: half up,
  half even, largest remainder forced to 100 or truncation; half up, as Excel and SPSS print,
  when the table prints no percentages), the whole row at once, with the unrounded
  percentage beside it (``<category>_exact``).  Lancashire's Table 5 prints 2.5 % as 2 and
  97.5 % as 98 in one row: largest remainder explains 26 of its 27 rows, half up 23, so the
  rebuilt Table 5 prints 1 of 40 as 2 % where that gives the printed row.  Wilson bounds are
  given in percent to one decimal place.
- **Disclosure control** (``min_cell``, default 0 = off): applied to the cells
  before anything is tabulated (:mod:`tieval.survey.disclosure`); the partitions are
  "the levels and not-relevant answers of an item add up to its answered base",
  "its categories add up to the same base" and "the levels of a category add up
  to the category".  The number who skipped an item is the difference of two
  published bases and is not protected.
- **Reproduced values** (``reproduced.csv``, keyed by published figure id):
  counts as integers and percentages *unrounded* to 4 decimal places, in the
  unit of the published figure; the audit step rounds them to the printed
  precision.  ``published_comparison.csv`` shows the match at that precision
  (either half-up or half-even rounding accepted, see :mod:`tieval.audit.rounding`).
- **Intervals**: Wilson score intervals (Wilson 1927; recommended for small n
  by Brown, Cai & DasGupta 2001), 95 %, never Wald.

Numbers that are not counts of survey answers (flow counts, context numbers,
means of banded data) are left to the audit step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tieval.audit.rules import RULE_LABELS, TableRule, round_row
from tieval.audit.table_rules import study_table_rules
from tieval.config import Study, normalise_label
from tieval.errors import InputError
from tieval.published import STATISTIC_UNITS
from tieval.survey import disclosure
from tieval.survey.counts import (
    MISSING_CATEGORIES,
    NOT_STATED,
    percent_rounded,
    rated_items,
)
from tieval.survey.data import n_included
from tieval.survey.intervals import wilson_interval
from tieval.survey.matching import comparison, reproduced_list, text_proportions
from tieval.survey.wave_data import wave_ids, wave_labels, wave_subset

__all__ = [
    "resolve_figures",
    "figure_values",
    "item_table",
    "demographic_table",
    "PublishedTable",
    "Reproduction",
    "reproduce",
    "published_waves",
    "base_text",
    "single_category_tables",
    "table_rows",
    "standalone_text",
    "rounding_note",
]


# --- published figures -> cells -----------------------------------------------------------------
_TABLE_ID = re.compile(r"^t(\d+)\.")


MEASURABLE_UNITS = ("count", "percent", "percent_bound", "n")


def resolve_figures(published: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Add to each published figure the table it belongs to and the survey subject it counts.

    Columns added: ``table`` (``table5`` for ``t5.*`` table cells, else ''),
    ``subject_kind`` (item / demographic / ''), ``subject`` (its id) and
    ``computable`` (a count or percentage of one category of a survey item or
    demographic).  The subject is the figure's ``item_id``; otherwise the second
    part of its id (``t4.sector.*``); otherwise the subject of the figure it
    restates; otherwise, for a figure in the text, the one demographic with a level of
    that name ("Most respondents (25%) worked for the NHS").  A table cell is never matched
    by level name alone: a table of interviewees by sector is not the survey's sector question.
    """
    items = {it.id for it in rated_items(study)}
    demos = {d.id: d for d in study.demographics}
    out = published.copy()
    tables = out["figure_id"].str.extract(_TABLE_ID)[0]
    out["table"] = np.where((out["location_type"] == "table") & tables.notna(), "table" + tables.fillna(""), "")

    def subject(row) -> tuple[str, str]:
        if row.item_id in items:
            return "item", row.item_id
        if row.item_id in demos:
            return "demographic", row.item_id
        parts = row.figure_id.split(".")
        if len(parts) >= 3 and parts[1] in items:
            return "item", parts[1]
        if len(parts) >= 3 and parts[1] in demos:
            return "demographic", parts[1]
        return "", ""

    # one pass per figure: the published record is a few hundred rows, not respondent data
    pairs = [subject(r) for r in out.itertuples(index=False)]
    out["subject_kind"] = [p[0] for p in pairs]
    out["subject"] = [p[1] for p in pairs]
    by_id = out.set_index("figure_id")
    restated = out["restates"].where(out["restates"] != "")
    fill = (out["subject"] == "") & restated.notna() & restated.isin(by_id.index)
    out.loc[fill, "subject_kind"] = restated[fill].map(by_id["subject_kind"])
    out.loc[fill, "subject"] = restated[fill].map(by_id["subject"])
    # a demographic named only by one of its levels
    level_owner: dict[str, list[str]] = {}
    for d in study.demographics:
        for lv in study.scales[d.scale].levels:
            level_owner.setdefault(normalise_label(lv.label), []).append(d.id)
    owners = out["category"].map(lambda c: level_owner.get(normalise_label(c), []))
    fill = (out["subject"] == "") & owners.map(len).eq(1) & (out["table"] == "")
    out.loc[fill, "subject_kind"] = "demographic"
    out.loc[fill, "subject"] = owners[fill].map(lambda o: o[0])
    out["computable"] = (out["subject"] != "") & (out["category"] != "") & out["unit"].isin(MEASURABLE_UNITS)
    return out


def figure_values(figures: pd.DataFrame, cells: pd.DataFrame, demo_cells: pd.DataFrame) -> pd.DataFrame:
    """The reproduction of every computable figure (as resolved by :func:`resolve_figures`).

    One row per computable figure: figure_id, count, base, percent (unrounded),
    ci_lower, ci_upper (percent), suppressed, base_note.  Cells already passed
    through disclosure control carry blanks where suppressed.
    """
    figs = figures[figures["computable"]].copy()
    rows = []
    item_cat = cells[cells["kind"].isin(["category", "missing"])].copy()
    item_cat["key"] = np.where(item_cat["kind"] == "missing", "__missing__", item_cat["category"])
    item_lookup = item_cat.set_index(["item_id", "key"])
    demo = demo_cells.copy()
    demo["key"] = demo["label"].map(normalise_label)
    demo_lookup = demo.set_index(["demographic", "key"])
    for f in figs.itertuples(index=False):
        if f.subject_kind == "item":
            key = "__missing__" if f.category in MISSING_CATEGORIES else f.category
            if (f.subject, key) not in item_lookup.index:
                continue
            c = item_lookup.loc[(f.subject, key)]
            count, base = c["count"], c["base"]
            n_shown, n_answered = c["n_shown"], c["n_answered"]
            note = (
                "skipped the item; base = all included respondents"
                if key == "__missing__"
                else "base = respondents answering the item (not-relevant answers included)"
            )
            if key != "__missing__" and not pd.isna(f.base) and f.base == n_shown and n_shown != n_answered:
                base = n_shown
                note = "base = all included respondents, as the report states"
        else:
            key = normalise_label(f.category)
            if (f.subject, key) not in demo_lookup.index:
                continue
            c = demo_lookup.loc[(f.subject, key)]
            count = c["count"]
            if f.table:
                base = c["base"]
                note = "base = respondents answering the question"
            else:
                base = c["respondents"]
                note = (
                    "base = all responses received (the text gives shares of respondents); "
                    f"of the {c['base']} answering the question: "
                    + ("" if pd.isna(count) or not c["base"] else f"{100 * count / c['base']:.1f}%")
                )
        suppressed = bool(c.get("suppressed", False))
        if suppressed or pd.isna(count):
            rows.append((f.figure_id, np.nan, base, np.nan, np.nan, np.nan, True, note))
            continue
        pct = 100.0 * count / base if base else np.nan
        lo, hi = wilson_interval(count, base)
        rows.append((f.figure_id, int(count), int(base), pct, 100 * lo, 100 * hi, False, note))
    return pd.DataFrame(
        rows, columns=["figure_id", "count", "base", "percent", "ci_lower", "ci_upper", "suppressed", "base_note"]
    )


def _ruled_percents(out: pd.DataFrame, categories: list[str], rule: str, printed: dict) -> None:
    """Replace each row's ``<category>_percent`` by the row rounded under ``rule`` (all its cells at
    once: largest remainder needs them all; ties go towards the ``printed`` row)."""
    for i in range(len(out)):
        iid = out["item_id"].iloc[i]
        cats = [
            c
            for c in categories
            if pd.notna(out[f"{c}_count"].iloc[i])
            and pd.notna(out[f"{c}_base"].iloc[i])
            and ((iid, c) in printed or out[f"{c}_count"].iloc[i] > 0)  # an empty category the row does not print
        ]
        if not cats:
            continue
        counts = [int(out[f"{c}_count"].iloc[i]) for c in cats]
        base = int(out[f"{cats[0]}_base"].iloc[i])
        prefer = [printed.get((iid, c)) for c in cats]
        if sum(counts) == base and base > 0 and all(p is not None for p in prefer):
            row = round_row(counts, 0, rule, prefer=prefer)
        elif base > 0:
            cell_rule = "half_up" if rule in ("largest_remainder", "none") else rule
            row = tuple(round_row([k, base - k], 0, cell_rule)[0] for k in counts)
        else:
            continue
        for c, v in zip(cats, row):
            out.loc[out.index[i], f"{c}_percent"] = v


def item_table(
    cells: pd.DataFrame,
    study: Study,
    item_ids: list[str],
    categories: list[str],
    rule: str = "half_up",
    printed: dict | None = None,
) -> pd.DataFrame:
    """A published table of items, one row per item (``item_id`` column), with per category
    ``<category>_count``, ``_base``, ``_percent`` (rounded by ``rule``, the table's, over the whole
    row; :func:`tieval.audit.rules.round_row`), ``_exact`` (unrounded, 2 decimals), ``_ci_lower``,
    ``_ci_upper``.  ``printed`` maps (item, category) to the published value (largest-remainder ties)."""
    order = {it.id: i for i, it in enumerate(study.items)}
    ids = sorted(dict.fromkeys(item_ids), key=lambda i: order.get(i, len(order)))
    out = pd.DataFrame({"item_id": ids, "item": [study.item(i).text for i in ids]})
    for cat in categories:
        key_kind = "missing" if cat in MISSING_CATEGORIES else "category"
        sub = cells[(cells["kind"] == key_kind) & ((cells["category"] == cat) | (key_kind == "missing"))]
        sub = sub.set_index("item_id").reindex(ids)
        count = sub["count"]
        base = sub["base"]
        out[f"{cat}_count"] = count.to_numpy()
        out[f"{cat}_base"] = base.to_numpy()
        out[f"{cat}_percent"] = [percent_rounded(k, n) for k, n in zip(count, base)]
        out[f"{cat}_exact"] = [np.nan if pd.isna(k) or not n else round(100 * k / n, 2) for k, n in zip(count, base)]
        out[f"{cat}_ci_lower"] = sub["ci_lower"].round(1).to_numpy()
        out[f"{cat}_ci_upper"] = sub["ci_upper"].round(1).to_numpy()
        if "suppressed" in sub:
            out[f"{cat}_suppressed"] = sub["suppressed"].fillna(False).astype(bool).to_numpy()
    if rule != "half_up":
        _ruled_percents(out, categories, rule, printed or {})
    for col in out.columns:
        if col.endswith(("_count", "_base")):
            out[col] = out[col].astype("Int64")
    return out


def demographic_table(demo_cells: pd.DataFrame, demographic_ids: list[str]) -> pd.DataFrame:
    """A published table of demographics, one row per level (and the not-stated row)."""
    sub = demo_cells[demo_cells["demographic"].isin(demographic_ids)].sort_values("order")
    out = pd.DataFrame(
        {
            "demographic": sub["demographic"].to_numpy(),
            "level": sub["label"].to_numpy(),
            "count": sub["count"].astype("Int64").to_numpy(),
            "base": sub["base"].astype("Int64").to_numpy(),
            "percent": [percent_rounded(k, n) for k, n in zip(sub["count"], sub["base"])],
            "ci_lower": sub["ci_lower"].round(1).to_numpy(),
            "ci_upper": sub["ci_upper"].round(1).to_numpy(),
            "respondents": sub["respondents"].astype("Int64").to_numpy(),
            "percent_of_respondents": [percent_rounded(k, n) for k, n in zip(sub["count"], sub["respondents"])],
        }
    )
    if "suppressed" in sub:
        out["suppressed"] = sub["suppressed"].fillna(False).astype(bool).to_numpy()
    return out


@dataclass
class PublishedTable:
    """One published table rebuilt: its id (``table5``), layout, CSV frame and the figures it covers."""

    id: str
    number: str
    layout: str  # "items" or "demographics"
    frame: pd.DataFrame
    categories: list[str]
    figures: pd.DataFrame  # the published rows of this table that were computed
    base: str  # "n = 46" or a range
    wave: str = ""  # the wave its figures name (a study with waves), else ''


@dataclass
class Reproduction:
    """Everything the tables step computes for one study."""

    cells: pd.DataFrame
    demo_cells: pd.DataFrame
    figures: pd.DataFrame  # published record with subjects resolved
    values: pd.DataFrame  # figure_values of every computable figure
    tables: list[PublishedTable] = field(default_factory=list)
    #: the rounding rule each rebuilt table is printed by (table location -> TableRule)
    rules: dict = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    text: pd.DataFrame | None = None
    reproduced: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    min_cell: int = 0


def base_text(bases, per: str = "row") -> str:
    """The base of a table or figure in words: ``n = 46`` or ``n = 44-46 per row``."""
    b = pd.to_numeric(pd.Series(bases), errors="coerce").dropna().astype(int)
    if b.empty:
        return ""
    lo, hi = int(b.min()), int(b.max())
    return f"n = {lo}" if lo == hi else f"n = {lo}-{hi} per {per}"


def reproduce(
    study: Study, responses: pd.DataFrame, respondents: pd.DataFrame, published: pd.DataFrame, *, min_cell: int = 0
) -> Reproduction:
    """Rebuild every published table and text proportion from the processed data.

    Counts below ``min_cell`` (and the cells that would reveal them) are suppressed
    before anything is tabulated (see :mod:`tieval.survey.disclosure`); ``min_cell = 0``
    reproduces the reports.

    A study with waves reproduces each published figure from the answers of its wave (the
    ``wave`` column of ``published/figures.csv``; blank: the first wave, as for the other
    statistics), never from the waves pooled: a published table is rebuilt once per wave its
    figures name (``table2_baseline``, "Table 2 (Baseline)").  The reproduction's ``cells`` and
    ``demo_cells`` (the distributions and figures of every answer) stay those of all waves.
    """
    waves = wave_ids(study)
    if len(waves) < 2:
        return _reproduce(study, responses, respondents, published, min_cell=min_cell)
    named = published_waves(published, study)
    labels = wave_labels(study)
    parts = [
        _reproduce(
            study,
            wave_subset(responses, w),
            wave_subset(respondents, w),
            published[(named == w).to_numpy()].reset_index(drop=True),
            min_cell=min_cell,
            wave=(w, labels[w]),
        )
        for w in waves
    ]
    order = {fid: i for i, fid in enumerate(published["figure_id"])}

    def stack(frames: list[pd.DataFrame], key: str = "figure_id") -> pd.DataFrame:
        out = pd.concat(frames, ignore_index=True)
        return out.iloc[np.argsort(out[key].map(order).to_numpy(), kind="stable")].reset_index(drop=True)

    pooled = _reproduce(study, responses, respondents, published.iloc[0:0], min_cell=min_cell)
    rep = Reproduction(
        pooled.cells,
        pooled.demo_cells,
        stack([p.figures for p in parts]),
        stack([p.values for p in parts]),
        min_cell=min_cell,
    )
    rep.tables = sorted((t for p in parts for t in p.tables), key=lambda t: (_table_number(t.id), waves.index(t.wave)))
    rep.rules = {k: v for p in parts for k, v in p.rules.items()}
    rep.skipped = {k: v for p in parts for k, v in p.skipped.items()}
    rep.text = stack([p.text for p in parts])
    rep.reproduced = stack([p.reproduced for p in parts])
    rep.comparison = stack([p.comparison for p in parts])
    return rep


def published_waves(published: pd.DataFrame, study: Study) -> pd.Series:
    """The wave of each published figure: its ``wave`` cell, blank read as the study's first wave.
    A wave that is not one of the study's is an error naming the figure."""
    waves = wave_ids(study)
    named = (
        published["wave"].fillna("").astype(str).str.strip()
        if "wave" in published.columns
        else pd.Series("", index=published.index)
    )
    named = named.where(named != "", waves[0])
    bad = ~named.isin(waves)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            study.path("published"),
            f"for figure {published['figure_id'].iloc[i]}, one of the study's waves ({', '.join(waves)}) or blank",
            column="wave",
            found=named.iloc[i],
        )
    return named


def _table_number(table_id: str) -> int:
    return int(re.match(r"table(\d+)", table_id).group(1))


def _reproduce(
    study: Study,
    responses: pd.DataFrame,
    respondents: pd.DataFrame,
    published: pd.DataFrame,
    *,
    min_cell: int = 0,
    wave: tuple[str, str] | None = None,
) -> Reproduction:
    """:func:`reproduce` on one set of answers (a single-wave study's, or one ``wave`` ``(id, label)``
    of a study with waves, whose tables are then named ``table<k>_<wave>``, "Table k (label)")."""
    n_analysed = n_included(respondents)
    cells = disclosure.item_cells(study, responses, respondents, min_cell)
    demo_cells = disclosure.demographic_cells(study, respondents, min_cell)
    figures = resolve_figures(published, study)
    suffix = f"_{wave[0]}" if wave else ""
    figures["table"] = np.where(figures["table"] != "", figures["table"] + suffix, "")
    if n_analysed == 0:  # no survey answers: nothing can be reproduced from them
        figures["computable"] = False
    values = figure_values(figures, cells, demo_cells)
    rep = Reproduction(cells, demo_cells, figures, values, min_cell=min_cell)

    tab = figures[figures["table"] != ""]
    rules = study_table_rules(study) if len(tab) else {}
    table_ids = sorted(tab["table"].unique(), key=_table_number)
    for tid in table_ids:
        rows = tab[tab["table"] == tid]
        location = rows["location"].iloc[0]
        number = f"{location} ({wave[1]})" if wave else location
        comp = rows[rows["computable"]]
        if comp.empty and n_analysed == 0:
            rep.skipped[tid] = f"{number}: there are no survey responses to rebuild it from"
            continue
        if comp.empty and rows["unit"].isin(STATISTIC_UNITS).all():  # one note for every wave of the table
            rep.skipped[tid.removesuffix(suffix)] = (
                f"{location}: its figures are statistics (means, SDs, changes, effect sizes, tests, p-values, "
                "intervals), reproduced from the descriptives and change.csv and compared in the audit"
            )
            continue
        if comp.empty:
            rep.skipped[tid] = (
                f"{number}: its rows are not survey items or demographics "
                f"(e.g. {rows['figure_id'].iloc[0]}), so it is not built from the survey "
                "(a table of interview or focus-group participants comes from the qualitative step)"
            )
            continue
        kinds = set(comp["subject_kind"])
        if kinds == {"item"}:
            cats = list(dict.fromkeys(comp["category"]))
            rule = rules[location].rule if location in rules else "half_up"
            printed = {(r.subject, r.category): r.value for r in comp.itertuples() if r.unit == "percent"}
            frame = item_table(cells, study, list(comp["subject"]), cats, rule, printed)
            base = base_text(pd.concat([frame[f"{c}_base"] for c in cats]))
            rep.tables.append(PublishedTable(tid, number, "items", frame, cats, comp, base, wave[0] if wave else ""))
        elif kinds == {"demographic"}:
            frame = demographic_table(demo_cells, list(dict.fromkeys(comp["subject"])))
            base = base_text(frame.loc[frame["level"] != NOT_STATED, "base"])
            rep.tables.append(
                PublishedTable(tid, number, "demographics", frame, [], comp, base, wave[0] if wave else "")
            )
        else:
            rep.skipped[tid] = f"{number}: mixes items and demographics; not laid out automatically"
    rep.rules = {t.number: rules[loc] for t in rep.tables if (loc := t.figures["location"].iloc[0]) in rules}
    rep.text = text_proportions(figures, values)
    rep.reproduced = reproduced_list(figures, values, rep)
    rep.comparison = comparison(figures, values, rep)
    return rep


def single_category_tables(rep: Reproduction) -> list[PublishedTable]:
    """Item tables that publish one answer category per item (e.g. 'n/10 agree')."""
    return [t for t in rep.tables if t.layout == "items" and len(t.categories) == 1]


def table_rows(table: PublishedTable) -> pd.DataFrame:
    """A one-category item table as rows of item_id, category, count, base."""
    cat = table.categories[0]
    f = table.frame
    return pd.DataFrame(
        {"item_id": f["item_id"], "category": cat, "count": f[f"{cat}_count"], "base": f[f"{cat}_base"]}
    )


def standalone_text(rep: Reproduction) -> pd.DataFrame:
    """Text proportions that do not repeat a table cell (the numbers only the prose gives)."""
    t = rep.text
    return t[(t["restates"] == "") & t["unit"].isin(["count", "percent"])].reset_index(drop=True)


def rounding_note(rule: TableRule) -> str:
    """The note under a rebuilt table saying which rounding rule prints it, and why."""
    return (
        f"{rule.location} is printed here by {RULE_LABELS[rule.rule]}, the rule inferred from its published rows. "
        f"{rule.evidence} A cell whose percentage rounding changed shows the exact value beside the count; "
        "the comparison below shows one decimal more than printed."
    )
