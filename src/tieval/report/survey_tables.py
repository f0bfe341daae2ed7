"""Display frames of the survey appendix: table cells with count, base and interval, rebuilt tables, distributions."""

from __future__ import annotations

import pandas as pd

from tieval.config import Study
from tieval.survey.counts import (
    MISSING_CATEGORIES,
    MISSING_LABEL,
    NOT_STATED,
    category_display,
)
from tieval.survey.data import NO_ITEMS_REASON
from tieval.survey.intervals import wilson_interval
from tieval.survey.published_tables import PublishedTable, base_text

__all__ = [
    "scale_name",
    "render_item_table",
    "render_demographic_table",
    "render_comparison",
    "render_distributions",
    "percent_cell",
    "item_table_bases",
    "respondent_summary",
    "table_views",
    "item_groups",
    "item_label",
    "proportion_rows",
    "p_text",
    "render_wave_distributions",
    "render_change",
    "render_reliability",
    "render_item_total",
]


def percent_cell(percent, count, base, lower, upper, exact=None) -> str:
    """One table cell as the appendix shows it: ``85% (39/46) [72–93]`` (percent, count/base, Wilson 95 %);
    with ``exact`` (the unrounded percentage) when rounding changed it: ``2% (1/40 = 2.5%) [0–13]``."""
    if any(pd.isna(x) for x in (percent, count, base)):
        return ""
    lo = "" if pd.isna(lower) else f"{lower:.0f}"
    hi = "" if pd.isna(upper) else f"{upper:.0f}"
    shown = "" if exact is None or pd.isna(exact) or abs(exact - percent) < 1e-9 else f" = {exact:g}%"
    return f"{percent:.0f}% ({int(count)}/{int(base)}{shown}) [{lo}–{hi}]"


def scale_name(study: Study, scale_id: str) -> str:
    """A response scale as a reader knows it (not its config id): ``0 to 10`` for a numeric
    scale, ``Strongly disagree ... Strongly agree`` for one with answer options, else the id in words."""
    scale = study.scales[scale_id]
    if scale.type == "numeric" and scale.min is not None and scale.max is not None:
        return f"{scale.min:g} to {scale.max:g}"
    if len(scale.labels) >= 2:
        return f"{scale.labels[0]} ... {scale.labels[-1]}"
    return scale_id.replace("_", " ")


# --- rendering ------------------------------------------------------------------------------------
def _cell_text(frame: pd.DataFrame, cat: str) -> list[str]:
    out = []
    supp = frame.get(f"{cat}_suppressed")
    for i in range(len(frame)):
        if supp is not None and bool(supp.iloc[i]):
            out.append("suppressed")
            continue
        out.append(
            percent_cell(
                frame[f"{cat}_percent"].iloc[i],
                frame[f"{cat}_count"].iloc[i],
                frame[f"{cat}_base"].iloc[i],
                frame[f"{cat}_ci_lower"].iloc[i],
                frame[f"{cat}_ci_upper"].iloc[i],
                frame[f"{cat}_exact"].iloc[i] if f"{cat}_exact" in frame else None,
            )
        )
    return out


def _table_groups(table: PublishedTable, study: Study) -> list[tuple[tuple, list[int]]]:
    """Rows of an item table grouped by the categories their scale has (in table order)."""
    groups: dict[tuple, list[int]] = {}
    for i, iid in enumerate(table.frame["item_id"]):
        scale = study.scale_of(iid)
        cats = tuple(c for c in table.categories if c in scale.categories or c in MISSING_CATEGORIES)
        groups.setdefault(cats, []).append(i)
    return list(groups.items())


def render_item_table(table: PublishedTable, study: Study) -> list[pd.DataFrame]:
    """Display frames of an item table, one per group of items sharing a set of categories
    (e.g. the 0-10 items and the agreement items of Table 5); cells read ``85% (39/46) [72–93]``."""
    shown = []
    for cats, idx in _table_groups(table, study):
        part = table.frame.iloc[idx].reset_index(drop=True)
        scale = study.scale_of(part["item_id"].iloc[0])
        disp = pd.DataFrame({"Item": part["item_id"] + ". " + part["item"]})
        for c in cats:
            disp[category_display(scale, c)] = _cell_text(part, c)
        disp.attrs["numeric"] = list(disp.columns[1:])
        shown.append(disp)
    return shown


def item_table_bases(table: PublishedTable, study: Study) -> list[str]:
    """The base text (``n = 46`` or a range) of each display frame of :func:`render_item_table`."""
    out = []
    for cats, idx in _table_groups(table, study):
        part = table.frame.iloc[idx]
        out.append(base_text(pd.concat([part[f"{c}_base"] for c in cats])) if cats else "")
    return out


