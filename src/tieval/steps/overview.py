"""Step 01, the study overview: the report, participant flow, sessions, questionnaire and published numbers.

Everything comes from ``study.yml`` and ``published/figures.csv``; the only files the step
writes are the participant-flow figure and its box geometry (``participant_flow.layout.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tieval.config import Study
from tieval.paths import step_dir
from tieval.published import inventory, load_published
from tieval.report import overview
from tieval.report.figures import AppendixFigure, render, write_figure
from tieval.report.present import Block, Note, Table, figures_in

__all__ = ["STEP", "OverviewResult", "run", "write"]

STEP = "01_study_overview"


@dataclass(frozen=True)
class OverviewResult:
    """Every section of the overview appendix, as display blocks."""

    study: Study
    report: tuple[Block, ...]
    flow: tuple[Block, ...]
    sessions: tuple[Block, ...]
    questionnaire: tuple[Block, ...]
    published: tuple[Block, ...]
    notes: dict[str, str] = field(default_factory=dict)
    #: the flow diagram's box geometry (:func:`tieval.report.overview.flow_layout`)
    flow_layout: dict = field(default_factory=dict)

    @property
    def figures(self) -> list[AppendixFigure]:
        """The figures of every section, in appendix order."""
        return figures_in(self.report, self.flow, self.sessions, self.questionnaire, self.published)


def run(study: Study) -> OverviewResult:
    """Build the overview of ``study`` (reads ``published/figures.csv``; writes nothing)."""
    figures = load_published(study)
    layout = overview.flow_layout(overview.flow_table(study))
    flow_figure = render(
        "participant_flow",
        overview.flow_figure(study, layout),
        alt=overview.flow_alt_text(study),
        caption="Participant flow ('about' marks a number the report gives as approximate).",
        base="counts printed in the report",
        tight=False,
    )
    return OverviewResult(
        study,
        report=(Table(overview.report_table(study), "Report"), Note(study.design.get("summary", ""))),
        flow=(
            *_waves(study),
            Table(
                overview.flow_table(study) if study.waves else overview.flow_table(study).drop(columns="wave"),
                "Participant flow as reported",
                base="counts printed in the report"
                + ("; wave: the design.waves stage it belongs to" if study.waves else ""),
            ),
            flow_figure,
        ),
        sessions=(
            Table(overview.sessions_table(study), "Interviews and focus groups", base="participants per session type"),
            Table(overview.themes_table(study), "Themes as the report names them"),
        ),
        questionnaire=(
            Table(overview.scales_table(study), "Response scales"),
            Table(
                overview.instrument_table(study),
                "Questionnaire items",
                base=f"{len(study.items)} items",
                max_rows=None,
            ),
        ),
        published=(
            Table(inventory(figures), "Published figures by location", base=f"{len(figures)} figures", max_rows=None),
            Table(figures.groupby("unit").size().rename("figures").reset_index(), "Published figures by unit"),
        ),
        flow_layout=layout,
    )


def _waves(study: Study) -> tuple[Block, ...]:
    """The waves of a study with ``design.waves`` (nothing for a cross-sectional study)."""
    if not study.waves:
        return ()
    linked = (
        f"; respondents are paired across waves by {study.survey.link_key}"
        if study.survey and study.survey.link_key
        else ""
    )
    return (
        Table(overview.waves_table(study), "Survey waves", base=f"{len(study.waves)} waves, in time order{linked}"),
    )


def write(result: OverviewResult) -> list[Path]:
    """Write the step's figures (``participant_flow.png``) and the flow diagram's box geometry
    (``participant_flow.layout.json``) to ``outputs/<study>/01_study_overview/``."""
    folder = step_dir(result.study.id, STEP)
    written = [write_figure(figure, folder) for figure in result.figures]
    if result.flow_layout:
        written.append(overview.write_layout(result.flow_layout, folder / "participant_flow.layout.json"))
    return written
