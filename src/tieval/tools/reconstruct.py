"""Stand-in respondent-level survey exports, rebuilt deterministically from a report's published aggregates.

Neither evaluation publishes its respondent data.  This module writes, into
``data/<study>/raw/``, an export in the format the real one had (a Qualtrics
CSV, or an online-form CSV) whose aggregates reproduce every published figure
that integer data can reproduce, plus ``reconstruction_log.csv`` saying how.
A user holding the real export drops it in instead and the pipeline runs
unchanged.  Run it with ``make reconstruct`` (notebook ``00_reconstruct``) or
:func:`main`; the build (``make``) never regenerates these files.

How it works
------------
1. **Targets** come from ``published/figures.csv``: per item, the row of
   printed values (``t5.B1.agree`` ...) or counts with a base (Surrey); per
   demographic, the table counts (``t4.sector.<slug>``).  Text figures that
   restate a table cell (``restates``) are checks, not targets.
2. **Completion story** (``story`` in ``reconstruction.yml``): groups of
   respondents and how far each got through the questionnaire.  It bounds, per
   item, how many respondents can have answered it (``n_max``).
3. **Denominators**: for a row of rounded percentages every ``n`` that fits is
   found with :mod:`tieval.audit.rounding`; the largest ``n`` in
   ``[n_max - max_item_skips, n_max]`` is chosen (fewest skipped answers).  When
   none fits, the closest counts are used and the deviation is logged.
4. **Who said what** comes from a seeded latent-trait model: each respondent
   has a normal trait, plus a construct-specific deviation and item noise;
   within an item, respondents are sorted on that score and cut at the target
   counts, so the marginals are exact and items correlate as attitude data do.
   Agree is split into Agree / Strongly agree (and disagree likewise) by giving
   the extreme label to the most extreme scores (``extreme_share``); 0-10 items
   get values drawn inside their published bins, monotone in the score.
   Everything in this step is a property of the reconstruction, not a finding.
5. **Free text**: published questionnaire quotations (``raw/excerpts.csv``)
   become the answers to the question whose ``published_sections`` holds their
   section; invented answers (``invented_free_text``) are listed in the log.
6. **Export and log** are written with fixed formatting, so regenerating gives
   byte-identical files; each export row carries a notice column saying the
   data are reconstructed.

All study-specific choices live in ``data/<study>/reconstruction.yml`` (keys in
``data/README.md``, comments in the file); no code here names a study.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tieval import store
from tieval.audit import rounding
from tieval.config import Scale, Study, load_study
from tieval.errors import ConfigError, InputError
from tieval.integrity import write_manifest
from tieval.published import load_published
from tieval.schema import EXCERPTS, require_columns
from tieval.spec import Where, load_yaml, read
from tieval.spec import key as _key
from tieval.survey.exports.layouts import STANDIN_NOTICE_COLUMN
from tieval.tools.identities import INVENTED_FIRST_NAMES, INVENTED_LAST_NAMES

__all__ = [
    "LOG_COLUMNS",
    "NOTICE_COLUMN",
    "Group",
    "Params",
    "ItemPlan",
    "Reconstruction",
    "read_params",
    "parse_params",
    "params_file",
    "ReconstructionFile",
    "published_targets",
    "plan_items",
    "evaluate_story",
    "build",
    "write",
    "main",
    "qualtrics_header",
    "n_table",
    "unmet_figures",
    "invented_elements",
    "story_comparison",
    "preview",
]

#: Columns of ``raw/reconstruction_log.csv``.
LOG_COLUMNS = [
    "kind",
    "figure_id",
    "item_id",
    "category",
    "printed",
    "unit",
    "chosen_n",
    "alternative_ns",
    "count",
    "reproduced",
    "deviation",
    "met",
    "reason",
]

#: Extra column in every reconstructed export row (a Qualtrics embedded-data field / form column).
NOTICE_COLUMN = STANDIN_NOTICE_COLUMN
ROW_NOTICE = "RECONSTRUCTED from published aggregates by tieval.reconstruct; not a study response"

_SPECIAL = ("not_relevant", "no_answer")
_QUALTRICS_META = [
    ("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": None}),
    ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": None}),
    ("Status", "Response Type", {"ImportId": "status"}),
    ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
    ("Progress", "Progress", {"ImportId": "progress"}),
    ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
    ("Finished", "Finished", {"ImportId": "finished"}),
    ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": None}),
    ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
    ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
    ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
    ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
    ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}),
    ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
    ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
    ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
    ("UserLanguage", "User Language", {"ImportId": "userLanguage"}),
]
#: IPv4 blocks reserved for documentation (RFC 5737): harmless stand-in addresses.
_DOC_NETS = ("192.0.2", "198.51.100", "203.0.113")
_ALNUM = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
_TIME = "%Y-%m-%d %H:%M:%S"


# --------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Group:
    """Respondents who got equally far: ``through`` = last item answered ('all', 'none' or an item id)."""

    id: str
    n: int
    through: str
    demographics: bool
    finished: bool


@dataclass(frozen=True)
class Params:
    """The parameters of ``reconstruction.yml``, checked and typed (see the comments there)."""

    seed: int
    story: tuple[Group, ...]
    max_item_skips: int = 0
    alternative_stories: dict = field(default_factory=dict)  # name -> (groups, max_item_skips)
    construct_sd: float = 0.5
    item_noise_sd: float = 0.7
    extreme_share: dict = field(default_factory=dict)
    remainder_low_below: float = -1.5
    fieldwork_start: datetime = datetime(2024, 1, 8)
    fieldwork_days: int = 30
    timezone: str = "Europe/London"
    location: tuple[str, str] = ("", "")
    preview_records: int = 0
    question_order: tuple[str, ...] = ("items", "demographics", "free_text")
    profiles: tuple[dict, ...] = ()
    free_text_requires: dict = field(default_factory=dict)
    three_words: dict = field(default_factory=dict)
    invented_free_text: dict = field(default_factory=dict)
    story_figures: dict = field(default_factory=dict)
    other_figures: dict = field(default_factory=dict)

    @property
    def n_records(self) -> int:
        return sum(g.n for g in self.story)


# The keys of data/<study>/reconstruction.yml, declared once (tieval.spec); data/README.md's table comes from them.
@dataclass(frozen=True, kw_only=True)
class GroupSpec:
    """``story[]``: a group of respondents who got equally far."""

    id: str = _key("group id (default group<k>)", "")
    n: int = _key("respondents in the group", minimum=1)
    through: str = _key("last item answered: all, none or an item id", "all")
    demographics: bool = _key("the group answered the demographic questions", True)
    finished: bool | None = _key("Qualtrics' Finished flag (default: through is all)", None)
    note: str = _key("our note", "")


_STORY = "a list of respondent groups {id, n, through, demographics, finished}"


@dataclass(frozen=True, kw_only=True)
class AlternativeStory:
    """``alternative_stories.<name>``: another reading of the text, only compared in the log."""

    story: tuple[GroupSpec, ...] = _key("its respondent groups", nonempty=_STORY)
    max_item_skips: int = _key("its max_item_skips", 0, minimum=0)


@dataclass(frozen=True, kw_only=True)
class Latent:
    """``latent``: the latent-trait model of who answered what."""

    construct_sd: float = _key("sd of a respondent's construct-specific deviation from their trait (sd 1)", 0.5)
    item_noise_sd: float = _key("sd of item-specific noise (larger: weaker correlations between items)", 0.7)


def _date(fw: Fieldwork, where: Where) -> None:
    try:
        datetime.strptime(fw.start, "%Y-%m-%d")
    except ValueError:
        raise where.child("start").fail("a date written YYYY-MM-DD", fw.start) from None


@dataclass(frozen=True, kw_only=True)
class Fieldwork:
    """``fieldwork``: the invented survey window for the export's dates."""

    start: str = _key("first day, YYYY-MM-DD", "2024-01-08")
    days: int = _key("length of the window in days", 30, minimum=1)
    timezone: str = _key("time zone of the dates", "Europe/London")


Fieldwork.checks = (_date,)


@dataclass(frozen=True, kw_only=True)
class Profile:
    """``profiles[]``: a respondent whose answers the report ties together."""

    id: str = _key("profile id", "")
    rank: int | None = _key("latent rank (1 = lowest); none: placed at random", None)
    answers: dict[str, str] = _key("item id → category this respondent gives", {})
    quotations: tuple[str, ...] = _key("excerpt ids this respondent wrote", ())
    note: str = _key("our note", "")