def render_demographic_table(table: PublishedTable, study: Study) -> pd.DataFrame:
    """Display frame of a demographic table: level, count, percent of those answering with its
    Wilson interval, and percent of all respondents."""
    f = table.frame
    text = {d.id: d.text for d in study.demographics}
    supp = f["suppressed"] if "suppressed" in f else pd.Series(False, index=f.index)
    return _numeric(
        pd.DataFrame(
            {
                "Question": f["demographic"].map(text),
                "Answer": f["level"],
                "n": ["suppressed" if s else str(c) for s, c in zip(supp, f["count"])],
                "% of those answering [95% CI]": [
                    "suppressed"
                    if s
                    else ("" if pd.isna(p) or lv == NOT_STATED else f"{p:.0f}% [{lo:.0f}–{hi:.0f}] of {b}")
                    for s, p, lo, hi, b, lv in zip(
                        supp, f["percent"], f["ci_lower"], f["ci_upper"], f["base"], f["level"]
                    )
                ],
                "% of all respondents": [
                    "suppressed" if s else ("" if pd.isna(p) else f"{p:.0f}% of {r}")
                    for s, p, r in zip(supp, f["percent_of_respondents"], f["respondents"])
                ],
            }
        ),
        "n",
        "% of those answering [95% CI]",
        "% of all respondents",
    )


