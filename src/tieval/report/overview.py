"""The study at a glance: its design, participant flow, instrument and qualitative sessions.

Used by :mod:`tieval.steps.overview`; everything comes from ``study.yml``.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pandas as pd

from tieval.config import Study

__all__ = [
    "report_table",
    "flow_table",
    "waves_table",
    "cleaned_flow_stages",
    "flow_count",
    "flow_number",
    "flow_layout",
    "flow_figure",
    "boxes_overlap",
    "layout_json",
    "write_layout",
    "flow_alt_text",
    "instrument_table",
    "sessions_table",
    "scales_table",
    "themes_table",
]


def report_table(study: Study) -> pd.DataFrame:
    """The report's metadata as a two-column table."""
    keys = ["title", "organisation", "year", "authors", "citation"]
    rows = [(k, str(study.report[k])) for k in keys if study.report.get(k) not in (None, "")]
    return pd.DataFrame(rows, columns=["field", "value"])


def flow_table(study: Study) -> pd.DataFrame:
    """Participant-flow stages with their parent stage (the previous stage unless ``parent`` is set)
    and their wave (``design.flow[].wave``; '' for a stage of the whole study, such as the people
    linked across waves or those lost at follow-up).

    A stage id used in more than one wave is qualified by its wave (``baseline.responses``); a
    ``parent`` naming such an id means the stage of the same wave (else its first use)."""
    flow = study.flow
    counts: dict[str, int] = {}
    for stage in flow:
        counts[stage["id"]] = counts.get(stage["id"], 0) + 1
    keys = [f"{st['wave']}.{st['id']}" if counts[st["id"]] > 1 and st.get("wave") else st["id"] for st in flow]

    def resolve(parent: str, wave: str) -> str:
        if counts.get(parent, 0) <= 1:
            return parent
        same = [k for k, st in zip(keys, flow) if st["id"] == parent and st.get("wave", "") == wave]
        return same[0] if same else next(k for k, st in zip(keys, flow) if st["id"] == parent)

    rows = []
    previous = ""
    for key, stage in zip(keys, flow):
        wave = str(stage.get("wave", "") or "")
        parent = resolve(stage["parent"], wave) if "parent" in stage else previous
        rows.append(
            {
                "stage": key,
                "label": stage["label"],
                "n": stage["n"],
                "approximate": bool(stage.get("approximate", False)),
                "parent": parent,
                "wave": wave,
            }
        )
        previous = key
    return pd.DataFrame(rows, columns=["stage", "label", "n", "approximate", "parent", "wave"])


def waves_table(study: Study) -> pd.DataFrame:
    """The study's waves (``design.waves``) in time order: id, label, timing and export file(s)."""
    rows = []
    for wave in study.waves:
        ws = wave.survey
        files = (
            ", ".join((ws.file,) if ws and ws.file else ws.files) if ws else (study.survey.file if study.survey else "")
        )
        rows.append({"wave": wave.id, "label": wave.label, "timing": wave.timing, "export": files})
    return pd.DataFrame(rows, columns=["wave", "label", "timing", "export"])


def cleaned_flow_stages(exclusions: pd.DataFrame, study: Study) -> pd.DataFrame:
    """The cleaned participant flow of a study with waves, as flow-diagram stages (the columns of
    :func:`flow_table`; ``parent`` lists several stages joined by ', '): per wave its records,
    responses received and analysed; then the linkage: the people linked across all waves (from
    every wave's analysed responses), and the attrition between waves: each later wave's
    non-response (people analysed in the wave before with no response in it), and each wave's
    people found in it only.  With two waves, baseline only and follow-up non-response are the same
    people and are one box.  Non-response is a stage of its own, never mixed with skipped items.
    Built from the cleaning step's ``exclusions.csv`` (:func:`tieval.survey.clean.linkage_counts`)."""
    n = dict(zip(exclusions["stage"], exclusions["n"].astype(int)))
    rows = []
    analysed: dict[str, str] = {}
    for wave in study.waves:
        parent = ""
        for stage, what in (("records", "records"), ("received", "responses received"), ("responses", "analysed")):
            key = f"{wave.id}.{stage}"
            if key in n:
                rows.append((key, f"{wave.label}: {what}", n[key], False, parent, wave.id))
                parent = key
        if parent:
            analysed[wave.id] = parent
    waves = [w for w in study.waves if w.id in analysed]
    two = len(waves) == 2
    for j, wave in enumerate(waves):
        key = f"linkage.{wave.id}_nonresponse"
        if j and key in n:
            before = waves[j - 1]
            label = (
                f"{before.label} only: no {wave.label} response (non-response)"
                if two
                else (f"No {wave.label} response (non-response after {before.label})")
            )
            rows.append((key, label, n[key], False, analysed[before.id], wave.id))
        only = f"linkage.{wave.id}_only"
        if only in n and not (two and j == 0):
            rows.append(
                (only, f"{wave.label} only: not linked to another wave", n[only], False, analysed[wave.id], wave.id)
            )
    if "linkage.linked" in n:
        joined = ", ".join(analysed[w.id] for w in waves)
        rows.append(("linkage.linked", "Linked: analysed in every wave", n["linkage.linked"], False, joined, ""))
    return pd.DataFrame(rows, columns=["stage", "label", "n", "approximate", "parent", "wave"])


