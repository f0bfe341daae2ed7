"""Construct scores of a multi-item instrument and their internal consistency (Cronbach's alpha).

An instrument groups its items under constructs (an instrument built on a theory, such as one
from Normalisation Process Theory, groups them under that theory's constructs) or names
subscales.  For every construct of a study that has at least two items on an ordinal scale:

- **item scores**: the answer code; an item marked ``reverse`` in ``study.yml``
  (negatively worded, e.g. "... disrupts working relationships") is reversed as
  ``lowest + highest - code`` on the item's own range (``8 - code`` on a 1..7 scale), so that a higher score
  always means more of the construct; not-relevant answers and skipped items
  are missing, not a scale point;
- **construct score**: each respondent's mean of the items they answered
  (at least ``min_items``, default 1);
- **summary**: n, mean, SD (n - 1), median of the construct scores;
- **Cronbach's alpha** (Cronbach 1951): for ``k`` items with variances ``s_i²`` and the
  variance ``s_T²`` of their sum, ``alpha = k / (k - 1) · (1 - Σ s_i² / s_T²)`` (sample
  variances, n - 1), on the respondents who answered *every* item of the construct
  (listwise), with that number reported as ``alpha_n``, set beside the construct's
  published validation alpha (``reference_alpha``), where the instrument declares one.

Any instrument (:func:`score_sets`, :func:`set_scores`, :func:`reliability_table`): the named
``subscales`` (else the constructs), each respondent's mean score, Cronbach's alpha with its
Feldt interval, McDonald's omega and item-rest correlations, per wave.

When the study's survey data are reconstructed, how answers combine within a
respondent is an artefact of the reconstruction, so alphas and score spreads are
labelled ``property of the reconstruction`` (column ``basis``).
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tieval.config import Item, Study
from tieval.survey import reliability
from tieval.survey.validate import is_answered
from tieval.survey.wave_data import wave_subset

__all__ = [
    "RECONSTRUCTION_BASIS",
    "DATA_BASIS",
    "scored_constructs",
    "reverse_codes",
    "item_matrix",
    "construct_scores",
    "cronbach_alpha",
    "construct_summary",
    "basis",
    "scores_table",
    "forget",
    "score_sets",
    "score_range_text",
    "set_scores",
    "reliability_table",
    "RELIABILITY_COLUMNS",
    "ITEM_TOTAL_COLUMNS",
]

RECONSTRUCTION_BASIS = "property of the reconstruction"
DATA_BASIS = "computed from the survey data"


def basis(study: Study) -> str:
    """What the construct statistics describe: the reconstruction or the study's data."""
    return RECONSTRUCTION_BASIS if study.reconstructed else DATA_BASIS


def scored_constructs(study: Study) -> dict[str, list[Item]]:
    """Constructs with at least two items on an ordinal scale, in instrument order, with those items."""
    out = {}
    for cid, items in study.items_by_construct().items():
        ordinal = [it for it in items if study.scale_of(it).type == "ordinal"]
        if len(ordinal) >= 2:
            out[cid] = ordinal
    return out


def reverse_codes(codes, scale):
    """Reverse codes (a Series or array) on any range: ``lowest + highest - code``
    (:meth:`tieval.config.Scale.reversed_code`: the level codes of an ordinal scale, ``min`` and
    ``max`` of a numeric one)."""
    return scale.reversed_code(codes)


def item_matrix(responses: pd.DataFrame, study: Study, items: list[Item]) -> pd.DataFrame:
    """Respondents (rows, sorted by id) by items (columns): scored codes, reversed where the item
    says so; NaN for not relevant and skipped.  ``responses`` as from ``tieval.survey.data.load_responses``."""
    ids = [it.id for it in items]
    grid = _grid(responses)
    if grid is not None and all(i in grid[1] for i in ids):
        people, columns = grid
        n = len(people)
        codes = responses["code"].to_numpy(dtype=float).reshape(n, len(columns))
        answered = is_answered(responses["missing_reason"]).reshape(n, len(columns))
        # one contiguous row per item: the frame's block as pandas keeps it (items x respondents)
        by_item = np.empty((len(items), n))
        for j, it in enumerate(items):
            c = columns.index(it.id)
            np.copyto(by_item[j], codes[:, c])
            by_item[j, ~answered[:, c]] = np.nan
            if it.reverse:
                by_item[j] = reverse_codes(by_item[j], study.scale_of(it))
        return pd.DataFrame(by_item.T, index=pd.Index(people, name="respondent_id"), columns=ids, copy=False)
    return _item_matrix_rows(responses, study, items)


