"""The study at a glance: its design, participant flow, instrument and qualitative sessions.

Used by :mod:`tieval.steps.overview`; everything comes from ``study.yml``.
"""

from __future__ import annotations

import pandas as pd

from tieval.config import Study

__all__ = [
    "report_table",
    "flow_table",
    "flow_figure",
    "flow_alt_text",
    "instrument_table",
    "sessions_table",
    "scales_table",
    "themes_table",
]


def report_table(study: Study) -> pd.DataFrame:
    """The report's metadata as a two-column table."""
    keys = ["title", "organisation", "year", "authors", "citation", "source"]
    rows = [(k, str(study.report[k])) for k in keys if study.report.get(k) not in (None, "")]
    return pd.DataFrame(rows, columns=["field", "value"])


def flow_table(study: Study) -> pd.DataFrame:
    """Participant-flow stages with their parent stage (the previous stage unless ``parent`` is set)."""
    rows = []
    previous = ""
    for stage in study.flow:
        parent = stage.get("parent", previous)
        rows.append(
            {
                "stage": stage["id"],
                "label": stage["label"],
                "n": stage["n"],
                "approximate": bool(stage.get("approximate", False)),
                "parent": parent,
            }
        )
        previous = stage["id"]
    return pd.DataFrame(rows, columns=["stage", "label", "n", "approximate", "parent"])


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
