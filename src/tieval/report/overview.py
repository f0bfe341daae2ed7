"""The study at a glance: its design, participant flow, instrument and qualitative sessions.

Used by :mod:`tieval.steps.overview`; everything comes from ``study.yml``.
"""

from __future__ import annotations

import pandas as pd

from tieval.config import Study

__all__ = [
    "report_table",
    "flow_table",
    "waves_table",
    "cleaned_flow_stages",
    "flow_figure",
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
    :func:`flow_table`): per wave its records, responses received and analysed; then the people
    linked across all waves and each later wave's non-response, both branching from the first
    wave's analysed responses (the attrition between waves).  Built from the cleaning step's
    ``exclusions.csv`` (:func:`tieval.survey.clean.linkage_counts`)."""
    n = dict(zip(exclusions["stage"], exclusions["n"].astype(int)))
    rows = []
    for wave in study.waves:
        parent = ""
        for stage, what in (("records", "records"), ("received", "responses received"), ("responses", "analysed")):
            key = f"{wave.id}.{stage}"
            if key in n:
                rows.append((key, f"{wave.label}: {what}", n[key], False, parent, wave.id))
                parent = key
    first = f"{study.waves[0].id}.responses" if study.waves else ""
    if "linkage.linked" in n:
        rows.append(("linkage.linked", "Linked: analysed in every wave", n["linkage.linked"], False, first, ""))
    for wave in study.waves[1:]:
        key = f"linkage.{wave.id}_nonresponse"
        if key in n:
            rows.append((key, f"No {wave.label} response (non-response)", n[key], False, first, wave.id))
    return pd.DataFrame(rows, columns=["stage", "label", "n", "approximate", "parent", "wave"])


def _layout(flow: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Tree layout: depth gives the row, leaves are spread across columns."""
    children: dict[str, list[str]] = {}
    for stage, parent in zip(flow["stage"], flow["parent"]):
        children.setdefault(parent, []).append(stage)
    pos: dict[str, tuple[float, float]] = {}
    next_x = [0.0]

    def place(node: str, depth: int) -> float:
        kids = children.get(node, [])
        if not kids:
            x = next_x[0]
            next_x[0] += 1
        else:
            xs = [place(k, depth + 1) for k in kids]
            x = sum(xs) / len(xs)
        pos[node] = (x, -depth)
        return x

    for root in children.get("", []):
        place(root, 0)
    return pos


def flow_figure(study: Study):
    """A participant-flow diagram: one box per stage with its n, arrows from each parent stage."""
    import matplotlib.pyplot as plt  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    flow = flow_table(study)
    pos = _layout(flow)
    width = max(x for x, _ in pos.values()) + 1
    depth = -min(y for _, y in pos.values()) + 1
    fig, ax = plt.subplots(figsize=(max(6.0, 3.2 * width), 1.3 * depth + 0.4))
    for row in flow.itertuples():
        x, y = pos[row.stage]
        n = f"≈{row.n:,}" if row.approximate else f"{row.n:,}"
        ax.text(
            x,
            y,
            f"{row.label}\nn = {n}",
            ha="center",
            va="center",
            fontsize=9,
            wrap=True,
            bbox={"boxstyle": "round,pad=0.5", "facecolor": "#deebf7", "edgecolor": "#3182bd"},
        )
        if row.parent:
            px, py = pos[row.parent]
            ax.annotate(
                "", xy=(x, y + 0.28), xytext=(px, py - 0.28), arrowprops={"arrowstyle": "->", "color": "#555555"}
            )
    ax.set_xlim(-0.7, width - 0.3)
    ax.set_ylim(-depth + 0.5, 0.5)
    ax.axis("off")
    return fig


def flow_alt_text(study: Study) -> str:
    """Alt text of the flow figure: every stage and its n in words."""
    parts = []
    for row in flow_table(study).itertuples():
        approx = "about " if row.approximate else ""
        parts.append(f"{row.label}: {approx}{row.n}")
    return "Participant flow diagram. " + "; ".join(parts) + "."


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