_APPROX = re.compile(
    r"^\s*(?:≈|~|about|approximately|approx\.?|around|c\.|ca\.?)\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*$", re.I
)


def flow_count(value) -> tuple[float, bool]:
    """A flow stage's n as (number, approximate): a number as it is; text such as "≈3,000",
    "~3000" or "about 3000" as its number, approximate.  Anything else is a ValueError.

    >>> flow_count("≈3,000")
    (3000.0, True)
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number of people, found {value!r}")
    if isinstance(value, (int, float)):
        return float(value), False
    text = str(value).strip()
    m = _APPROX.match(text)
    if m:
        return float(m.group(1).replace(",", "")), True
    try:
        return float(text.replace(",", "")), False
    except ValueError:
        raise ValueError(f"expected a number of people (or 'about 3,000'), found {value!r}") from None


def flow_number(n, approximate: bool = False) -> str:
    """A flow count as the diagram and its alt text print it: ``3,000``, ``about 3,000`` when the
    report gives it as approximate (or the config writes it "≈3,000", "~3000", "about 3000")."""
    number, approx = flow_count(n)
    shown = f"{int(number):,}" if float(number).is_integer() else f"{number:,}"
    return f"about {shown}" if approximate or approx else shown


def _parents(value) -> list[str]:
    """The stages a flow stage comes from: its ``parent`` cell, several joined by ', '."""
    return [p.strip() for p in str(value or "").split(",") if p.strip()]


def _flow_stages(flow: pd.DataFrame) -> list[dict]:
    """The rows of a flow table (:func:`flow_table`, :func:`cleaned_flow_stages`) as the boxes of
    :func:`tieval.report.charts.flow_layout`: wrapped label and its n."""
    from tieval.report.charts import FLOW_WRAP  # noqa: PLC0415 - keeps this module free of numpy

    return [
        {
            "id": row.stage,
            "text": "\n".join(textwrap.wrap(str(row.label), FLOW_WRAP) or [str(row.label)])
            + f"\nn = {flow_number(row.n, row.approximate)}",
            "parents": _parents(row.parent),
        }
        for row in flow.itertuples(index=False)
    ]


def flow_layout(flow: pd.DataFrame) -> dict:
    """The box geometry of the flow diagram of ``flow`` (the columns of :func:`flow_table`): boxes
    sized by measured text, placed so none overlap (:func:`tieval.report.charts.flow_layout`).
    Written beside the figure as ``participant_flow.layout.json``."""
    from tieval.report.charts import flow_layout as layout  # noqa: PLC0415 - matplotlib: heavy

    return layout(_flow_stages(flow))


def flow_figure(study: Study | pd.DataFrame, layout: dict | None = None):
    """A participant-flow diagram: one box per stage with its n, arrows from each parent stage.

    ``study``: a study (its reported flow, :func:`flow_table`) or a flow table itself (such as
    :func:`cleaned_flow_stages`); ``layout``: its :func:`flow_layout` when already computed."""
    from tieval.report.charts import flow_chart  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    flow = flow_table(study) if isinstance(study, Study) else study
    return flow_chart(layout if layout is not None else flow_layout(flow))


def boxes_overlap(layout: dict) -> list[tuple[str, str]]:
    """Pairs of box ids of a flow layout (``participant_flow.layout.json``) whose rectangles overlap
    (share some area; boxes that only touch do not).  Empty when the diagram is legible."""
    boxes = layout["boxes"]
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if min(a["x1"], b["x1"]) > max(a["x0"], b["x0"]) and min(a["y1"], b["y1"]) > max(a["y0"], b["y0"]):
                out.append((str(a["id"]), str(b["id"])))
    return out


def layout_json(layout: dict) -> str:
    """A flow layout as the text of ``participant_flow.layout.json`` (keys sorted, so the same layout
    gives the same bytes)."""
    return json.dumps(layout, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_layout(layout: dict, path: Path) -> Path:
    """Write a flow layout to ``path`` (:func:`layout_json`) atomically, recorded as an output of the step."""
    from tieval import store  # noqa: PLC0415 - only the steps' write functions need it

    with store.atomic_write(path, "w") as handle:
        handle.write(layout_json(layout))
    return store.note_output(path)


#: The longest alt text of the flow figure (the full list of stages is in the table beside it).
ALT_LIMIT = 250


def flow_alt_text(study: Study | pd.DataFrame) -> str:
    """Alt text of the flow figure: every stage and its n in words when that fits in
    :data:`ALT_LIMIT` characters, else the first and the final stages (the table gives them all)."""
    flow = flow_table(study) if isinstance(study, Study) else study
    parts = [f"{row.label}: {flow_number(row.n, row.approximate)}" for row in flow.itertuples()]
    full = "Participant flow diagram. " + "; ".join(parts) + "."
    if len(full) <= ALT_LIMIT:
        return full
    ends = {p for row in flow.itertuples() for p in _parents(row.parent)}
    leaves = [p for p, row in zip(parts, flow.itertuples()) if row.stage not in ends]
    short = f"Participant flow diagram of {len(parts)} stages, from {parts[0]}, to {'; '.join(leaves)}."
    if len(short) <= ALT_LIMIT:
        return short
    head = f"Participant flow diagram of {len(parts)} stages (listed in the table above), from "
    return head + textwrap.shorten(parts[0], ALT_LIMIT - len(head) - 1, placeholder="…") + "."


def instrument_table(study: Study) -> pd.DataFrame:
    """Every questionnaire item with its wording, scale, construct and sub-construct."""
    rows = []
    for it in study.items:
        construct = study.constructs.get(it.construct)
        rows.append(
            {
                "item": it.id,
                "wording": it.text,
                "scale": it.scale,
                "construct": construct.label if construct else it.construct,
                "sub-construct": it.subconstruct,
                "reverse-scored": "yes" if it.reverse else "",
                "wording source": it.wording_source,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["item", "wording", "scale", "construct", "sub-construct", "reverse-scored", "wording source"]
    )
    return frame.loc[:, (frame != "").any(axis=0)] if len(frame) else frame


def scales_table(study: Study) -> pd.DataFrame:
    """Each response scale: its answers (or range), collapsed categories and not-relevant answers."""
    rows = []
    for scale in study.scales.values():
        if scale.type == "numeric":
            answers = f"{scale.min:g} to {scale.max:g}" + (
                " (" + "; ".join(f"{k} = {v}" for k, v in sorted(scale.anchors.items())) + ")" if scale.anchors else ""
            )
        else:
            answers = "; ".join(scale.labels)
        rows.append(
            {
                "scale": scale.id,
                "type": scale.type,
                "answers": answers,
                "categories": ", ".join(scale.categories),
                "not relevant answers": "; ".join(scale.not_relevant),
            }
        )
    return pd.DataFrame(rows)


def sessions_table(study: Study) -> pd.DataFrame:
    """Qualitative data collection: who was interviewed when."""
    sessions = study.design.get("qualitative", {}).get("sessions", [])
    return pd.DataFrame(
        [
            {
                "session": s["id"],
                "kind": s["kind"],
                "timepoint": s.get("timepoint", ""),
                "participants": s["n"],
                "note": s.get("note", ""),
            }
            for s in sessions
        ],
        columns=["session", "kind", "timepoint", "participants", "note"],
    )


def themes_table(study: Study) -> pd.DataFrame:
    """The themes as the report names them (``design.qualitative.themes`` of study.yml), one row each."""
    return pd.DataFrame(study.themes)