def _grid(responses: pd.DataFrame) -> tuple[pd.Index, list] | None:
    """``(respondent ids, item ids)`` when ``responses`` is a complete grid in the layout the
    cleaning step builds (:func:`tieval.survey.clean.build_tables`): categorical ids, one row per
    respondent and item, respondents in sorted id order, each respondent's rows in the same item
    order.  Then row ``r * n_items + j`` holds respondent ``r`` and item ``j``, so the long
    columns reshape to respondents x items.  None for any other layout."""
    rid, iid = responses["respondent_id"], responses["item_id"]
    if not (isinstance(rid.dtype, pd.CategoricalDtype) and isinstance(iid.dtype, pd.CategoricalDtype)):
        return None
    people, items = rid.cat.categories, iid.cat.categories
    n, m = len(people), len(items)
    if n == 0 or m == 0 or len(responses) != n * m or not _increasing(people):
        return None
    rcodes = rid.array.codes.reshape(n, m)
    icodes = iid.array.codes.reshape(n, m)
    first = icodes[0]
    if (np.sort(first) != np.arange(m)).any() or (rcodes != np.arange(n)[:, None]).any() or (icodes != first).any():
        return None
    if not isinstance(people.dtype, pd.StringDtype):  # as the general path builds the index
        people = pd.Index(np.asarray(people, dtype=object))
    return people, [items[k] for k in first]


def _increasing(ids: pd.Index) -> bool:
    """Whether ``ids`` are in strictly increasing order (as sorting them would put them).  Text
    held by Arrow is compared by Arrow (its byte order of UTF-8 is Python's order of strings)."""
    if isinstance(ids.dtype, pd.StringDtype) and ids.dtype.storage == "pyarrow" and len(ids) > 1:
        values = pa.array(ids.array)
        return bool(pc.all(pc.less(values[:-1], values[1:])).as_py())
    return ids.is_monotonic_increasing and ids.is_unique


def _item_matrix_rows(responses: pd.DataFrame, study: Study, items: list[Item]) -> pd.DataFrame:
    """:func:`item_matrix` for a responses table in any row order (rows scattered into place)."""
    ids = [it.id for it in items]
    # factorise once (long tables repeat ids): respondent rows in sorted id order, item columns
    rcodes, people = pd.factorize(responses["respondent_id"])
    people = np.asarray(people, dtype=object)
    order = np.argsort(people, kind="stable")
    rank = np.empty(len(people), dtype=np.int64)
    rank[order] = np.arange(len(people))
    icodes, item_names = pd.factorize(responses["item_id"])
    col_of = np.array([ids.index(v) if v in ids else -1 for v in item_names] + [-1], dtype=np.int64)
    item_pos = col_of[icodes]
    answered = is_answered(responses["missing_reason"])
    keep = (item_pos >= 0) & answered
    codes = responses["code"].to_numpy(dtype=float)[keep].copy()
    item_pos = item_pos[keep]
    for j, it in enumerate(items):
        if it.reverse:
            mask = item_pos == j
            codes[mask] = reverse_codes(codes[mask], study.scale_of(it))
    matrix = np.full((len(people), len(ids)), np.nan)
    matrix[rank[rcodes[keep]], item_pos] = codes
    return pd.DataFrame(matrix, index=pd.Index(people[order], name="respondent_id"), columns=ids)


#: What :func:`_construct_data` computed for the last responses table: keys ``responses`` (a weak
#: reference to the table), ``study``, ``items``, ``matrix`` and ``scores`` (by ``min_items``).
_LAST: dict[str, object] = {}