@dataclass(frozen=True, kw_only=True)
class ThreeWords:
    """``three_words``: a 'three words' question filled from the published word cloud."""

    question: str = _key("the free_text question id")
    words_per_answer: int = _key("words in each answer", 3, minimum=1)
    most_frequent_count: int = _key("how often the most frequent word appears", 1, minimum=1)


def _share(value: float, where: Where) -> None:
    if not 0 <= value <= 1:
        raise where.fail("a share between 0 and 1", value)


@dataclass(frozen=True, kw_only=True)
class ReconstructionFile:
    """``reconstruction.yml``: parameters of the stand-in generator (only for reconstructed studies)."""

    seed: int = _key("numpy default_rng seed: the same seed gives a byte-identical export", minimum=0)
    story: tuple[GroupSpec, ...] = _key("completion story: groups of respondents and how far each got", nonempty=_STORY)
    max_item_skips: int = _key("per item, at most this many respondents reaching it leave it blank", 0, minimum=0)
    alternative_stories: dict[str, AlternativeStory] = _key("other readings of the text, compared in the log", {})
    latent: Latent = _key("the latent-trait model", None)
    extreme_share: dict[str, float] = _key("share of agree (disagree) answers given the extreme label", {})
    remainder_low_below: float = _key("unpublished answers are the middle label unless the score is below this", -1.5)
    fieldwork: Fieldwork = _key("the invented survey window", None)
    location: tuple[str, ...] = _key("[latitude, longitude] written in every record's location columns", ("", ""))
    preview_records: int = _key("'Survey Preview' records to add (a researcher's test run)", 0, minimum=0)
    question_order: tuple[str, ...] = _key(
        "survey flow: the words items, demographics, free_text in order", ("items", "demographics", "free_text")
    )
    profiles: tuple[Profile, ...] = _key("respondents whose answers the report ties together", ())
    free_text_requires: dict[str, dict[str, str]] = _key("free_text id → {item id: category} its quotations need", {})
    three_words: ThreeWords | None = _key("a three-words question", None)
    invented_free_text: dict[str, tuple[str, ...]] = _key("free_text id → INVENTED answers (listed in the log)", {})
    story_figures: dict[str, str] = _key("figure id → what the story counts (responses, group:<id>, ...)", {})
    other_figures: dict[str, str] = _key("figure id → why the export cannot reproduce it", {})


def _shape(f: ReconstructionFile, where: Where) -> None:
    if len(f.location) != 2:
        raise where.child("location").fail("[latitude, longitude]", list(f.location))
    if sorted(f.question_order) != ["demographics", "free_text", "items"]:
        raise where.child("question_order").fail(
            "the three words items, demographics, free_text in survey order", list(f.question_order)
        )
    for name, value in f.extreme_share.items():
        _share(value, where.child("extreme_share").child(name))


ReconstructionFile.checks = (_shape,)


def _story_items_exist(story: tuple[GroupSpec, ...], study: Study, where: Where) -> None:
    item_ids = {it.id for it in study.items}
    for i, group in enumerate(story):
        if group.through not in ("all", "none") and group.through not in item_ids:
            raise where.index(i).child("through").fail("'all', 'none' or an item id", group.through)


def _profile_items_exist(f: ReconstructionFile, study: Study, where: Where) -> None:
    item_ids = {it.id for it in study.items}
    for i, prof in enumerate(f.profiles):
        for item_id in prof.answers:
            if item_id not in item_ids:
                at = where.child("profiles").index(i).child("answers").child(item_id)
                raise at.fail("an item id of the instrument", item_id)


def _free_text_questions_exist(f: ReconstructionFile, study: Study, where: Where) -> None:
    free_ids = {q.id for q in study.free_text}
    for name in ("invented_free_text", "free_text_requires"):
        for qid in getattr(f, name):
            if qid not in free_ids:
                raise where.child(name).child(qid).fail("a free_text question id", qid)
    if f.three_words is not None and f.three_words.question not in free_ids:
        raise where.child("three_words.question").fail("a free_text question id", f.three_words.question)


def _groups(story: tuple[GroupSpec, ...]) -> tuple[Group, ...]:
    return tuple(
        Group(g.id or f"group{i + 1}", g.n, g.through, g.demographics, g.through == "all" if g.finished is None else g.finished)
        for i, g in enumerate(story)
    )  # fmt: skip


def _fail(study: Study, key: str, expected: str, found: Any = None) -> ConfigError:
    """An error about a key of the study's ``reconstruction.yml`` found while building."""
    return ConfigError(params_file(study), expected, column=key, found=found)


def params_file(study: Study) -> Path:
    """``data/<study>/reconstruction.yml``."""
    return study.root / "reconstruction.yml"


def read_params(study: Study) -> Params:
    """Read and check ``data/<study>/reconstruction.yml``; a problem raises :class:`ConfigError` naming the key."""
    path = params_file(study)
    if not path.is_file():
        raise ConfigError(path, "a reconstruction.yml with a seed and a story (the study is marked reconstructed)")
    return parse_params(load_yaml(path), path, study)


def parse_params(raw: Any, file: Path, study: Study) -> Params:
    """Check parsed reconstruction parameters against :class:`ReconstructionFile` and the study's instrument."""
    where = Where(Path(file))
    f: ReconstructionFile = read(ReconstructionFile, raw, where)
    _story_items_exist(f.story, study, where.child("story"))
    for name, alt in f.alternative_stories.items():
        _story_items_exist(alt.story, study, where.child(f"alternative_stories.{name}.story"))
    _profile_items_exist(f, study, where)
    _free_text_questions_exist(f, study, where)
    profiles = [dict(p) for p in (raw.get("profiles") or [])]
    return Params(
        seed=f.seed,
        story=_groups(f.story),
        max_item_skips=f.max_item_skips,
        alternative_stories={k: (_groups(a.story), a.max_item_skips) for k, a in f.alternative_stories.items()},
        construct_sd=f.latent.construct_sd,
        item_noise_sd=f.latent.item_noise_sd,
        extreme_share=dict(f.extreme_share),
        remainder_low_below=f.remainder_low_below,
        fieldwork_start=datetime.strptime(f.fieldwork.start, "%Y-%m-%d"),
        fieldwork_days=f.fieldwork.days,
        timezone=f.fieldwork.timezone,
        location=(f.location[0], f.location[1]),
        preview_records=f.preview_records,
        question_order=f.question_order,
        profiles=tuple(profiles),
        free_text_requires={k: dict(v) for k, v in f.free_text_requires.items()},
        three_words=dict(raw.get("three_words") or {}),
        invented_free_text=dict(f.invented_free_text),
        story_figures=dict(f.story_figures),
        other_figures=dict(f.other_figures),
    )


# --------------------------------------------------------------------------- targets
@dataclass
class Target:
    """The published row of one item or demographic: printed values per category."""

    key: str  # item id or demographic id
    kind: str  # item | demographic
    unit: str  # percent | count
    categories: list[str]
    values: list[str]  # as printed (strings)
    figure_ids: list[str]
    base: int | None = None


def _category_order(scale: Scale) -> list[str]:
    """Categories of a scale in code order (numeric: bins by minimum), then not_relevant."""
    if scale.type == "numeric":
        return [b.label for b in sorted(scale.bins, key=lambda b: b.min)] + (
            ["not_relevant"] if scale.not_relevant else []
        )
    by_code: dict[str, float] = {}
    for lv in scale.levels:
        by_code[lv.category] = min(by_code.get(lv.category, lv.code), lv.code)
    cats = sorted(by_code, key=lambda c: by_code[c])
    return cats + (["not_relevant"] if scale.not_relevant else [])


def read_figures(study: Study) -> pd.DataFrame:
    """``published/figures.csv``, checked by :func:`tieval.published.load_published`, with ``value``
    and ``base`` back as text in the shortest form (``26``, ``2.8``) so printed decimals are kept."""
    figures = load_published(study)
    for column in ("value", "base"):
        figures[column] = [("" if pd.isna(v) else f"{v:g}") for v in figures[column]]
    return figures