def _numeric(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with ``columns`` declared numeric (numbers formatted as text, right-aligned when shown:
    ``frame.attrs["numeric"]``, read by :func:`tieval.report.present.table_html`)."""
    frame.attrs["numeric"] = [c for c in columns if c in frame.columns]
    return frame


def render_comparison(comp: pd.DataFrame) -> pd.DataFrame:
    """Display frame: figure, published, reproduced (at the printed precision), count/base, 95% CI, match."""
    ci = [("" if pd.isna(lo) else f"{lo:.1f}–{hi:.1f}") for lo, hi in zip(comp["ci_lower"], comp["ci_upper"])]
    return _numeric(
        pd.DataFrame(
            {
                "Figure": comp["figure_id"],
                "Category": comp["category"],
                "Unit": comp["unit"],
                "Published": comp["published"].map(lambda v: f"{v:g}"),
                "Reproduced": comp["reproduced"],
                "Count/base": [("" if pd.isna(k) else f"{k}/{n}") for k, n in zip(comp["count"], comp["base"])],
                "95% CI (%)": ci,
                "Match": comp["match"].map({"yes": "match", "no": "differs"}).fillna(""),
            }
        ),
        "Published",
        "Reproduced",
        "Count/base",
        "95% CI (%)",
    )


def render_distributions(dist: pd.DataFrame, study: Study) -> list[tuple[str, pd.DataFrame]]:
    """Display frames of the full distributions, one per scale: items down, answers across,
    cells ``n (p%)`` of everyone shown the item."""
    out = []
    by_scale: dict[str, list[str]] = {}
    for iid in dict.fromkeys(dist["item_id"]):
        by_scale.setdefault(study.scale_of(iid).id, []).append(iid)
    for scale_id, ids in by_scale.items():
        sub = dist[dist["item_id"].isin(ids)].copy()
        supp = sub["suppressed"] if "suppressed" in sub else pd.Series(False, index=sub.index)
        sub["cell"] = [
            "suppressed" if s else ("" if pd.isna(k) else f"{k} ({p:.0f}%)")
            for s, k, p in zip(supp, sub["count"], sub["percent"])
        ]
        labels = list(dict.fromkeys(sub["label"]))
        wide = sub.pivot(index="item_id", columns="label", values="cell").reindex(index=ids, columns=labels)
        wide = wide.rename(columns={MISSING_LABEL: "No answer"})
        wide.columns.name = None
        wide.insert(0, "n", sub.groupby("item_id")["base"].first().reindex(ids).astype(str))
        wide.index.name = "Item"
        out.append((scale_id, _numeric(wide.reset_index(), *wide.columns)))
    return out


def respondent_summary(respondents: pd.DataFrame) -> str:
    """One sentence on who is analysed: included (complete / partial) and excluded respondents."""
    counts = respondents["status"].value_counts()
    inc = int(counts.get("complete", 0) + counts.get("partial", 0))
    empty = int((respondents["exclusion_reason"] == NO_ITEMS_REASON).sum())
    other = int(counts.get("excluded", 0)) - empty
    return (
        f"{inc} respondents are analysed ({int(counts.get('complete', 0))} complete, "
        f"{int(counts.get('partial', 0))} partial). The cleaning step set aside {empty} response(s) "
        f"that answered no questionnaire item and {other} record(s) that were not responses "
        "(previews, tests, spam)."
    )


def table_views(table: PublishedTable, study: Study) -> list[tuple[pd.DataFrame, str, str]]:
    """What the appendix shows for one rebuilt table: (display frame, caption, base) tuples."""
    if table.layout == "items":
        caption = (
            f"{table.number} reproduced: percent of respondents answering the item (count/base) [Wilson 95% interval]"
        )
        return [
            (frame, caption, base)
            for frame, base in zip(render_item_table(table, study), item_table_bases(table, study))
        ]
    return [
        (
            render_demographic_table(table, study),
            f"{table.number} reproduced: respondents by answer, with the share of those answering "
            "[Wilson 95% interval] and of all respondents",
            table.base,
        )
    ]


def item_groups(study: Study, item_ids: list[str]) -> list[tuple[str, list[str]]]:
    """Items grouped for display: by construct (its label), else by group, in instrument order."""
    groups: dict[str, list[str]] = {}
    for it in study.items:
        if it.id not in item_ids:
            continue
        if it.construct:
            c = study.constructs.get(it.construct)
            title = c.label if c else it.construct
        else:
            title = (it.group or "Items").replace("_", " ").capitalize() if it.group else "Items"
        groups.setdefault(title, []).append(it.id)
    return list(groups.items())


def item_label(study: Study, item_id: str) -> str:
    """An item's wording, marked when it is negatively worded (reversed for scores)."""
    it = study.item(item_id)
    return it.text + (" [negatively worded]" if it.reverse else "")


def proportion_rows(rows: pd.DataFrame, study: Study, *, with_category: bool = True) -> pd.DataFrame:
    """Frame for :func:`tieval.report.charts.proportion_chart` from text proportions or a one-category
    table: label (item wording and answer), count, base, percent (unrounded), ci_lower, ci_upper."""
    rows = rows[rows["count"].notna()]
    items = {it.id for it in study.items}
    questions = {d.id: d.text for d in study.demographics}
    labels = []
    for iid, cat in zip(rows["item_id"], rows["category"]):
        if iid in items:
            text = item_label(study, iid)
            if with_category:
                text += f" — {category_display(study.scale_of(iid), cat)}"
        else:
            text = f"{questions.get(iid, iid)} — {cat}"
        labels.append(text)
    count = rows["count"].astype(float)
    base = rows["base"].astype(float)
    lo, hi = wilson_interval(count.to_numpy(), base.to_numpy())
    return pd.DataFrame(
        {
            "label": labels,
            "count": count.to_numpy(),
            "base": base.to_numpy(),
            "percent": (100 * count / base).to_numpy(),
            "ci_lower": 100 * lo,
            "ci_upper": 100 * hi,
        }
    )


# --- waves, change and reliability ---------------------------------------------------------------
def _num(x, digits: int = 2) -> str:
    return "" if pd.isna(x) else f"{x:.{digits}f}"


def p_text(p) -> str:
    """A p-value as the appendix prints it: 3 decimals, ``<0.001`` below that, blank when none."""
    if pd.isna(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _interval(lo, hi, digits: int = 2) -> str:
    return "" if pd.isna(lo) or pd.isna(hi) else f"[{lo:.{digits}f}, {hi:.{digits}f}]"


def render_wave_distributions(dist: pd.DataFrame, study: Study) -> list[tuple[str, pd.DataFrame]]:
    """Per scale, the answers of every item in every wave side by side: rows item and answer
    (a first row ``n`` per item with each wave's base), one column per wave, cells ``n (p%)``."""
    out = []
    waves = list(dict.fromkeys(dist["wave_label"]))
    by_scale: dict[str, list[str]] = {}
    for iid in dict.fromkeys(dist["item_id"]):
        by_scale.setdefault(study.scale_of(iid).id, []).append(iid)
    for scale_id, ids in by_scale.items():
        rows = []
        sub = dist[dist["item_id"].isin(ids)]
        supp = sub["suppressed"] if "suppressed" in sub else pd.Series(False, index=sub.index)
        cell = [
            "suppressed" if s else ("" if pd.isna(k) else f"{k} ({p:.0f}%)")
            for s, k, p in zip(supp, sub["count"], sub["percent"])
        ]
        sub = sub.assign(cell=cell)
        for iid in ids:
            one = sub[sub["item_id"] == iid]
            bases = one.groupby("wave_label", sort=False)["base"].first()
            rows.append({"Item": iid, "Answer": "n", **{w: "" if w not in bases else str(bases[w]) for w in waves}})
            for label in dict.fromkeys(one["label"]):
                cells = one[one["label"] == label].set_index("wave_label")["cell"]
                shown = "No answer" if label == MISSING_LABEL else label
                rows.append({"Item": iid, "Answer": shown, **{w: cells.get(w, "") for w in waves}})
        out.append((scale_id, _numeric(pd.DataFrame(rows, columns=["Item", "Answer", *waves]), *waves)))
    return out


def render_change(change: pd.DataFrame, family: str) -> pd.DataFrame:
    """Display frame of one family of ``change.csv`` rows: comparison, item or score, n, means,
    mean difference with its 95 % interval, test, statistic, p, Holm p, effect size(s)."""
    rows = change[change["family"] == family]
    frame = pd.DataFrame(
        {
            "Comparison": rows["comparison"].to_numpy(),
            "Measure": rows["item"].to_numpy(),
            "n": [
                f"{int(n)}" if rows["design"].iloc[0] == "linked" else f"{int(a)} / {int(b)}"
                for n, a, b in zip(rows["n"], rows["n_before"], rows["n_after"])
            ],  # fmt: skip
        }
    )
    if family == "agreement":
        frame["Counted as yes"] = rows["yes_codes"].to_numpy()
        frame["Change in proportion [95% CI]"] = [
            f"{_num(e)} {_interval(lo, hi)}".strip()
            for e, lo, hi in zip(rows["estimate"], rows["ci_lower"], rows["ci_upper"])
        ]
    else:
        frame["Mean before"] = [_num(x) for x in rows["mean_before"]]
        frame["Mean after"] = [_num(x) for x in rows["mean_after"]]
        frame["Mean difference [95% CI]"] = [
            f"{_num(e)} {_interval(lo, hi)}".strip()
            for e, lo, hi in zip(rows["mean_diff"], rows["mean_diff_lower"], rows["mean_diff_upper"])
        ]
    frame["Test"] = rows["test"].to_numpy()
    frame["Statistic"] = [_num(x) for x in rows["statistic"]]
    frame["p"] = [p_text(p) + (" (exact)" if "exact" in str(m) else "") for p, m in zip(rows["p"], rows["method"])]
    frame["p (Holm)"] = [p_text(p) for p in rows["p_holm"]]
    if family == "items":
        frame["Rank-biserial r"] = [_num(x) for x in rows["rank_biserial"]]
    elif family == "subscales":
        if rows["design"].iloc[0] == "linked":
            frame["d_z"] = [_num(x) for x in rows["d_z"]]
            frame["g_av"] = [_num(x) for x in rows["g_av"]]
        else:
            frame["Hedges' g"] = [_num(x) for x in rows["hedges_g"]]
    return _numeric(frame, *[c for c in frame.columns if c not in ("Comparison", "Measure", "Counted as yes", "Test")])


def render_reliability(scales: pd.DataFrame, *, with_wave: bool) -> pd.DataFrame:
    """Display frame of ``reliability.csv``: scale, (wave), items, n, alpha with its Feldt
    interval, omega, why one is missing, and the published reference alpha only where the
    instrument declares one."""
    frame = pd.DataFrame({"Scale": scales["label"].to_numpy()})
    if with_wave:
        frame["Wave"] = scales["wave"].to_numpy()
    frame["Items"] = scales["k"].to_numpy()
    frame["n"] = scales["n"].to_numpy()
    frame["Alpha [95% CI]"] = [
        f"{_num(a)} {_interval(lo, hi)}".strip()
        for a, lo, hi in zip(scales["alpha"], scales["alpha_lower"], scales["alpha_upper"])
    ]
    frame["Omega"] = [_num(x) for x in scales["omega"]]
    frame["Note"] = scales["note"].to_numpy()
    if scales["reference_alpha"].notna().any():
        frame["Reference alpha"] = [_num(x) for x in scales["reference_alpha"]]
    return _numeric(frame, "Items", "n", "Alpha [95% CI]", "Omega", "Reference alpha")


def render_item_total(items: pd.DataFrame, *, with_wave: bool) -> pd.DataFrame:
    """Display frame of the item statistics: scale, (wave), item (marked when reversed), n,
    mean, SD, item-rest correlation, alpha if the item is deleted."""
    frame = pd.DataFrame({"Scale": items["scale"].to_numpy()})
    if with_wave:
        frame["Wave"] = items["wave"].to_numpy()
    frame["Item"] = [i + (" (reversed)" if r else "") for i, r in zip(items["item"], items["reverse"])]
    frame["n"] = items["n"].to_numpy()
    frame["Mean"] = [_num(x) for x in items["mean"]]
    frame["SD"] = [_num(x) for x in items["sd"]]
    frame["Item-rest r"] = [_num(x) for x in items["item_rest_r"]]
    frame["Alpha if deleted"] = [_num(x) for x in items["alpha_if_deleted"]]
    return _numeric(frame, "n", "Mean", "SD", "Item-rest r", "Alpha if deleted")