def forget() -> None:
    """Drop the kept item matrix and scores now (see :func:`_construct_data`): a step that has both
    the construct summary and the scores frees their memory (two gigabytes at ten million
    respondents) before its next section builds matrices of its own."""
    _LAST.clear()


def _forget(ref: weakref.ref) -> None:
    """Drop the kept results when their responses table is garbage-collected."""
    if _LAST.get("responses") is ref:
        _LAST.clear()


def _construct_data(
    responses: pd.DataFrame, study: Study, min_items: int
) -> tuple[dict[str, list[Item]], pd.DataFrame, pd.DataFrame]:
    """The scored constructs, the :func:`item_matrix` of all their items and the construct scores.

    The results for the last ``responses`` table are kept (by weak reference, so they go with
    the table) and reused when the same table and study come again, as when
    :func:`construct_summary` and :func:`scores_table` are called one after the other; the
    responses table is treated as read-only.  Callers must not change the returned frames."""
    scored = scored_constructs(study)
    ids = tuple(it.id for its in scored.values() for it in its)
    last = _LAST
    if not (last and last["responses"]() is responses and last["study"] is study and last["items"] == ids):
        matrix = item_matrix(responses, study, [it for its in scored.values() for it in its])
        last.clear()
        last.update(responses=weakref.ref(responses, _forget), study=study, items=ids, matrix=matrix, scores={})
    if min_items not in last["scores"]:
        last["scores"][min_items] = _scores(last["matrix"], scored, min_items)
    return scored, last["matrix"], last["scores"][min_items]


def construct_scores(responses: pd.DataFrame, study: Study, *, min_items: int = 1) -> pd.DataFrame:
    """Per respondent (index, sorted) and construct (columns): mean of the answered items
    (NaN with fewer than ``min_items`` answered)."""
    return _construct_data(responses, study, min_items)[2].copy()


def _scores(m: pd.DataFrame, scored: dict[str, list[Item]], min_items: int) -> pd.DataFrame:
    """Construct means from a respondents x items matrix holding every scored item."""
    rows = m.reset_index(drop=True)  # positional rows: pandas need not hash the respondent ids
    cols = {}
    for cid, items in scored.items():
        sub = rows[[it.id for it in items]]
        answered = sub.notna().sum(axis=1)
        cols[cid] = sub.mean(axis=1, skipna=True).where(answered >= min_items).to_numpy()
    frame = pd.DataFrame(cols, index=m.index)
    frame.index.name = "respondent_id"
    return frame


def cronbach_alpha(matrix: pd.DataFrame) -> tuple[float, int]:
    """Cronbach's alpha of the complete rows of ``matrix`` (respondents x items) and how many
    rows that is (:func:`tieval.survey.reliability.cronbach_alpha`, listwise).  NaN with fewer than
    two items or two complete rows, or no variance in the total."""
    result = reliability.cronbach_alpha(matrix)
    return result.alpha, result.n


def construct_summary(responses: pd.DataFrame, study: Study, *, min_items: int = 1) -> pd.DataFrame:
    """One row per scored construct: items, reversed items, n, mean, sd, median, alpha, alpha_n,
    reference_alpha (the published validation value of the construct, blank if none), basis."""
    rows = []
    scored, matrix, scores = _construct_data(responses, study, min_items)
    # the statistics need no respondent ids: positional rows spare pandas from hashing the ids
    scores, matrix = scores.reset_index(drop=True), matrix.reset_index(drop=True)
    for cid, items in scored.items():
        s = scores[cid].dropna()
        alpha, alpha_n = cronbach_alpha(matrix[[it.id for it in items]])
        c = study.constructs.get(cid)
        rows.append(
            {
                "construct": cid,
                "label": c.label if c else cid,
                "items": ", ".join(it.id for it in items),
                "reversed": ", ".join(it.id for it in items if it.reverse),
                "n": len(s),
                "mean": round(float(s.mean()), 4) if len(s) else np.nan,
                "sd": round(float(s.std(ddof=1)), 4) if len(s) > 1 else np.nan,
                "median": round(float(s.median()), 4) if len(s) else np.nan,
                "alpha": round(alpha, 4) if not np.isnan(alpha) else np.nan,
                "alpha_n": alpha_n,
                "reference_alpha": c.reference_alpha if c and c.reference_alpha is not None else np.nan,
                "basis": basis(study),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "construct",
            "label",
            "items",
            "reversed",
            "n",
            "mean",
            "sd",
            "median",
            "alpha",
            "alpha_n",
            "reference_alpha",
            "basis",
        ],
    )