def published_targets(study: Study, figures: pd.DataFrame) -> dict[str, Target]:
    """Per item and per demographic, the published row the export must reproduce.

    Items: figures with that ``item_id``, a ``category`` of the item's scale (or
    ``no_answer``), unit ``percent`` or ``count``, that restate nothing.
    Demographics: table counts whose figure id's second part is the demographic id
    (``t4.sector.<slug>``) and whose category is one of its labels."""
    path = study.path("published")
    targets: dict[str, Target] = {}
    rows = figures.reset_index(drop=True)
    line = {fid: i + 2 for i, fid in enumerate(rows["figure_id"])}
    for item in study.items:
        scale = study.scale_of(item)
        sel = rows[(rows["item_id"] == item.id) & (rows["restates"] == "") & rows["unit"].isin(["percent", "count"])]
        if sel.empty:
            continue
        allowed = set(_category_order(scale)) | {"no_answer"}
        for fid, cat in zip(sel["figure_id"], sel["category"]):
            if cat not in allowed:
                raise InputError(
                    path,
                    "a category of the item's scale: " + ", ".join(sorted(allowed)),
                    row=line[fid],
                    column="category",
                    found=cat,
                )
        units = set(sel["unit"])
        if len(units) > 1:
            raise InputError(
                path,
                f"one unit for all figures of item {item.id}",
                row=line[sel["figure_id"].iloc[0]],
                column="unit",
                found=", ".join(sorted(units)),
            )
        order = {c: i for i, c in enumerate(_category_order(scale) + ["no_answer"])}
        sel = sel.assign(_o=sel["category"].map(order)).sort_values("_o", kind="stable")
        bases = {b for b in sel["base"] if b != ""}
        base = int(float(bases.pop())) if len(bases) == 1 else None
        targets[item.id] = Target(
            item.id, "item", units.pop(), list(sel["category"]), list(sel["value"]), list(sel["figure_id"]), base
        )
    for demo in study.demographics:
        scale = study.scales[demo.scale]
        labels = [lv.label for lv in scale.levels]
        parts = rows["figure_id"].str.split(".", n=2)
        sel = rows[(parts.str[1] == demo.id) & (rows["location_type"] == "table") & (rows["unit"] == "count")]
        if sel.empty:
            continue
        for fid, cat in zip(sel["figure_id"], sel["category"]):
            if cat not in labels:
                raise InputError(
                    path, f"one of the {demo.id} labels in study.yml", row=line[fid], column="category", found=cat
                )
        sel = sel.assign(_o=sel["category"].map({c: i for i, c in enumerate(labels)})).sort_values("_o", kind="stable")
        targets[demo.id] = Target(
            demo.id, "demographic", "count", list(sel["category"]), list(sel["value"]), list(sel["figure_id"])
        )
    return targets


# --------------------------------------------------------------------------- the story and the denominators
def _through_index(study: Study, group: Group) -> int:
    ids = [it.id for it in study.items]
    if group.through == "all":
        return len(ids) - 1
    if group.through == "none":
        return -1
    return ids.index(group.through)


def reach_counts(study: Study, groups: tuple[Group, ...]) -> dict[str, int]:
    """How many respondents the story lets answer each item (``n_max``)."""
    out = {}
    for j, item in enumerate(study.items):
        out[item.id] = sum(g.n for g in groups if _through_index(study, g) >= j)
    return out


@dataclass
class ItemPlan:
    """The counts chosen for one item, and how well they meet the published row."""

    target: Target
    n_max: int
    window: tuple[int, int]
    n: int
    alternatives: list[int]
    counts: dict[str, int]  # published categories -> count
    remainder: int  # respondents answering in unpublished categories
    met: dict[str, bool]
    reprinted: dict[str, str]
    deviation: float
    reason: str


def _fmt_num(x: float, decimals: int = 0) -> str:
    return f"{x:.{decimals}f}"


def _exact(k: int, n: int) -> str:
    """The unrounded percentage, to one decimal, as the log shows it (e.g. '97.5')."""
    return f"{100 * k / n:.1f}" if n else ""


def _cell_deviation(k: int, n: int, printed: str) -> float:
    """0 if ``k`` of ``n`` prints as ``printed`` (either half rule), else the distance to the nearer rounding."""
    d = rounding.decimals_of(printed)
    if rounding.rounds_to(k, n, printed, d):
        return 0.0
    return min(abs(rounding.rounded_percent(k, n, d, r) - float(printed)) for r in ("half_up", "half_even"))


def _rule_note(k: int, n: int, printed: str) -> str:
    """Which half rule a met cell needs, when only one of them prints it ('' when both do)."""
    d = rounding.decimals_of(printed)
    up = rounding.rounds_to(k, n, printed, d, "half_up")
    even = rounding.rounds_to(k, n, printed, d, "half_even")
    if up and even:
        return ""
    return f"{_exact(k, n)}% prints as {printed} by round half {'up' if up else 'to even'} only"


def _plan_percent(target: Target, n_max: int, max_skips: int, n_all: int, decimals: int) -> ItemPlan:
    values = [float(v) for v in target.values]
    lo = max(1, n_max - max_skips)
    alternatives = rounding.compatible_ns(values, range(1, n_all + 1), decimals)
    fitting = [n for n in alternatives if lo <= n <= n_max]
    if fitting:
        n = max(fitting)
        vectors = rounding.counts_for(values, n, decimals)
        best = min(vectors, key=lambda v: (rounding.deviation(v, values, decimals)[1], v))
        met = {c: True for c in target.categories}
        reason = (
            f"largest n in {lo}-{n_max} (answers the completion story allows) that fits the row"
            if lo < n_max
            else f"the n the completion story gives ({n_max}) fits the row"
        )
        deviation = 0.0
    else:
        fits = rounding.closest_fit(values, range(lo, n_max + 1), decimals)
        fit = min(fits, key=lambda f: (f.deviation, f.exact_deviation, -f.n))
        n, best = fit.n, fit.counts
        met = {c: i not in fit.unmet for i, c in enumerate(target.categories)}
        deviation = fit.deviation
        total = sum(values)
        if not alternatives:
            why = (
                f"the printed row sums to {_fmt_num(total, decimals)}, and no n up to {n_all} gives all of "
                "these rounded percentages"
            )
        else:
            why = (
                f"the row fits only n = {', '.join(map(str, alternatives))}, none of which the completion "
                f"story allows ({lo}-{n_max} answers)"
            )
        adjusted = rounding.sum_to_100(best, decimals)
        forced = tuple(values) in {tuple(r) for r in adjusted}
        reason = (
            why
            + f"; closest counts at n = {n} miss by {deviation:g} point(s) in total"
            + (
                "; at this n the printed row is what rounding forced to total 100 (largest remainder) gives"
                if forced
                else ""
            )
        )
    counts = dict(zip(target.categories, best))
    reprinted = {c: _exact(k, n) for c, k in counts.items()}
    return ItemPlan(target, n_max, (lo, n_max), n, alternatives, counts, 0, met, reprinted, deviation, reason)


def _plan_count(target: Target, n_max: int) -> ItemPlan:
    counts = {c: int(float(v)) for c, v in zip(target.categories, target.values)}
    n = target.base if target.base is not None else n_max
    total = sum(counts.values())
    met = {c: True for c in counts}
    reason = f"counts printed with base {n}"
    if n > n_max:
        reason = f"the base {n} exceeds the {n_max} respondents the story lets answer; base lowered to {n_max}"
        n = n_max
    if total > n:
        met = {c: False for c in counts}
        reason += f"; the printed counts sum to {total}, more than the base"
        n = total
    return ItemPlan(
        target,
        n_max,
        (n, n),
        n,
        [n],
        counts,
        n - total,
        met,
        {c: str(k) for c, k in counts.items()},
        0.0 if total <= n else float(total - n),
        reason,
    )


def plan_items(
    study: Study, targets: dict[str, Target], groups: tuple[Group, ...], max_skips: int
) -> dict[str, ItemPlan]:
    """Choose ``n`` and counts per item under a completion story (see the module docstring)."""
    reach = reach_counts(study, groups)
    n_all = sum(g.n for g in groups)
    plans = {}
    for item in study.items:
        target = targets.get(item.id)
        if target is None:
            continue
        if target.unit == "percent":
            decimals = max(rounding.decimals_of(v) for v in target.values)
            plans[item.id] = _plan_percent(target, reach[item.id], max_skips, n_all, decimals)
        else:
            plans[item.id] = _plan_count(target, reach[item.id])
    return plans


def evaluate_story(study: Study, targets: dict[str, Target], groups: tuple[Group, ...], max_skips: int) -> pd.DataFrame:
    """Per item under a story: the answers it allows, the n chosen, and how many printed cells are met."""
    plans = plan_items(study, targets, groups, max_skips)
    rows = [
        {
            "item_id": k,
            "n_window": f"{p.window[0]}-{p.window[1]}",
            "n": p.n,
            "cells": len(p.met),
            "cells_met": sum(p.met.values()),
        }
        for k, p in plans.items()
    ]
    return pd.DataFrame(rows, columns=["item_id", "n_window", "n", "cells", "cells_met"])


