"""Multi-select questions ("select all that apply") and loop-and-merge blocks in a survey export.

A question on a ``multi_select`` scale (``instrument.scales.<id>.type: multi_select``) is read in one
of two layouts:

* ``split`` - one column per option (Qualtrics, SurveyMonkey, SPSS multiple-response sets): a chosen
  option's cell holds ``1``, the option's own text, its ``code`` or one of the scale's ``selected``
  values; ``0`` says "shown, not chosen" (Qualtrics' "recode seen but unanswered as 0"); a blank is
  not chosen.  Any other value is an error naming row, column and the text found.
* ``joined`` - one cell holding the chosen options joined by ``separator`` (Microsoft Forms
  ``A;B;``, Google Forms ``A, B``).  The cell is read by matching the known option labels (and
  codes), longest first, each followed by the separator or the end of the cell, so an option whose
  label itself holds the separator (``Yes, sometimes``) is read whole; a remainder that is no option
  is an error naming row, column and the unmatched text.

**When a multi-select question counts as answered**: when at least one option is chosen, or (split
layout) any of its cells says ``0`` (shown, none chosen).  A respondent with every cell blank did
not answer it (an explicit "None of these" option is an option like the others, so choosing it
answers the question).  Unchosen options are never missing answers: multi-select questions do not
count towards ``n_items_answered`` and never make a respondent ``partial``.

**In processed responses** a multi-select question gives one row per respondent x option, after the
respondent's rated items: ``item_id`` the question's id, ``label`` the option's label, ``code`` 1
(chosen) or 0 (not chosen) with ``category`` ``selected`` / ``not_selected`` and ``missing_reason``
''; a respondent who did not answer the question has a blank code and category and
``missing_reason`` ``not_answered`` on each of its option rows.  :func:`tieval.survey.counts.multi_select_cells`
counts them (n and % choosing each option, base = respondents who answered the question).

**Loop-and-merge** (``instrument.items[].loop``): :func:`tieval.config.expand_loops` turns a looped
item into one item per iteration (``<id>_<n>`` from column ``<n>_<column>``, Qualtrics' naming).
:func:`expected_answers` says how many items each record was asked: an iteration whose looped items
are all blank was not shown (loops run only for the choices a respondent made), so it does not make
the respondent partial.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tieval import store
from tieval.config import Item, Scale, Study, normalise_label
from tieval.errors import InputError
from tieval.survey.columns import distinct

__all__ = [
    "SELECTED",
    "NOT_SELECTED",
    "MultiSelect",
    "option_columns",
    "decode_multi_select",
    "decode_all",
    "split_joined",
    "multi_select_rows",
    "with_multi_select",
    "expected_answers",
]

#: Categories of a multi-select option row in processed responses.
SELECTED = "selected"
NOT_SELECTED = "not_selected"

_BLANK, _SHOWN, _CHOSEN = 0, 1, 2


@dataclass
class MultiSelect:
    """The decoded answers of one multi-select question: ``chosen[r, k]`` record ``r`` chose option
    ``k``; ``answered[r]`` the record answered the question (see the module docstring)."""

    id: str
    scale: Scale
    columns: list[str]
    chosen: np.ndarray
    answered: np.ndarray


def option_columns(item: Item, scale: Scale) -> list[str]:
    """The export columns of a multi-select item: split layout, one per option (``Option.column``
    with ``{column}`` standing for the item's column; default ``<column>_<n>``, n from 1); joined
    layout, the item's own column."""
    if scale.layout == "joined":
        return [item.column]
    base = str(item.column)
    return [
        opt.column.replace("{column}", base) if opt.column else f"{base}_{k}"
        for k, opt in enumerate(scale.options, start=1)
    ]


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _marks(scale: Scale, k: int) -> set[str]:
    """The normalised cell values meaning "option ``k`` chosen" in its own column."""
    opt = scale.options[k]
    if scale.selected:
        return {normalise_label(v) for v in scale.selected}
    marks = {"1", normalise_label(opt.label)}
    if opt.code is not None:
        marks.add(normalise_label(_number_text(opt.code)))
    return marks


def _split_state(text: str, marks: set[str]) -> int:
    key = normalise_label(text)
    if key == "":
        return _BLANK
    if key in marks:
        return _CHOSEN
    try:
        number = float(key)
    except ValueError:
        return -1
    if number == 0:
        return _SHOWN
    return _CHOSEN if _number_text(number) in marks else -1


def split_joined(text: str, scale: Scale) -> tuple[list[int], str]:
    """The options chosen in a joined cell (positions in ``scale.options``) and the unmatched rest
    ('' when the whole cell is read): option labels and codes are matched longest first, each
    followed by the separator or the end of the cell."""
    sep = normalise_label(scale.separator) or scale.separator
    names: list[tuple[str, int]] = []
    for k, opt in enumerate(scale.options):
        names.append((normalise_label(opt.label), k))
        if opt.code is not None:
            names.append((_number_text(opt.code), k))
    names.sort(key=lambda p: -len(p[0]))
    rest = normalise_label(text)
    chosen: list[int] = []
    while rest:
        rest = rest.lstrip()
        if rest.startswith(sep):
            rest = rest[len(sep) :]
            continue
        for name, k in names:
            after = rest[len(name) :]
            if name and rest.startswith(name) and (not after.strip() or after.lstrip().startswith(sep)):
                if k not in chosen:
                    chosen.append(k)
                rest = after
                break
        else:
            return chosen, rest
    return chosen, ""


#: At most this many bad values of a column are listed in one message.
_SHOWN = 8


def _fail(export, column: str, bad: list[tuple[int, str]], expected: str, quote: bool = True) -> InputError:
    """One error for every bad value of a column (``bad``: first record position and what was found,
    each distinct value once), in file order; the row is the first one's."""
    bad = sorted(bad)
    first = export.row_of(bad[0][0])
    if len(bad) == 1:
        return InputError(export.path, expected, row=first, column=column, found=bad[0][1])
    shown = ", ".join(
        f"{text!r} (row {export.row_of(pos)})" if quote else f"{text} (row {export.row_of(pos)})"
        for pos, text in bad[:_SHOWN]
    )
    more = f" and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else ""
    return InputError(
        export.path, f"{expected}; found {len(bad)} values it does not accept: {shown}{more}", row=first, column=column
    )


def _first_positions(codes: np.ndarray, n: int) -> np.ndarray:
    """Per distinct value (``n`` of them): the first record holding it, -1 if none does."""
    firsts = np.full(n, -1, dtype=np.int64)
    seen, first = np.unique(codes, return_index=True)
    keep = seen >= 0
    firsts[seen[keep]] = first[keep]
    return firsts


def decode_multi_select(export, item: Item, scale: Scale, columns: list[str]) -> MultiSelect:
    """Read one multi-select item from ``export`` (columns as :mod:`tieval.survey.ingest` matched
    them); every cell that is no mark of its option (split) or holds text that is no option
    (joined) raises :class:`InputError` naming its row, column and the text found."""
    n, k = export.n_records, len(scale.options)
    chosen = np.zeros((n, k), dtype=bool)
    shown = np.zeros(n, dtype=bool)
    if scale.layout == "joined":
        codes, uniques = distinct(export.frame[columns[0]])
        table = np.zeros((len(uniques) + 1, k), dtype=bool)
        firsts = _first_positions(codes, len(uniques))
        bad: list[tuple[int, str]] = []
        for u, value in enumerate(uniques):
            picked, rest = split_joined(str(value), scale)
            if rest and firsts[u] >= 0:
                bad.append((int(firsts[u]), f"{str(value)[:60]!r} (no option matches {rest[:40]!r})"))
            table[u, picked] = True
        if bad:
            labels = ", ".join(repr(o.label) for o in scale.options)
            expected = f"options of item {item.id} joined by {scale.separator!r}: {labels}"
            raise _fail(export, columns[0], bad, expected, quote=False)
        chosen = table[np.where(codes < 0, len(uniques), codes)]
        shown = chosen.any(axis=1)
        return MultiSelect(item.id, scale, columns, chosen, shown)
    for j, column in enumerate(columns):
        codes, uniques = distinct(export.frame[column])
        marks = _marks(scale, j)
        states = np.array([_split_state(str(u), marks) for u in uniques] + [_BLANK], dtype=np.int8)
        firsts = _first_positions(codes, len(uniques))
        bad = [(int(firsts[u]), str(uniques[u])[:60]) for u in np.flatnonzero(states[:-1] < 0) if firsts[u] >= 0]
        if bad:
            allowed = ", ".join(repr(m) for m in sorted(marks))
            expected = f"option {scale.options[j].label!r} of item {item.id} marked: chosen ({allowed}), 0 or blank"
            raise _fail(export, column, bad, expected)
        state = states[np.where(codes < 0, len(uniques), codes)]
        chosen[:, j] = state == _CHOSEN
        shown |= state != _BLANK
    return MultiSelect(item.id, scale, columns, chosen, shown)


def decode_all(export, study: Study) -> dict[str, MultiSelect]:
    """Every multi-select item of ``study`` read from ``export``, by item id."""
    columns = getattr(export, "multi_select_columns", {})
    return {
        it.id: decode_multi_select(export, it, study.scale_of(it), columns[it.id])
        for it in study.multi_select
        if it.id in columns
    }


def multi_select_rows(multi: dict[str, MultiSelect], order: np.ndarray) -> pd.DataFrame:
    """The processed-response rows of the multi-select items for the included records ``order``
    (positions, in output order): columns ``_rank`` (position in ``order``), ``item_id``, ``code``,
    ``label``, ``category``, ``missing_reason``, one row per record x option."""
    parts = []
    one, zero = store.FLOAT_FORMAT % 1.0, store.FLOAT_FORMAT % 0.0
    for q, m in enumerate(multi.values()):
        k = len(m.scale.options)
        chosen = m.chosen[order]
        answered = np.repeat(m.answered[order], k)
        flat = chosen.ravel()
        parts.append(
            pd.DataFrame(
                {
                    "_rank": np.repeat(np.arange(len(order)), k),
                    "_question": q,
                    "_option": np.tile(np.arange(k), len(order)),
                    "item_id": m.id,
                    "code": np.where(answered, np.where(flat, one, zero), ""),
                    "label": np.tile(np.array([o.label for o in m.scale.options], dtype=object), len(order)),
                    "category": np.where(answered, np.where(flat, SELECTED, NOT_SELECTED), ""),
                    "missing_reason": np.where(answered, "", "not_answered"),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["_rank", "_question", "_option", "item_id", "code", "label", "category"])
    return pd.concat(parts, ignore_index=True)


def with_multi_select(responses: pd.DataFrame, rows: pd.DataFrame, pseudo, constants: dict[str, str]) -> pd.DataFrame:
    """``responses`` (one row per respondent x rated item, respondents in ``pseudo`` order) with the
    multi-select ``rows`` (:func:`multi_select_rows`) placed after each respondent's rated items;
    columns the data contract does not name here (``study``, a wave) take ``constants``."""
    if not len(rows):
        return responses
    pseudo = pd.Index(pd.array(pseudo, dtype="str"))
    base_rank = pseudo.get_indexer(responses["respondent_id"].astype("str"))
    extra = pd.DataFrame({c: rows[c] for c in ("item_id", "code", "label", "category", "missing_reason")})
    extra["respondent_id"] = pseudo.take(rows["_rank"].to_numpy())
    for col in responses.columns:
        if col not in extra:
            extra[col] = constants.get(col, "")
    combined = pd.concat(
        [responses.astype({c: object for c in responses.columns}), extra[list(responses.columns)]], ignore_index=True
    )
    rank = np.concatenate([base_rank, rows["_rank"].to_numpy()])
    block = np.concatenate([np.zeros(len(responses), dtype=np.int64), 1 + rows["_question"].to_numpy()])
    within = np.concatenate([np.arange(len(responses)), rows["_option"].to_numpy()])
    combined = combined.take(np.lexsort((within, block, rank))).reset_index(drop=True)
    return pd.DataFrame(
        {c: pd.Categorical(combined[c].astype("str")) for c in combined.columns}, columns=responses.columns
    )


def expected_answers(study: Study, answered: np.ndarray) -> np.ndarray:
    """Per record, how many of ``study.items`` it was asked: all of them, less the items of every
    loop-and-merge iteration whose looped items it left all blank (``answered[r, j]``: record ``r``
    answered item ``j``).  Iterations are told apart by the loop's declared iterations and the prefix."""
    n, m = answered.shape
    expected = np.full(n, m, dtype=np.int64)
    if not study.loops:
        return expected
    loops = {it.id: tuple(str(x) for x in it.loop) for it in (study.spec.instrument.items if study.spec else ())}
    groups: dict[tuple, list[int]] = {}
    for j, it in enumerate(study.items):
        if it.id in study.loops:
            base, step = study.loops[it.id]
            groups.setdefault((loops.get(base, ()), step), []).append(j)
    for cols in groups.values():
        blank = ~answered[:, cols].any(axis=1)
        expected -= blank * len(cols)
    return expected