def scores_table(responses: pd.DataFrame, study: Study, *, min_items: int = 1) -> pd.DataFrame:
    """``construct_scores.csv``: one row per respondent with any construct score (pseudonymous id),
    one column per construct (4 dp), and ``basis``."""
    scores = _construct_data(responses, study, min_items)[2]
    scored = np.flatnonzero(scores.notna().any(axis=1).to_numpy())  # dropna(how="all"), by position
    scores = scores.iloc[scored].round(4).reset_index()
    scores["basis"] = basis(study)
    return scores


# --- scales of any instrument: subscales, their range, reliability ------------------------------
#: Columns of :func:`reliability_table`.
RELIABILITY_COLUMNS = [
    "scale", "label", "wave", "items", "reversed", "k", "n", "alpha", "alpha_lower", "alpha_upper",
    "omega", "note", "reference_alpha", "reference_source", "basis",
]  # fmt: skip

#: Columns of :func:`item_total_table`.
ITEM_TOTAL_COLUMNS = ["scale", "wave", "item", "reverse", "n", "mean", "sd", "item_rest_r", "alpha_if_deleted"]


def _scorable(study: Study, item: Item) -> bool:
    return study.scale_of(item).type == "ordinal" or (
        study.scale_of(item).type == "numeric" and study.scale_of(item).reversible
    )


def score_sets(study: Study) -> dict[str, tuple[str, list[Item]]]:
    """The item sets scored together, by id, with their label: the instrument's named
    ``subscales`` (items on an ordinal scale or a numeric range), or, when it names none,
    the :func:`scored_constructs`.  Sets with fewer than two such items are left out."""
    if study.subscales:
        out = {}
        for sid, sub in study.subscales.items():
            items = [study.item(i) for i in sub.items if _scorable(study, study.item(i))]
            if len(items) >= 2:
                out[sid] = (sub.label, items)
        return out
    return {cid: (study.constructs[cid].label if cid in study.constructs else cid, items)
            for cid, items in scored_constructs(study).items()}  # fmt: skip


def _range(scale) -> str:
    if scale.type == "numeric":
        lo, hi = scale.min, scale.max
    else:
        codes = [lv.code for lv in scale.levels]
        lo, hi = min(codes), max(codes)
    return f"{lo:g}-{hi:g}"


def score_range_text(study: Study, items: list[Item]) -> str:
    """The range a score of ``items`` lies on, from their scales: ``1-5`` for items on one
    1-5 scale, ``'agree7' 1-7; 'zero_ten' 0-10`` for items on several."""
    scales = list(dict.fromkeys(it.scale for it in items))
    if len(scales) == 1:
        return _range(study.scales[scales[0]])
    return "; ".join(f"'{s}' {_range(study.scales[s])}" for s in scales)


def set_scores(responses: pd.DataFrame, study: Study, *, min_items: int = 1) -> pd.DataFrame:
    """Per respondent (index, sorted) and :func:`score_sets` set (columns): the mean of the
    answered items, reversed where negatively worded (NaN with fewer than ``min_items``).
    ``responses`` holds one wave (respondent ids are unique within a wave)."""
    sets = score_sets(study)
    items = list({it.id: it for _, its in sets.values() for it in its}.values())
    matrix = item_matrix(responses, study, items)
    return _scores(matrix, {sid: its for sid, (_, its) in sets.items()}, min_items)