# --------------------------------------------------------------------------- generation
@dataclass
class Reconstruction:
    """A generated stand-in export and its log (not yet written)."""

    study: Study
    params: Params
    header: list[list[str]]  # header rows of the export (1 for a form, 3 for Qualtrics)
    rows: list[list[str]]  # data rows, in file order
    log: pd.DataFrame
    plans: dict[str, ItemPlan]
    story_check: pd.DataFrame  # configured story and alternatives compared

    @property
    def frame(self) -> pd.DataFrame:
        """The export's data rows as a DataFrame named by the first header row."""
        return pd.DataFrame(self.rows, columns=self.header[0])


class _Builder:
    """Holds the random state and the respondents while one export is generated."""

    def __init__(self, study: Study, params: Params, figures: pd.DataFrame):
        self.study = study
        self.p = params
        self.figures = figures
        self.rng = np.random.default_rng(params.seed)
        self.groups = params.story
        self.n = params.n_records
        self.group_of = np.concatenate([[g.id] * g.n for g in self.groups])
        self.group_spec = {g.id: g for g in self.groups}
        self.invented: list[dict] = []
        self.answers: dict[str, list[str]] = {}  # column id -> answer per respondent
        self.category: dict[str, list[str]] = {}  # item/demographic id -> category per respondent ('' = blank)

    # -- latent scores
    def scores(self) -> np.ndarray:
        items = self.study.items
        constructs = list(dict.fromkeys(it.construct or f"_item_{it.id}" for it in items))
        z = self.rng.standard_normal(self.n)
        c = self.rng.standard_normal((self.n, len(constructs))) * self.p.construct_sd
        e = self.rng.standard_normal((self.n, len(items))) * self.p.item_noise_sd
        index = {k: i for i, k in enumerate(constructs)}
        s = np.empty((self.n, len(items)))
        for j, it in enumerate(items):
            has_construct = bool(it.construct)
            s[:, j] = z + (c[:, index[it.construct]] if has_construct else 0.0) + e[:, j]
            if it.reverse:
                s[:, j] = -s[:, j]
        self.z = z
        return s

    # -- who reaches what
    def reach(self) -> np.ndarray:
        through = {g.id: _through_index(self.study, g) for g in self.groups}
        limit = np.array([through[g] for g in self.group_of])
        return limit[:, None] >= np.arange(len(self.study.items))[None, :]

    def profiles(self) -> dict[int, dict]:
        """Respondent index -> profile: ranked profiles take that latent rank, others a random free respondent."""
        order = np.argsort(self.z, kind="stable")
        taken: dict[int, dict] = {}
        floating = []
        for prof in self.p.profiles:
            if "rank" in prof:
                rank = int(prof["rank"])
                if not 1 <= rank <= self.n:
                    raise _fail(self.study, "profiles.rank", f"a latent rank from 1 to {self.n}", rank)
                taken[int(order[rank - 1])] = prof
            else:
                floating.append(prof)
        free = [i for i in self.rng.permutation(self.n).tolist() if i not in taken]
        for prof, i in zip(floating, free):
            taken[i] = prof
        return taken

    def skips(self, plans: dict[str, ItemPlan], reach: np.ndarray) -> np.ndarray:
        """Answering matrix: reach minus the skipped answers each item's n needs (spread over respondents)."""
        answering = reach.copy()
        tiebreak = self.rng.random(self.n)
        skipped = np.zeros(self.n, dtype=int)
        for j, item in enumerate(self.study.items):
            plan = plans.get(item.id)
            if plan is None:
                continue
            k = int(reach[:, j].sum()) - plan.n
            if k <= 0:
                continue
            candidates = np.flatnonzero(reach[:, j])
            order = np.lexsort((tiebreak[candidates], skipped[candidates]))
            chosen = candidates[order[:k]]
            answering[chosen, j] = False
            skipped[chosen] += 1
            self.invented.append(
                {
                    "item_id": item.id,
                    "reason": f"{k} respondent(s) reaching {item.id} left it blank "
                    f"so that its n is {plan.n} (chosen at random among those reaching it, at most "
                    "one skip each where possible)",
                }
            )
        return answering

    def assign(
        self,
        scale: Scale,
        counts: dict[str, int],
        remainder: int,
        who: np.ndarray,
        score: np.ndarray,
        pins: dict[int, str],
        key: str,
    ) -> dict[int, str]:
        """Give each respondent in ``who`` a category so that the category counts are exact."""
        counts = dict(counts)
        published = set(counts)
        ordered = [c for c in _category_order(scale) if c not in _SPECIAL]
        result: dict[int, str] = {}
        members = set(who.tolist())
        for r, cat in sorted(pins.items()):
            if r not in members:
                continue
            if cat in counts and counts[cat] > 0:
                counts[cat] -= 1
            elif cat not in published and remainder > 0 and (cat in ordered or cat in _SPECIAL):
                remainder -= 1
            else:
                raise _fail(self.study, "profiles", f"pinned answers that fit the published counts of {key}", cat)
            result[r] = cat
        pool = [int(r) for r in who if int(r) not in result]
        unordered = scale.type == "categorical"
        special = [c for c in counts if c in _SPECIAL or unordered]
        perm = [pool[i] for i in self.rng.permutation(len(pool))]
        for cat in special:
            for _ in range(counts.pop(cat)):
                result[perm.pop(0)] = cat
        rest = sorted(perm, key=lambda r: (score[r], r))
        unpublished = [c for c in ordered if c not in published]
        if remainder:
            if not unpublished:
                raise InputError(
                    self.study.path("published"),
                    f"figures for every answer of {key} ({remainder} respondent(s) are not accounted for)",
                )
            low, high = unpublished[0], unpublished[-1]
            for r in rest[:remainder]:
                result[r] = low if score[r] < self.p.remainder_low_below else high
            rest = rest[remainder:]
        for cat in [c for c in ordered if c in counts]:
            for _ in range(counts[cat]):
                result[rest.pop(0)] = cat
        if rest:
            raise InputError(
                self.study.path("published"),
                f"counts of {key} that add up to its answers",
                found=f"{len(rest)} respondent(s) left over",
            )
        return result

    def labels(self, scale: Scale, cats: dict[int, str], score: np.ndarray) -> dict[int, str]:
        """Answer text per respondent: extreme labels to extreme scores, numeric values within bins."""
        out: dict[int, str] = {}
        by_cat: dict[str, list[int]] = {}
        for r, cat in cats.items():
            by_cat.setdefault(cat, []).append(r)
        for cat in sorted(by_cat, key=lambda c: _category_order(scale).index(c) if c in _category_order(scale) else 99):
            members = sorted(by_cat[cat], key=lambda r: (score[r], r))
            if cat == "no_answer":
                out.update({r: "" for r in members})
            elif cat == "not_relevant":
                picks = self.rng.integers(0, len(scale.not_relevant), size=len(members))
                out.update({r: scale.not_relevant[k] for r, k in zip(members, picks)})
            elif scale.type == "numeric":
                b = next(b for b in scale.bins if b.label == cat)
                values = np.sort(self.rng.integers(int(b.min), int(b.max) + 1, size=len(members)))
                out.update({r: str(int(v)) for r, v in zip(members, values)})
            else:
                levels = sorted([lv for lv in scale.levels if lv.category == cat], key=lambda lv: lv.code)
                if len(levels) == 1:
                    out.update({r: levels[0].label for r in members})
                    continue
                codes = [lv.code for lv in scale.levels]
                mid = (min(codes) + max(codes)) / 2
                upper = levels[0].code > mid
                extreme = levels[-1] if upper else levels[0]
                plain = [lv for lv in levels if lv is not extreme]
                share = self.p.extreme_share.get(cat, 0.5)
                k = int(np.floor(share * len(members) + 0.5))
                ranked = members[::-1] if upper else members
                for pos, r in enumerate(ranked):
                    out[r] = extreme.label if pos < k else (plain[-1] if upper else plain[0]).label
        return out


def _pins(profiles: dict[int, dict], key: str) -> dict[int, str]:
    return {r: str(p["answers"][key]) for r, p in profiles.items() if key in (p.get("answers") or {})}