def _references(study: Study) -> dict[str, tuple[float, str]]:
    """Declared reference alphas by construct or subscale id, with their source ('' if none)."""
    out = {cid: (c.reference_alpha, "") for cid, c in study.constructs.items() if c.reference_alpha is not None}
    for r in study.references:
        if r.statistic == "alpha":
            out[r.of] = (r.value, r.source)
    return out


def _alpha_note(alpha: reliability.AlphaResult, omega: reliability.OmegaResult | None) -> str:
    """Why alpha or omega is missing ('' when both are there); ``omega`` None for fewer than 3 items."""
    notes = []
    if np.isnan(alpha.alpha):
        notes.append(f"no alpha: {alpha.n} respondents answered every item (2 needed) or the total does not vary")
    if omega is None:
        notes.append("no omega: fewer than 3 items")
    elif np.isnan(omega.omega):
        notes.append(f"no omega: {omega.reason}")
    return "; ".join(notes)


def reliability_table(responses: pd.DataFrame, study: Study, waves: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Internal consistency of every :func:`score_sets` set in every wave: ``(scales, items)``.

    Scales (:data:`RELIABILITY_COLUMNS`): Cronbach's alpha with its Feldt 95 % interval
    (:func:`tieval.survey.reliability.cronbach_alpha`, listwise: ``n`` respondents answered
    every item) and McDonald's omega total (:func:`tieval.survey.reliability.omega_total`,
    3 or more items); ``note`` says why either is missing.  ``reference_alpha`` and
    ``reference_source`` are the published values the instrument declares (constructs'
    ``reference_alpha`` or ``instrument.reference`` entries), blank otherwise.  Items
    (:data:`ITEM_TOTAL_COLUMNS`): :func:`tieval.survey.reliability.item_statistics`
    (item-rest correlation and alpha if deleted).  ``waves`` in order; ``responses`` has a
    ``wave`` column or is one wave."""
    sets = score_sets(study)
    refs = _references(study)
    scale_rows, item_frames = [], []
    every = list({it.id: it for _, its in sets.values() for it in its}.values())
    for wave in waves:
        # one matrix of every set's items per wave, each set a slice of it (the same respondents
        # and values item_matrix gives for the set alone)
        full = item_matrix(wave_subset(responses, wave), study, every).reset_index(drop=True) if every else None
        for sid, (label, items) in sets.items():
            m = full[[it.id for it in items]]
            alpha = reliability.cronbach_alpha(m)
            omega = reliability.omega_total(m) if len(items) >= 3 else None
            ref, source = refs.get(sid, (np.nan, ""))
            scale_rows.append(
                {
                    "scale": sid, "label": label, "wave": wave,
                    "items": ", ".join(it.id for it in items),
                    "reversed": ", ".join(it.id for it in items if it.reverse),
                    "k": len(items), "n": alpha.n,
                    "alpha": _r4(alpha.alpha), "alpha_lower": _r4(alpha.ci[0]), "alpha_upper": _r4(alpha.ci[1]),
                    "omega": _r4(omega.omega) if omega is not None else np.nan,
                    "note": _alpha_note(alpha, omega),
                    "reference_alpha": ref, "reference_source": source, "basis": basis(study),
                }
            )  # fmt: skip
            stats = reliability.item_statistics(m) if alpha.n >= 2 else None
            if stats is not None:
                stats = stats.assign(scale=sid, wave=wave, reverse=[study.item(i).reverse for i in stats["item"]])
                for c in ("mean", "sd", "item_rest_r", "alpha_if_deleted"):
                    stats[c] = stats[c].round(4)
                item_frames.append(stats[ITEM_TOTAL_COLUMNS])
    scales = pd.DataFrame(scale_rows, columns=RELIABILITY_COLUMNS)
    items_table = pd.concat(item_frames, ignore_index=True) if item_frames else pd.DataFrame(columns=ITEM_TOTAL_COLUMNS)
    return scales, items_table


def _r4(x: float) -> float:
    return round(float(x), 4) if not np.isnan(x) else np.nan