def _excerpts(study: Study) -> pd.DataFrame:
    if not study.has_input("excerpts"):
        return pd.DataFrame(columns=EXCERPTS[1:])
    path = study.path("excerpts")
    frame = store.read_csv(path)
    require_columns(frame, ["excerpt_id", "section", "source", "text"], path)
    return frame[frame["source"] == "questionnaire free text"]


def build(study: Study | str) -> Reconstruction:
    """Generate the stand-in export and its log for a reconstructed study (nothing is written)."""
    if isinstance(study, str):
        study = load_study(study, check_files=False)
    if not study.reconstructed:
        raise ConfigError(
            study.config_file,
            "reconstructed: true (this study's export is real; nothing to rebuild)",
            column="reconstructed",
        )
    if study.survey is None:
        raise ConfigError(study.config_file, "a survey block (format, file, id_column)", column="survey")
    params = read_params(study)
    figures = read_figures(study)
    targets = published_targets(study, figures)
    plans = plan_items(study, targets, params.story, params.max_item_skips)
    b = _Builder(study, params, figures)
    scores = b.scores()
    reach = b.reach()
    profiles = b.profiles()
    answering = b.skips(plans, reach)
    items = study.items

    # rated items
    for j, item in enumerate(items):
        scale = study.scale_of(item)
        who = np.flatnonzero(answering[:, j])
        plan = plans.get(item.id)
        if plan is None:  # no published figure: equal shares over the scale's categories
            cats = [c for c in _category_order(scale) if c not in _SPECIAL]
            share = np.diff(np.floor(np.linspace(0, len(who), len(cats) + 1) + 0.5)).astype(int)
            counts, remainder = dict(zip(cats, share.tolist())), 0
            b.invented.append(
                {"item_id": item.id, "reason": "no published figure: answers spread equally over the scale"}
            )
        else:
            counts, remainder = plan.counts, plan.remainder
            if len(who) != plan.n:
                raise InputError(study.path("published"), f"{plan.n} answers to {item.id}", found=len(who))
        cats = b.assign(scale, counts, remainder, who, scores[:, j], _pins(profiles, item.id), item.id)
        labels = b.labels(scale, cats, scores[:, j])
        b.category[item.id] = [("" if cats.get(r) == "no_answer" else cats.get(r, "")) for r in range(b.n)]
        b.answers[item.column] = [labels.get(r, "") for r in range(b.n)]

    # demographics: published counts dealt at random among the respondents who answered them
    demo_rows = []
    demo_who = np.array([b.group_spec[g].demographics for g in b.group_of])
    for demo in study.demographics:
        scale = study.scales[demo.scale]
        target = targets.get(demo.id)
        who = np.flatnonzero(demo_who)
        if target is None:
            b.answers[demo.column] = [""] * b.n
            continue
        counts = {c: int(float(v)) for c, v in zip(target.categories, target.values)}
        label_cat = {lv.label: lv.category for lv in scale.levels}
        blanks = len(who) - sum(counts.values())
        perm = who[b.rng.permutation(len(who))]
        answer = [""] * b.n
        pos = max(blanks, 0)
        for label, k in counts.items():
            for r in perm[pos : pos + k]:
                answer[int(r)] = label
            pos += k
        b.answers[demo.column] = answer
        b.category[demo.id] = [label_cat.get(a, "") for a in answer]
        demo_rows.append((demo, target, len(who), blanks))
        if blanks > 0:
            b.invented.append(
                {
                    "item_id": demo.id,
                    "reason": f"{blanks} of the {len(who)} respondents who reached the "
                    f"demographic questions left {demo.id} blank (the published counts total "
                    f"{sum(counts.values())}); chosen at random",
                }
            )
    if study.demographics:
        b.invented.append(
            {
                "item_id": ",".join(d.id for d in study.demographics),
                "reason": "which respondent has which demographic answer: random (the report gives "
                "only the totals), independent of the answers to the items",
            }
        )

    free_log = _free_text(b, study, answering, profiles)
    log = _log(b, study, plans, targets, demo_rows, free_log)
    story_check = story_comparison_frame(study, targets, params)
    if study.survey.format == "qualtrics":
        header, rows = _qualtrics(b, study, answering)
    else:
        header, rows = _form(b, study)
    return Reconstruction(study, params, header, rows, log, plans, story_check)


# --------------------------------------------------------------------------- free text
def _free_text(b: _Builder, study: Study, answering: np.ndarray, profiles: dict[int, dict]) -> list[dict]:
    """Fill free-text answers: published quotations, three-word answers, invented answers. Returns log rows."""
    log: list[dict] = []
    full = np.array([b.group_spec[g].through == "all" for g in b.group_of])
    reach_free = np.flatnonzero(full)
    excerpts = _excerpts(study)
    pinned_quote = {str(q): r for r, p in profiles.items() for q in (p.get("quotations") or [])}
    for ft in study.free_text:
        answer = [""] * b.n
        if b.p.three_words and b.p.three_words.get("question") == ft.id:
            answer = _three_words(b, ft, reach_free, log)
        quotes = (
            excerpts[excerpts["section"].isin(ft.published_sections)] if ft.published_sections else excerpts.iloc[0:0]
        )
        quotes = quotes.sort_values("excerpt_id", kind="stable")
        requirement = b.p.free_text_requires.get(ft.id, {})
        eligible = [
            int(r)
            for r in reach_free
            if all(b.category.get(item, [""] * b.n)[r] == cat for item, cat in requirement.items())
        ]
        for eid, text in zip(quotes["excerpt_id"], quotes["text"]):
            if eid in pinned_quote:
                r = pinned_quote[eid]
            else:
                free = [r for r in eligible if not answer[r] and r not in pinned_quote.values()]
                if not free:
                    raise InputError(
                        study.path("excerpts"),
                        f"at most as many quotations for {ft.id} as eligible respondents ({len(eligible)})",
                        found=eid,
                    )
                r = free[int(b.rng.integers(0, len(free)))]
            answer[r] = text
            log.append(
                {
                    "kind": "quotation",
                    "figure_id": eid,
                    "item_id": ft.id,
                    "met": "yes",
                    "reason": f"published quotation (section '{quotes.loc[quotes['excerpt_id'] == eid, 'section'].iloc[0]}') "
                    "placed verbatim as one respondent's answer; which respondent is a property of the reconstruction"
                    + (
                        f"; respondents limited to those answering {', '.join(f'{k} = {v}' for k, v in requirement.items())}"
                        if requirement
                        else ""
                    ),
                }
            )
        invented = b.p.invented_free_text.get(ft.id, ())
        if invented:
            free = [int(r) for r in reach_free if not answer[r]]
            picks = b.rng.permutation(len(free))[: len(invented)]
            for text, k in zip(invented, picks):
                answer[free[int(k)]] = text
                log.append(
                    {
                        "kind": "invented",
                        "item_id": ft.id,
                        "printed": text,
                        "met": "n/a",
                        "reason": "INVENTED free-text answer (not from the report), so that free-text handling "
                        "and redaction can be exercised",
                    }
                )
        if not (b.p.three_words and b.p.three_words.get("question") == ft.id):
            blank = int(len(reach_free) - sum(1 for a in answer if a))
            if blank:
                log.append(
                    {
                        "kind": "invented",
                        "item_id": ft.id,
                        "count": blank,
                        "met": "n/a",
                        "reason": f"{blank} answer(s) to {ft.id} of respondents who reached it are not published: "
                        "left blank rather than invented",
                    }
                )
        b.answers[ft.column] = answer
    return log


def _three_words(b: _Builder, ft, reach_free: np.ndarray, log: list[dict]) -> list[str]:
    """Three-word answers from the published words, the most frequent word given most often."""
    words = list(ft.published_words)
    if not words:
        raise _fail(b.study, "three_words", f"published_words for {ft.id} in study.yml")
    per = int(b.p.three_words.get("words_per_answer", 3))
    top_count = int(b.p.three_words.get("most_frequent_count", 1))
    top = ft.most_frequent or words[0]
    others = [w for w in words if w != top]
    respondents = [int(r) for r in reach_free]
    slots = per * len(respondents)
    freq = {top: top_count}
    spare = slots - top_count - len(others)
    if spare < 0 or top_count > len(respondents):
        raise _fail(
            b.study,
            "three_words.most_frequent_count",
            f"a count that leaves a slot for every other published word ({slots} slots)",
            top_count,
        )
    for i, w in enumerate(others):
        freq[w] = 1 + (spare // len(others)) + (1 if i < spare % len(others) else 0)
    if max(freq[w] for w in others) >= top_count:
        raise _fail(
            b.study,
            "three_words.most_frequent_count",
            f"more than any other word's count ({max(freq[w] for w in others)})",
            top_count,
        )
    bags: dict[int, list[str]] = {r: [] for r in respondents}
    for w in sorted(freq, key=lambda w: (-freq[w], words.index(w))):
        # most free slots first (keeps the deal feasible), ties in a fresh random order per word
        key = b.rng.random(len(respondents))
        ranked = sorted(range(len(respondents)), key=lambda i: (len(bags[respondents[i]]), key[i]))
        for i in ranked[: freq[w]]:
            bags[respondents[i]].append(w)
    answer = [""] * b.n
    for r in respondents:
        bag = [bags[r][i] for i in b.rng.permutation(len(bags[r]))]
        answer[r] = ", ".join(bag)
    summary = "; ".join(f"{w} {freq[w]}" for w in sorted(freq, key=lambda w: (-freq[w], words.index(w))))
    log.append(
        {
            "kind": "invented",
            "item_id": ft.id,
            "count": slots,
            "met": "n/a",
            "reason": f"the report prints {len(words)} words (no counts) for {len(respondents)} respondents x "
            f"{per} words = {slots} slots; frequencies chosen so that '{top}' is clearly the most "
            f"frequent and every printed word appears: {summary}",
        }
    )
    return answer


# --------------------------------------------------------------------------- the log
def _row(**kw) -> dict:
    base = {c: "" for c in LOG_COLUMNS}
    base.update({k: ("" if v is None else v) for k, v in kw.items()})
    return base


def _log(
    b: _Builder,
    study: Study,
    plans: dict[str, ItemPlan],
    targets: dict[str, Target],
    demo_rows: list,
    free_log: list[dict],
) -> pd.DataFrame:
    rows = [_row(kind="notice", reason=study.reconstruction_notice)]
    figures = b.figures.set_index("figure_id", drop=False)
    cell = {}
    for item_id, plan in plans.items():
        t = plan.target
        alts = ";".join(map(str, plan.alternatives))
        for cat, value, fid in zip(t.categories, t.values, t.figure_ids):
            k = plan.counts[cat]
            met = plan.met[cat]
            dev = 0.0 if (met or t.unit != "percent") else _cell_deviation(k, plan.n, value)
            reproduced = plan.reprinted[cat]
            cell[fid] = (plan, cat)
            reason = plan.reason if (not met or cat == t.categories[0]) else ""
            if met and t.unit == "percent":
                note = _rule_note(k, plan.n, value)
                reason = "; ".join(x for x in (reason, note) if x)
            rows.append(
                _row(
                    kind="published",
                    figure_id=fid,
                    item_id=item_id,
                    category=cat,
                    printed=value,
                    unit=t.unit,
                    chosen_n=plan.n,
                    alternative_ns=alts,
                    count=k,
                    reproduced=reproduced,
                    deviation=f"{dev:g}",
                    met="yes" if met else "no",
                    reason=reason,
                )
            )
    for demo, target, answered, blanks in demo_rows:
        for cat, value, fid in zip(target.categories, target.values, target.figure_ids):
            rows.append(
                _row(
                    kind="published",
                    figure_id=fid,
                    item_id=demo.id,
                    category=cat,
                    printed=value,
                    unit="count",
                    chosen_n=answered - max(blanks, 0),
                    count=int(float(value)),
                    reproduced=str(int(float(value))),
                    deviation="0",
                    met="yes" if blanks >= 0 else "no",
                    reason=""
                    if blanks >= 0
                    else f"the counts total more than the {answered} respondents who reached the demographic questions",
                )
            )
    rows += _check_figures(b, study, figures, cell, demo_rows)
    for entry in b.invented:
        rows.append(_row(kind="invented", item_id=entry["item_id"], met="n/a", reason=entry["reason"]))
    rows += [_row(**entry) for entry in free_log]
    rows += _invented_general(b, study)
    return pd.DataFrame(rows, columns=LOG_COLUMNS)


def _measure(b: _Builder, study: Study, name: str) -> int | None:
    """A count the completion story determines (for ``story_figures``)."""
    answered = np.zeros(b.n, dtype=int)
    blanks = np.zeros(b.n, dtype=int)
    for cats in b.category.values():
        got = np.array([c != "" for c in cats])
        answered += got
        blanks += ~got
    if name == "responses":
        return b.n
    if name == "answered_any":
        return int((answered > 0).sum())
    if name == "answered_all":
        return int((blanks == 0).sum())
    if name == "finished":
        return int(sum(b.group_spec[g].finished for g in b.group_of))
    if name.startswith("group:") and name[6:] in b.group_spec:
        return b.group_spec[name[6:]].n
    return None


def _check_figures(b: _Builder, study: Study, figures: pd.DataFrame, cell: dict, demo_rows: list) -> list[dict]:  # noqa: C901 - above the ceiling before this round; to split (see CHANGELOG)
    """Log rows for text figures that restate a cell, describe the story, or use demographic counts."""
    out = []
    for fid, measure in b.p.story_figures.items():
        if fid not in figures.index:
            raise _fail(study, f"story_figures.{fid}", "a figure_id of published/figures.csv", fid)
        f = figures.loc[fid]
        got = _measure(b, study, measure)
        if got is None:
            raise _fail(
                study, f"story_figures.{fid}", "responses, answered_any, answered_all, finished or group:<id>", measure
            )
        met = float(f["value"]) == got
        out.append(
            _row(
                kind="published",
                figure_id=fid,
                printed=f["value"],
                unit=f["unit"],
                count=got,
                reproduced=str(got),
                deviation=f"{abs(float(f['value']) - got):g}",
                met="yes" if met else "no",
                reason=f"completion story: {measure} = {got}" + ("" if met else f", not {f['value']} as printed"),
            )
        )
    restating = figures[(figures["restates"] != "") & (figures["item_id"] != "")]
    for fid, f in restating.iterrows():
        if f["restates"] not in cell:
            continue
        plan, cat = cell[f["restates"]]
        if f["category"] != cat:
            continue
        k = plan.counts[cat]
        table_value = plan.target.values[plan.target.categories.index(cat)]
        decimals = rounding.decimals_of(f["value"])
        if f["unit"] == "percent":
            met = rounding.rounds_to(k, plan.n, f["value"], decimals)
            reproduced = _exact(k, plan.n)
        elif f["unit"] == "percent_bound":
            met = 100 * k < float(f["value"]) * plan.n
            reproduced = f"{100 * k / plan.n:.1f}"
        elif f["unit"] == "count":
            met = k == int(float(f["value"]))
            reproduced = str(k)
        else:
            continue
        if met:
            reason = f"restates {f['restates']}"
        elif float(f["value"]) != float(table_value):
            reason = (
                f"contradicts {f['restates']} ({table_value} as printed in the table"
                + (", met by the data" if plan.met[cat] else "")
                + "): one item and one n cannot give both; "
                "the table is reproduced"
            )
        else:
            reason = f"restates {f['restates']}, which the data cannot meet (see that row)"
        out.append(
            _row(
                kind="published",
                figure_id=fid,
                item_id=f["item_id"],
                category=cat,
                printed=f["value"],
                unit=f["unit"],
                chosen_n=plan.n,
                count=k,
                reproduced=reproduced,
                deviation="0"
                if met
                else (
                    f"{_cell_deviation(k, plan.n, f['value']):g}"
                    if f["unit"] == "percent"
                    else f"{abs(float(reproduced) - float(f['value'])):g}"
                ),
                met="yes" if met else "no",
                reason=reason,
            )
        )
    demo_cell = {fid: int(float(v)) for _, t, _, _ in demo_rows for fid, v in zip(t.figure_ids, t.values)}
    for fid, f in figures[figures["restates"].isin(list(demo_cell)) & (figures["unit"] == "count")].iterrows():
        k = demo_cell[f["restates"]]
        met = int(float(f["value"])) == k
        out.append(
            _row(
                kind="published",
                figure_id=fid,
                category=f["category"],
                printed=f["value"],
                unit="count",
                count=k,
                reproduced=str(k),
                deviation=f"{abs(float(f['value']) - k):g}",
                met="yes" if met else "no",
                reason=f"restates {f['restates']}",
            )
        )
    for demo, target, answered, blanks in demo_rows:
        counts = dict(zip(target.categories, (int(float(v)) for v in target.values)))
        sel = figures[
            (figures["item_id"] == "") & (figures["unit"] == "percent") & figures["category"].isin(list(counts))
        ]
        bases = {
            "all responses": b.n,
            "respondents who reached the demographic questions": answered,
            f"respondents who answered {demo.id}": answered - max(blanks, 0),
        }
        for fid, f in sel.iterrows():
            k = counts[f["category"]]
            decimals = rounding.decimals_of(f["value"])
            fitting = [(name, n) for name, n in bases.items() if rounding.rounds_to(k, n, f["value"], decimals)]
            ok = [f"{name} (n = {n})" for name, n in fitting]
            shown = ", ".join(f"{100 * k / n:.1f}% of {n}" for n in sorted(set(bases.values()), reverse=True))
            out.append(
                _row(
                    kind="published",
                    figure_id=fid,
                    item_id=demo.id,
                    category=f["category"],
                    printed=f["value"],
                    unit="percent",
                    chosen_n=fitting[0][1] if fitting else "",
                    count=k,
                    reproduced=_exact(k, fitting[0][1] if fitting else b.n),
                    met="yes" if ok else "no",
                    deviation="0" if ok else f"{min(abs(100 * k / n - float(f['value'])) for n in bases.values()):.1f}",
                    reason=("base not stated; met with base " + "; ".join(ok))
                    if ok
                    else f"base not stated; {k} respondents (the table count) is {shown}: no base the report uses "
                    f"gives {f['value']}%",
                )
            )
    for fid, why in b.p.other_figures.items():
        if fid not in figures.index:
            raise _fail(study, f"other_figures.{fid}", "a figure_id of published/figures.csv", fid)
        f = figures.loc[fid]
        out.append(
            _row(
                kind="published",
                figure_id=fid,
                item_id=f["item_id"],
                category=f["category"],
                printed=f["value"],
                unit=f["unit"],
                met="no",
                reason=why,
            )
        )
    return out


def _invented_general(b: _Builder, study: Study) -> list[dict]:
    rows = [
        _row(
            kind="invented",
            item_id="(all items)",
            met="n/a",
            reason=f"which respondent gave which answer: latent-trait model (seed {b.p.seed}; trait sd 1, construct "
            f"sd {b.p.construct_sd:g}, item noise sd {b.p.item_noise_sd:g}); item correlations, alphas and "
            "construct-score spreads are properties of the reconstruction",
        )
    ]
    ordinal = [
        s
        for s in study.scales.values()
        if s.type == "ordinal"
        and any(sum(1 for lv in s.levels if lv.category == c) > 1 for c in {lv.category for lv in s.levels})
    ]
    if ordinal:
        shares = ", ".join(f"{k} {v:g}" for k, v in sorted(b.p.extreme_share.items())) or "0.5 each"
        rows.append(
            _row(
                kind="invented",
                item_id="(agreement items)",
                met="n/a",
                reason=f"Strongly agree versus Agree (and Strongly disagree versus Disagree) is not published: "
                f"the extreme label goes to the most extreme scores within each collapsed category "
                f"(share: {shares})",
            )
        )
    if any(s.type == "numeric" for s in study.scales.values()):
        rows.append(
            _row(
                kind="invented",
                item_id="(0-10 items)",
                met="n/a",
                reason="values inside each published band drawn uniformly and sorted, so higher scores get "
                "higher values (only the band counts are published)",
            )
        )
    if any(s.not_relevant for s in study.scales.values()):
        rows.append(
            _row(
                kind="invented",
                item_id="(not-relevant answers)",
                met="n/a",
                reason="which not-relevant wording each such answer uses: random among the scale's "
                "not-relevant labels; which respondents answer not relevant: random",
            )
        )
    story = "; ".join(
        f"{g.id}: {g.n} respondents, items through {g.through}, demographics "
        f"{'yes' if g.demographics else 'no'}, finished {'yes' if g.finished else 'no'}"
        for g in b.p.story
    )
    rows.append(_row(kind="invented", item_id="(completion story)", met="n/a", reason="completion story: " + story))
    if study.survey.format == "qualtrics":
        rows.append(
            _row(
                kind="invented",
                item_id="(metadata)",
                met="n/a",
                reason=f"dates (fieldwork from {b.p.fieldwork_start:%Y-%m-%d} over {b.p.fieldwork_days} days), "
                "durations, response ids, IP addresses (RFC 5737 documentation ranges), recipient names "
                "and example.org e-mail addresses, external references and locations are invented and "
                "harmless; they exist so that cleaning can prove it strips identifying columns",
            )
        )
        if b.p.preview_records:
            rows.append(
                _row(
                    kind="invented",
                    item_id="(preview)",
                    count=b.p.preview_records,
                    met="n/a",
                    reason=f"{b.p.preview_records} 'Survey Preview' record(s) (a researcher's test run, with "
                    "answers) added so that cleaning's exclusion by Status is exercised; they are not "
                    f"among the {b.n} responses",
                )
            )
    else:
        rows.append(
            _row(
                kind="invented",
                item_id="(metadata)",
                met="n/a",
                reason="submission times, names and example.org e-mail addresses are invented and harmless",
            )
        )
    return rows


# --------------------------------------------------------------------------- export formats
def _times(b: _Builder, count: int) -> np.ndarray:
    days = b.rng.integers(0, b.p.fieldwork_days, size=count)
    secs = b.rng.integers(8 * 3600, 20 * 3600, size=count)
    return days * 86400 + secs


def _identities(b: _Builder, count: int) -> list[tuple[str, str, str]]:
    first = b.rng.integers(0, len(INVENTED_FIRST_NAMES), size=count)
    last = b.rng.integers(0, len(INVENTED_LAST_NAMES), size=count)
    seen: dict[str, int] = {}
    out = []
    for f, la in zip(first, last):
        fn, ln = INVENTED_FIRST_NAMES[int(f)], INVENTED_LAST_NAMES[int(la)]
        stem = f"{fn}.{ln}".lower()
        seen[stem] = seen.get(stem, 0) + 1
        suffix = "" if seen[stem] == 1 else str(seen[stem])
        out.append((fn, ln, f"{stem}{suffix}@example.org"))
    return out


def _question_columns(study: Study, order: tuple[str, ...]) -> list[tuple[str, str]]:
    parts = {
        "items": [(it.column, it.text) for it in study.items],
        "demographics": [(d.column, d.text) for d in study.demographics],
        "free_text": [(f.column, f.text) for f in study.free_text],
    }
    return [col for part in order for col in parts[part]]


def _import_id(column: str) -> dict:
    if column[:1] == "Q" and column[1:2].isdigit():
        return {"ImportId": "QID" + column[1:]}
    return {"ImportId": column}


def qualtrics_header(study: Study, question_order: tuple[str, ...], timezone: str) -> list[list[str]]:
    """The three header rows of a current-format Qualtrics export of ``study``: column ids,
    question text, ImportId JSON (metadata columns, then questions in ``question_order``,
    then the data-notice column). Also used by the benchmark's synthetic exports."""
    questions = _question_columns(study, question_order)
    header1 = [m[0] for m in _QUALTRICS_META] + [c for c, _ in questions] + [NOTICE_COLUMN]
    header2 = [m[1] for m in _QUALTRICS_META] + [t for _, t in questions] + ["Data notice"]
    header3 = []
    for _, _, imp in _QUALTRICS_META:
        imp = dict(imp)
        if "timeZone" in imp:
            imp["timeZone"] = timezone
        header3.append(json.dumps(imp, separators=(",", ":")))
    header3 += [json.dumps(_import_id(c), separators=(",", ":")) for c, _ in questions]
    header3.append(json.dumps({"ImportId": NOTICE_COLUMN}, separators=(",", ":")))
    return [header1, header2, header3]


def _qualtrics(b: _Builder, study: Study, answering: np.ndarray) -> tuple[list[list[str]], list[list[str]]]:
    questions = _question_columns(study, b.p.question_order)
    header1, header2, header3 = qualtrics_header(study, b.p.question_order, b.p.timezone)

    n = b.n
    start = _times(b, n)
    finished = np.array([b.group_spec[g].finished for g in b.group_of])
    answered = np.zeros(n, dtype=int)
    for cats in b.category.values():
        answered += np.array([c != "" for c in cats])
    duration = np.where(
        finished,
        b.rng.integers(240, 1500, size=n),
        np.where(answered > 0, b.rng.integers(60, 400, size=n), b.rng.integers(4, 90, size=n)),
    )
    position = _progress(b, study, questions)
    progress = np.where(finished, 100, position)
    ids = ["R_" + "".join(_ALNUM[b.rng.integers(0, len(_ALNUM), size=15)]) for _ in range(n)]
    ips = [
        f"{_DOC_NETS[int(k)]}.{int(h)}" for k, h in zip(b.rng.integers(0, 3, size=n), b.rng.integers(1, 255, size=n))
    ]
    people = _identities(b, n)
    refs = [f"EXT-{int(x):05d}" for x in b.rng.integers(10000, 99999, size=n)]
    base = b.p.fieldwork_start
    records = []
    for r in range(n):
        t0 = base + timedelta(seconds=int(start[r]))
        t1 = t0 + timedelta(seconds=int(duration[r]))
        recorded = t1 if finished[r] else t1 + timedelta(days=7)
        fn, ln, email = people[r]
        meta = [
            t0.strftime(_TIME),
            t1.strftime(_TIME),
            "IP Address",
            ips[r],
            str(int(progress[r])),
            str(int(duration[r])),
            "True" if finished[r] else "False",
            recorded.strftime(_TIME),
            ids[r],
            ln,
            fn,
            email,
            refs[r],
            b.p.location[0],
            b.p.location[1],
            "email",
            "EN",
        ]
        answers = [b.answers[c][r] for c, _ in questions]
        records.append((recorded, meta + answers + [ROW_NOTICE]))
    for k in range(b.p.preview_records):
        t0 = base - timedelta(days=3 + k, hours=-10)
        t1 = t0 + timedelta(seconds=300)
        rid = "R_" + "".join(_ALNUM[b.rng.integers(0, len(_ALNUM), size=15)])
        meta = [
            t0.strftime(_TIME),
            t1.strftime(_TIME),
            "Survey Preview",
            "",
            "100",
            "300",
            "True",
            t1.strftime(_TIME),
            rid,
            "",
            "",
            "",
            "",
            b.p.location[0],
            b.p.location[1],
            "preview",
            "EN",
        ]
        records.append((t1, meta + [_preview_answer(study, c) for c, _ in questions] + [ROW_NOTICE]))
    records.sort(key=lambda x: (x[0], x[1][8]))
    return [header1, header2, header3], [row for _, row in records]


def _progress(b: _Builder, study: Study, questions: list[tuple[str, str]]) -> np.ndarray:
    """Qualtrics Progress of an unfinished response: share of the survey up to its last answered question."""
    cols = [c for c, _ in questions]
    last = np.full(b.n, -1)
    for pos, c in enumerate(cols):
        got = np.array([a != "" for a in b.answers[c]])
        last = np.where(got, pos, last)
    return np.floor(100 * (last + 1) / len(cols) + 0.5).astype(int)


def _preview_answer(study: Study, column: str) -> str:
    """A researcher's test answer: a mid-to-high option, the middle of a numeric scale, 'test' for text."""
    for it in study.items:
        if it.column == column:
            scale = study.scale_of(it)
            if scale.type == "numeric":
                return str(int(((scale.min or 0) + (scale.max or 0)) // 2))
            return scale.levels[min(len(scale.levels) - 1, len(scale.levels) // 2 + 1)].label
    for d in study.demographics:
        if d.column == column:
            return study.scales[d.scale].levels[0].label
    return "test"


def _form(b: _Builder, study: Study) -> tuple[list[list[str]], list[list[str]]]:
    questions = _question_columns(study, b.p.question_order)
    identifying = list(study.survey.identifying_columns) or ["email", "name"]
    header = [study.survey.id_column, "submitted"] + identifying + [c for c, _ in questions] + [NOTICE_COLUMN.lower()]
    start = _times(b, b.n)
    people = _identities(b, b.n)
    order = sorted(range(b.n), key=lambda r: (int(start[r]), r))
    rows = []
    for pos, r in enumerate(order, start=1):
        t = b.p.fieldwork_start + timedelta(seconds=int(start[r]))
        fn, ln, email = people[r]
        ident = [email if "mail" in c.lower() else f"{fn} {ln}" for c in identifying]
        rows.append([str(pos), t.strftime(_TIME)] + ident + [b.answers[c][r] for c, _ in questions] + [ROW_NOTICE])
    return [header], rows


# --------------------------------------------------------------------------- views for the notebook
def story_comparison_frame(study: Study, targets: dict[str, Target], params: Params) -> pd.DataFrame:
    """Printed cells met under the configured story and under each alternative reading."""
    stories = {"chosen": (params.story, params.max_item_skips), **params.alternative_stories}
    rows = []
    for name, (groups, skips) in stories.items():
        ev = evaluate_story(study, targets, groups, skips)
        rows.append(
            {
                "story": name,
                "responses": sum(g.n for g in groups),
                "groups": "; ".join(f"{g.id} {g.n} (through {g.through})" for g in groups),
                "max_item_skips": skips,
                "items_fully_met": int((ev["cells"] == ev["cells_met"]).sum()),
                "items": len(ev),
                "cells_met": int(ev["cells_met"].sum()),
                "cells": int(ev["cells"].sum()),
            }
        )
    return pd.DataFrame(rows)


def story_comparison(recon: Reconstruction) -> pd.DataFrame:
    """The configured completion story beside the alternatives in ``study.yml``."""
    return recon.story_check


def n_table(recon: Reconstruction) -> pd.DataFrame:
    """One row per item with a published row: printed values, n allowed and chosen, compatible n's,
    counts, what they reproduce (unrounded percentages, or counts) and whether every cell is met."""
    rows = []
    for item_id, p in recon.plans.items():
        t = p.target
        rows.append(
            {
                "item_id": item_id,
                "unit": t.unit,
                "printed": " / ".join(f"{c} {v}" for c, v in zip(t.categories, t.values)),
                "n_allowed": f"{p.window[0]}-{p.window[1]}",
                "n_chosen": p.n,
                "compatible_ns": ", ".join(map(str, p.alternatives)),
                "counts": " / ".join(str(p.counts[c]) for c in t.categories),
                "reproduced": " / ".join(p.reprinted[c] for c in t.categories),
                "met": "yes" if all(p.met.values()) else "no",
            }
        )
    return pd.DataFrame(rows)


def unmet_figures(recon: Reconstruction) -> pd.DataFrame:
    """Published figures the reconstructed data do not reproduce, with the reason."""
    log = recon.log
    return log[(log["kind"] == "published") & (log["met"] == "no")][
        ["figure_id", "item_id", "category", "printed", "reproduced", "chosen_n", "reason"]
    ].reset_index(drop=True)


def preview(recon: Reconstruction, rows: int = 5) -> pd.DataFrame:
    """The first export records without identifying and free-text columns (safe to show in an appendix)."""
    study = recon.study
    hide = set(study.survey.identifying_columns) | {f.column for f in study.free_text}
    frame = recon.frame
    return frame[[c for c in frame.columns if c not in hide]].head(rows)


def invented_elements(recon: Reconstruction) -> pd.DataFrame:
    """Everything the reconstruction made up (not published), as logged."""
    log = recon.log
    return log[log["kind"].isin(["invented", "quotation"])][
        ["kind", "figure_id", "item_id", "count", "printed", "reason"]
    ].reset_index(drop=True)


# --------------------------------------------------------------------------- writing
def write(recon: Reconstruction, raw_dir: Path | None = None, *, manifest: bool = True) -> list[Path]:
    """Write the export (named as the study's ``survey.file``) and ``reconstruction_log.csv`` into
    ``raw_dir`` (default: the study's ``raw/``), then refresh the raw manifest there.

    A Qualtrics export is written as Qualtrics writes it: UTF-8 with a byte-order mark, CRLF line
    endings, fields quoted only when needed.  A form export is UTF-8 without a BOM, LF endings.
    Returns the paths written."""
    study = recon.study
    raw_dir = Path(raw_dir) if raw_dir is not None else study.root / "raw"
    export = raw_dir / Path(study.survey.file).name
    qualtrics = study.survey.format == "qualtrics"
    with store.atomic_write(export, encoding="utf-8-sig" if qualtrics else "utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n" if qualtrics else "\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerows(recon.header)
        writer.writerows(recon.rows)
    store.note_output(export)
    log_path = store.write_csv(recon.log, raw_dir / "reconstruction_log.csv")
    paths = [export, log_path]
    if manifest:
        paths.append(write_manifest(raw_dir))
    return paths


def main(study_id: str, raw_dir: Path | str | None = None) -> list[Path]:
    """Rebuild and write one study's stand-in export and log (usable without Jupyter)."""
    recon = build(load_study(study_id, check_files=False))
    return write(recon, Path(raw_dir) if raw_dir is not None else None)
