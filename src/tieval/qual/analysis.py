"""Qualitative evidence: the codebook, the codings, and the tables of the qualitative appendix.

The analysts' judgements are data.  ``data/<study>/analysis/codebook.yml``
holds the themes and codes; ``raw/excerpts.csv`` the published quotations
verbatim; ``raw/codings.csv`` (or a QDA export read by :mod:`tieval.qual.qda`)
which excerpt carries which code; ``raw/participants.csv`` who the
interviewed participants were.  This module loads and checks them and builds
the appendix tables: theme by participant matrix, prevalence by timepoint or
sector, quotations under each theme, barrier counts beside the report's own,
the participant cases and the qualitative participants table.  (Word
frequencies of the three-words answers are :mod:`tieval.survey.words`.)

The formats of ``codebook.yml``, ``excerpts.csv``, ``codings.csv`` and
``participants.csv`` are documented in ``data/README.md`` (key tables generated
from :mod:`tieval.qual.codebook`).

The published allocation (coder ``report``) is: every excerpt gets the code of
the heading it is printed under, plus its ``lead_ins`` code.  A problem in the
codebook raises :class:`~tieval.errors.ConfigError` naming the file and the
dotted key (``themes[2].children[0].construct``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tieval.config import Study
from tieval.errors import ConfigError, InputError
from tieval.qual.codebook import Codebook, load_codebook, theme_anchor
from tieval.schema import CODINGS, EXCERPTS, REPRODUCED, require_columns
from tieval.store import note_input, read_csv

__all__ = [
    "PARTICIPANTS",
    "REPORT_CODER",
    "QualitativeData",
    "load",
    "load_excerpts",
    "check_excerpts",
    "derive_codings",
    "load_codings",
    "check_codings",
    "compare_codings",
    "with_ancestors",
    "at_theme_level",
    "load_participants",
    "check_participants",
    "speaker_sector",
    "participant_key",
    "theme_matrix",
    "prevalence",
    "prevalence_groups",
    "quotations",
    "barrier_counts",
    "cases_table",
    "participants_table",
    "anonymous_label",
    "redacted",
    "participants_reproduced",
    "qdpx_round_trip",
    "prevalence_table",
    "quotations_html",
    "theme_agreement",
]


#: Columns of ``raw/participants.csv``: one row per interviewed participant.
#: ``timepoints`` and ``training_attended`` hold ``; ``-separated values; ``reconstructed``
#: is ``true`` when a value in the row is not printed in the report (``note`` says which and why).
PARTICIPANTS = ["participant", "sector", "session_kind", "timepoints", "training_attended", "reconstructed", "note"]

#: Coder name of the report's own allocation of excerpts to codes.
REPORT_CODER = "report"


# --------------------------------------------------------------------------- codebook


@dataclass
class QualitativeData:
    """A study's qualitative material, loaded and checked: codebook, excerpts, codings, participants."""

    codebook: Codebook
    excerpts: pd.DataFrame
    codings: pd.DataFrame
    participants: pd.DataFrame | None
    codings_derived: bool = False  # True when the study has no codings file and the report's allocation is used


def load(study: Study) -> QualitativeData | None:
    """Load everything qualitative a study has; ``None`` when it has no excerpts or no codebook.

    Without a codings file the codings are the report's allocation (:func:`derive_codings`).
    Participants, when listed, are checked against the excerpts' speakers."""
    if not (study.has_input("excerpts") and study.has_input("codebook")):
        return None
    codebook = load_codebook(study)
    excerpts = load_excerpts(study)
    derived = not study.has_input("codings")
    codings = derive_codings(excerpts, codebook) if derived else load_codings(study, codebook, excerpts)
    participants = load_participants(study)
    if participants is not None:
        check_participants(participants, excerpts)
    return QualitativeData(codebook, excerpts, codings, participants, derived)


# --------------------------------------------------------------------------- excerpts

_EXCERPT_COLUMNS = [c for c in EXCERPTS if c != "study"]


def load_excerpts(study: Study) -> pd.DataFrame:
    """Read and check ``raw/excerpts.csv``; returns it with a ``study`` column first."""
    path = study.path("excerpts")
    frame = read_csv(path)
    check_excerpts(frame, path)
    return frame.assign(study=study.id)[EXCERPTS]


def check_excerpts(frame: pd.DataFrame, path) -> None:
    """Raise :class:`InputError` for missing columns, empty or duplicate excerpt ids, or empty text."""
    require_columns(frame, _EXCERPT_COLUMNS, path)
    _first_bad(frame["excerpt_id"].str.strip() == "", path, frame, "excerpt_id", "an excerpt id")
    _first_bad(frame["excerpt_id"].duplicated(), path, frame, "excerpt_id", "an excerpt id used once")
    _first_bad(frame["text"].str.strip() == "", path, frame, "text", "the quotation's text")


def _first_bad(mask: pd.Series, path, frame: pd.DataFrame, column: str, expected: str) -> None:
    """Raise for the first row where ``mask`` holds (header is row 1, so data row i is row i + 2)."""
    if mask.any():
        i = int(mask.to_numpy().nonzero()[0][0])
        raise InputError(path, expected, row=i + 2, column=column, found=frame[column].iloc[i])


def redacted(excerpts: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Excerpts for display: the names the study redacts from free text (``survey.redact_names``)
    replaced by ``[name]`` (with e-mails, URLs and phone numbers), as in processed free text.
    The committed excerpts stay verbatim."""
    from tieval.survey.redact import redact_series

    names = study.survey.redact_names if study.survey is not None else ()
    return excerpts.assign(text=redact_series(excerpts["text"], names).texts.to_numpy())


def anonymous_label(source: str) -> str:
    """Column label for excerpts without a speaker (anonymous questionnaire answers)."""
    return f"{source} (anonymous)" if source else "anonymous"


def participant_key(label: str) -> tuple:
    """Sort key that puts 'Participant 2' before 'Participant 10'."""
    return tuple(int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", str(label)))


# --------------------------------------------------------------------------- codings


def derive_codings(excerpts: pd.DataFrame, codebook: Codebook, coder: str = REPORT_CODER) -> pd.DataFrame:
    """The published allocation: each excerpt's section code plus its ``lead_ins`` code.

    Raises :class:`ConfigError` on the codebook for a section heading it does not map
    or a lead-in naming an excerpt that does not exist."""
    sections = excerpts["section"].map(codebook.sections)
    missing = sections.isna()
    if missing.any():
        i = int(missing.to_numpy().nonzero()[0][0])
        raise ConfigError(
            codebook.file,
            f"a code for the section heading of excerpt "
            f"{excerpts['excerpt_id'].iloc[i]} (raw/excerpts.csv row {i + 2})",
            column="sections",
            found=excerpts["section"].iloc[i],
        )
    rows = pd.DataFrame({"excerpt_id": excerpts["excerpt_id"], "code_id": sections})
    known = set(excerpts["excerpt_id"])
    for eid in codebook.lead_ins:
        if eid not in known:
            raise ConfigError(codebook.file, "an excerpt id of raw/excerpts.csv", column=f"lead_ins.{eid}", found=eid)
    leads = pd.DataFrame({"excerpt_id": list(codebook.lead_ins), "code_id": list(codebook.lead_ins.values())})
    out = pd.concat([rows, leads], ignore_index=True).assign(coder=coder)
    return _sort_codings(out.drop_duplicates(), excerpts, codebook)


def _sort_codings(codings: pd.DataFrame, excerpts: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Codings in excerpt order, then codebook order, then coder."""
    eorder = {e: i for i, e in enumerate(excerpts["excerpt_id"])}
    corder = {c: i for i, c in enumerate(codebook.codes)}
    out = codings.assign(_e=codings["excerpt_id"].map(eorder), _c=codings["code_id"].map(corder))
    out = out.sort_values(["_e", "_c", "coder"], kind="stable").drop(columns=["_e", "_c"])
    return out[CODINGS].reset_index(drop=True)


def load_codings(study: Study, codebook: Codebook, excerpts: pd.DataFrame, name: str = "codings") -> pd.DataFrame:
    """Read the codings named ``inputs.<name>`` and check them.

    A ``.csv`` with the columns ``excerpt_id, code_id, coder`` is read as it is; anything
    else is a coding program's export (REFI-QDA .qdpx, Taguette or QualCoder CSV) read by
    :func:`tieval.qual.qda.read_codings` and tied to the study's excerpts and codebook by
    :func:`tieval.qual.qda.match_codings`.  A Taguette export has no coder column: its codings
    are attributed to the file's name (stem).  A coding that matches no excerpt or no
    code raises :class:`InputError` naming the export, with the reason."""
    path = study.path(name)
    if path.suffix.lower() == ".csv" and _is_tidy_csv(path):
        frame = read_csv(path)
        require_columns(frame, CODINGS, path)
        frame = frame[CODINGS]
    else:
        from tieval.qual import qda

        note_input(path)
        tables = qda.match_codings(qda.read_codings(path, coder=path.stem), excerpts, codebook.table())
        if len(tables.unmatched):
            bad = tables.unmatched.iloc[0]
            raise InputError(
                path,
                "codings that match one excerpt and one code of the codebook "
                f"({len(tables.unmatched)} do not; first: {bad['reason']})",
                column=bad["source"],
                found=bad["code"],
            )
        frame = tables.codings
    return check_codings(frame, codebook, excerpts, path)


def _is_tidy_csv(path: Path) -> bool:
    """Whether a CSV's header holds the tidy codings columns (else it is a program's export)."""
    with open(path, encoding="utf-8-sig") as handle:
        header = handle.readline()
    return all(c in [h.strip().strip('"') for h in header.split(",")] for c in CODINGS)


def check_codings(codings: pd.DataFrame, codebook: Codebook, excerpts: pd.DataFrame, path) -> pd.DataFrame:
    """Raise :class:`InputError` naming ``path`` for an unknown excerpt or code, an empty coder
    or a repeated row; return the codings sorted."""
    codings = codings.astype({c: str for c in CODINGS})
    _first_bad(
        ~codings["excerpt_id"].isin(set(excerpts["excerpt_id"])),
        path,
        codings,
        "excerpt_id",
        "an excerpt id of raw/excerpts.csv",
    )
    _first_bad(
        ~codings["code_id"].isin(set(codebook.codes)), path, codings, "code_id", "a code id of analysis/codebook.yml"
    )
    _first_bad(codings["coder"].str.strip() == "", path, codings, "coder", "the coder's name")
    _first_bad(codings.duplicated(CODINGS), path, codings, "code_id", "each excerpt, code and coder once")
    return _sort_codings(codings, excerpts, codebook)


def compare_codings(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Excerpt-code pairs in one set of codings but not the other (coder ignored).

    Columns: ``excerpt_id, code_id, in_first, in_second``; empty when they agree."""
    left = a[["excerpt_id", "code_id"]].drop_duplicates()
    right = b[["excerpt_id", "code_id"]].drop_duplicates()
    merged = left.merge(right, how="outer", indicator=True)
    diff = merged[merged["_merge"] != "both"]
    return (
        pd.DataFrame(
            {
                "excerpt_id": diff["excerpt_id"],
                "code_id": diff["code_id"],
                "in_first": diff["_merge"] == "left_only",
                "in_second": diff["_merge"] == "right_only",
            }
        )
        .sort_values(["excerpt_id", "code_id"])
        .reset_index(drop=True)
    )


def with_ancestors(codings: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Add, for every coding, rows for the code's parent themes (``direct`` False), deduplicated.

    An excerpt coded ``case_a`` then also counts for ``moving_forward``."""
    anc = pd.DataFrame([(c, a) for c in codebook.codes for a in codebook.ancestors(c)], columns=["code_id", "ancestor"])
    up = codings.merge(anc, on="code_id")[["excerpt_id", "ancestor", "coder"]].rename(columns={"ancestor": "code_id"})
    out = pd.concat([codings[CODINGS].assign(direct=True), up.assign(direct=False)], ignore_index=True)
    out = out.sort_values("direct", ascending=False, kind="stable").drop_duplicates(CODINGS)
    return out.reset_index(drop=True)


def at_theme_level(codings: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Codings rolled up to themes (top-level codes), one row per excerpt, theme and coder:
    the level at which two coders who used different depths of the codebook are compared."""
    full = with_ancestors(codings, codebook)
    themes = {c.id for c in codebook.themes}
    return full.loc[full["code_id"].isin(themes), CODINGS].drop_duplicates().reset_index(drop=True)


# --------------------------------------------------------------------------- participants


def load_participants(study: Study) -> pd.DataFrame | None:
    """Read ``raw/participants.csv`` (``inputs.participants`` if configured); ``None`` if the study has none."""
    rel = study.inputs.get("participants", "raw/participants.csv")
    path = study.root / rel
    if not path.is_file():
        return None
    frame = read_csv(path)
    require_columns(frame, PARTICIPANTS, path)
    frame = frame[PARTICIPANTS]
    _first_bad(frame["participant"].str.strip() == "", path, frame, "participant", "a participant label")
    _first_bad(frame["participant"].duplicated(), path, frame, "participant", "a participant listed once")
    _first_bad(~frame["reconstructed"].isin(["true", "false"]), path, frame, "reconstructed", "true or false")
    frame = frame.assign(reconstructed=frame["reconstructed"] == "true")
    frame.attrs["path"] = str(path)
    return frame


def check_participants(participants: pd.DataFrame, excerpts: pd.DataFrame) -> None:
    """Every named speaker of an excerpt must be a listed participant (InputError naming
    participants.csv and the speaker)."""
    named = excerpts["speaker"].str.strip() != ""
    unknown = named & ~excerpts["speaker"].isin(set(participants["participant"]))
    if unknown.any():
        i = int(unknown.to_numpy().nonzero()[0][0])
        raise InputError(
            participants.attrs.get("path", "raw/participants.csv"),
            f"a row for the speaker of excerpt {excerpts['excerpt_id'].iloc[i]}",
            column="participant",
            found=excerpts["speaker"].iloc[i],
        )


def speaker_sector(speaker: str) -> str:
    """Sector of a speaker label as printed: the label without its number, in sentence case
    ('Youth Work 1' -> 'Youth work'); '' for numbered labels without a sector ('Participant 3')."""
    base = re.sub(r"\s*\d+\s*$", "", str(speaker)).strip()
    if not base or base.casefold() == "participant":
        return ""
    return base[0].upper() + base[1:].lower()


# --------------------------------------------------------------------------- appendix tables


def theme_matrix(codings: pd.DataFrame, excerpts: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Codes by participant: number of excerpts of each participant carrying each code.

    Codes include their sub-codes' excerpts; excerpts without a speaker are counted in one
    column per source ('questionnaire free text (anonymous)').  Every code of the codebook is a
    row, in codebook order (rows of zeros show codes no printed excerpt carries)."""
    full = with_ancestors(codings, codebook).drop_duplicates(["excerpt_id", "code_id"])
    ex = excerpts.assign(
        who=excerpts["speaker"].where(excerpts["speaker"].str.strip() != "", excerpts["source"].map(anonymous_label))
    )
    merged = full.merge(ex[["excerpt_id", "who"]], on="excerpt_id")
    counts = merged.groupby(["code_id", "who"]).size().unstack(fill_value=0)
    named = sorted(set(ex.loc[ex["speaker"].str.strip() != "", "who"]), key=participant_key)
    anonymous = sorted(set(ex["who"]) - set(named))
    columns = named + anonymous
    counts = counts.reindex(index=list(codebook.codes), columns=columns, fill_value=0).fillna(0).astype(int)
    counts.columns.name = None
    counts.insert(0, "code", [codebook.display_label(c) for c in counts.index])
    counts.insert(0, "code_id", counts.index)
    counts["participants"] = (counts[named] > 0).sum(axis=1) if named else 0
    counts["excerpts"] = merged.groupby("code_id")["excerpt_id"].nunique().reindex(counts.index, fill_value=0)
    return counts.reset_index(drop=True)


def prevalence_groups(excerpts: pd.DataFrame, participants: pd.DataFrame | None) -> list[str]:
    """Which breakdowns the data allow: 'timepoint' if excerpts carry timepoints,
    'sector' if participants (or speaker labels) carry sectors."""
    groups = []
    if (excerpts["timepoint"].str.strip() != "").any():
        groups.append("timepoint")
    sectors = participants["sector"] if participants is not None else excerpts["speaker"].map(speaker_sector)
    if (sectors.str.strip() != "").any():
        groups.append("sector")
    return groups


def prevalence(
    codings: pd.DataFrame, excerpts: pd.DataFrame, participants: pd.DataFrame, codebook: Codebook, by: str
) -> pd.DataFrame:
    """How many participants raised each code, per timepoint (``by='timepoint'``, an excerpt
    attribute) or per sector (``by='sector'``, a participant attribute).

    The base of each group is the number of participants in it (timepoints and sectors from
    ``participants.csv``).  Long table: ``code_id, code, group, participants, base, percent,
    excerpts``; only excerpts with a named speaker count."""
    if by not in ("timepoint", "sector"):
        raise ValueError(f"prevalence by {by!r}: expected 'timepoint' or 'sector'")
    full = with_ancestors(codings, codebook).drop_duplicates(["excerpt_id", "code_id"])
    ex = excerpts[excerpts["speaker"].str.strip() != ""]
    merged = full.merge(ex[["excerpt_id", "speaker", "timepoint"]], on="excerpt_id")
    if by == "timepoint":
        merged = merged.assign(group=merged["timepoint"])
        people = participants.assign(group=participants["timepoints"].str.split(";")).explode("group")
    else:
        sector = participants.set_index("participant")["sector"]
        merged = merged.assign(group=merged["speaker"].map(sector))
        people = participants.assign(group=participants["sector"])
    people = people.assign(group=people["group"].str.strip())
    people = people[people["group"] != ""]
    base = people.groupby("group")["participant"].nunique()
    merged = merged[merged["group"].fillna("").str.strip() != ""]
    raised = merged.groupby(["code_id", "group"])["speaker"].nunique()
    n_excerpts = merged.groupby(["code_id", "group"])["excerpt_id"].nunique()
    groups = sorted(base.index, key=participant_key)
    index = pd.MultiIndex.from_product([list(codebook.codes), groups], names=["code_id", "group"])
    out = pd.DataFrame(
        {"participants": raised.reindex(index, fill_value=0), "excerpts": n_excerpts.reindex(index, fill_value=0)}
    ).reset_index()
    out["base"] = out["group"].map(base).astype(int)
    out["percent"] = (100 * out["participants"] / out["base"]).round(1)
    out.insert(1, "code", out["code_id"].map(codebook.display_label))
    return out[["code_id", "code", "group", "participants", "base", "percent", "excerpts"]]


def quotations(codings: pd.DataFrame, excerpts: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The quotations under each code (direct codings only), with attribution as printed.

    Columns: ``code_id, code, excerpt_id, attribution, source, timepoint, text``, in codebook
    then excerpt order.  Anonymous questionnaire answers are attributed by their source."""
    direct = codings.drop_duplicates(["excerpt_id", "code_id"])
    merged = direct.merge(excerpts, on="excerpt_id")
    attribution = merged["attribution"].where(
        merged["attribution"].str.strip() != "", merged["source"].map(anonymous_label)
    )
    out = pd.DataFrame(
        {
            "code_id": merged["code_id"],
            "code": merged["code_id"].map(lambda c: codebook.codes[c].label),
            "excerpt_id": merged["excerpt_id"],
            "attribution": attribution,
            "source": merged["source"],
            "timepoint": merged["timepoint"],
            "text": merged["text"],
        }
    )
    corder = {c: i for i, c in enumerate(codebook.codes)}
    eorder = {e: i for i, e in enumerate(excerpts["excerpt_id"])}
    out = out.assign(_c=out["code_id"].map(corder), _e=out["excerpt_id"].map(eorder))
    return out.sort_values(["_c", "_e"]).drop(columns=["_c", "_e"]).reset_index(drop=True)


def barrier_counts(
    codings: pd.DataFrame, excerpts: pd.DataFrame, codebook: Codebook, published: pd.DataFrame
) -> pd.DataFrame:
    """Codes with a ``report_count``: the report's own count of participants beside what the
    coded excerpts show.

    Columns: ``code_id, code, report_participants, printed, figure_ids, participants_coded,
    excerpts_coded, status``.  ``status`` is 'reproduced', 'differs', or 'not reproducible from
    the published excerpts' when no printed quotation carries the code.  A figure id that is not
    in ``published/figures.csv`` raises :class:`ConfigError` on the codebook."""
    figures = published.set_index("figure_id")
    full = with_ancestors(codings, codebook).drop_duplicates(["excerpt_id", "code_id"])
    merged = full.merge(excerpts[["excerpt_id", "speaker"]], on="excerpt_id")
    rows = []
    for code in codebook.codes.values():
        if not code.report_figures and not code.report_printed:
            continue
        for j, fid in enumerate(code.report_figures):
            if fid not in figures.index:
                raise ConfigError(
                    codebook.file,
                    "a figure id of published/figures.csv",
                    column=f"{code.key}.report_count.figures[{j}]",
                    found=fid,
                )
        values = [figures.at[f, "value"] for f in code.report_figures]
        report_n = int(sum(values)) if values else None
        printed = "; ".join(str(figures.at[f, "printed"]) for f in code.report_figures) or code.report_printed
        mine = merged[merged["code_id"] == code.id]
        n_exc = int(mine["excerpt_id"].nunique())
        n_people = int(mine.loc[mine["speaker"].str.strip() != "", "speaker"].nunique())
        if n_exc == 0:
            status = "not reproducible from the published excerpts"
        elif report_n is not None and n_people == report_n:
            status = "reproduced"
        elif report_n is None:
            status = "no number in the report"
        else:
            status = "differs"
        rows.append(
            {
                "code_id": code.id,
                "code": code.label,
                "report_participants": report_n,
                "printed": printed,
                "figure_ids": ", ".join(code.report_figures),
                "participants_coded": n_people,
                "excerpts_coded": n_exc,
                "status": status,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "code_id",
            "code",
            "report_participants",
            "printed",
            "figure_ids",
            "participants_coded",
            "excerpts_coded",
            "status",
        ],
    )
    return out.astype({"report_participants": "Int64"})


def cases_table(codings: pd.DataFrame, excerpts: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The participant cases (codes with a ``case``): participant, issue, progress, and the
    excerpts that carry the case code as evidence, with their timepoints."""
    merged = codings.drop_duplicates(["excerpt_id", "code_id"]).merge(excerpts, on="excerpt_id")
    rows = []
    for code in codebook.codes.values():
        if code.case is None:
            continue
        mine = merged[merged["code_id"] == code.id]
        rows.append(
            {
                "case": code.label,
                "participant": code.case["participant"],
                "issue": code.case["issue"],
                "progress": code.case["progress"],
                "evidence": ", ".join(mine["excerpt_id"]),
                "evidence_timepoints": ", ".join(sorted(set(mine["timepoint"]) - {""}, key=participant_key)),
            }
        )
    return pd.DataFrame(rows, columns=["case", "participant", "issue", "progress", "evidence", "evidence_timepoints"])


def participants_table(
    excerpts: pd.DataFrame, participants: pd.DataFrame | None, published: pd.DataFrame
) -> tuple[pd.DataFrame, str]:
    """The qualitative participants table and its file name.

    Sectors come from the excerpts' speaker labels (:func:`speaker_sector`), one count per
    distinct speaker; training attended from ``participants.csv`` (its ``reconstructed`` flag
    carried).  Each row is matched to the published participant counts (``measure`` starting
    'participants') by category, so the audit can compare them.  The file name is
    ``table<N>.csv`` when the matched figures all stand in one printed table N, else
    ``qual_participants.csv``."""
    speakers = excerpts.loc[excerpts["speaker"].str.strip() != "", "speaker"].drop_duplicates()
    sector = speakers.map(speaker_sector)
    rows = []
    for value, n in sector[sector != ""].value_counts().items():
        rows.append(
            {
                "block": "sector",
                "category": value,
                "participants": int(n),
                "source": "excerpt speakers",
                "reconstructed": False,
            }
        )
    if participants is not None:
        recon = participants.set_index("participant")["reconstructed"]
        trained = participants.assign(value=participants["training_attended"].str.split(";")).explode("value")
        trained = trained.assign(value=trained["value"].str.strip())
        trained = trained[trained["value"] != ""]
        for value, group in trained.groupby("value", sort=False):
            rows.append(
                {
                    "block": "training attended",
                    "category": value,
                    "participants": int(group["participant"].nunique()),
                    "source": "raw/participants.csv",
                    "reconstructed": bool(group["participant"].map(recon).any()),
                }
            )
    table = pd.DataFrame(rows, columns=["block", "category", "participants", "source", "reconstructed"])
    pub = published[published["measure"].str.startswith("participants") & (published["unit"] == "count")]
    keys = pub["category"].map(_norm)

    def match(category: str) -> tuple[str, float | None, str]:
        hit = pub[(keys == _norm(category)) | keys.str.startswith(_norm(category) + " ")]
        if len(hit) != 1:
            return "", None, ""
        return hit["figure_id"].iloc[0], float(hit["value"].iloc[0]), hit["location"].iloc[0]

    matched = table["category"].map(match)
    table["figure_id"] = matched.map(lambda m: m[0])
    table["published"] = matched.map(lambda m: m[1]).astype("Float64")
    locations = {m[2] for m in matched if m[2]}
    position = {fid: i for i, fid in enumerate(published["figure_id"])}
    table["_block"] = table["block"].map({"sector": 0, "training attended": 1})
    table["_pos"] = table["figure_id"].map(position).fillna(len(position))
    table = table.sort_values(["_block", "_pos", "category"], kind="stable").drop(columns=["_block", "_pos"])
    table = table.reset_index(drop=True)
    name = "qual_participants.csv"
    if len(locations) == 1:
        loc = next(iter(locations))
        number = re.fullmatch(r"Table\s+(\d+)", loc)
        if number:
            name = f"table{number.group(1)}.csv"
    return table[["block", "category", "participants", "published", "figure_id", "source", "reconstructed"]], name


def _norm(text: str) -> str:
    """Casefolded, space-normalised label with curly apostrophes straightened."""
    return " ".join(str(text).replace("\u2019", "'").split()).casefold()


def participants_reproduced(table: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Rows of the participants table the audit can compare (schema.REPRODUCED): those matched to
    a published figure and not reconstructed (a reconstructed count equals the report by
    construction, so offering it as a reproduction would be circular)."""
    rows = table[(table["figure_id"] != "") & ~table["reconstructed"].astype(bool)]
    return pd.DataFrame(
        {
            "figure_id": rows["figure_id"],
            "value": rows["participants"],
            "unit": "count",
            "base": "",
            "source_table": file_name,
            "note": "distinct speakers of the published excerpts, by " + rows["block"],
        },
        columns=REPRODUCED,
    ).reset_index(drop=True)


def qdpx_round_trip(excerpts: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, path) -> pd.DataFrame:
    """Export the codings with their excerpts and codebook as a REFI-QDA project at ``path``, read
    it back and return the differences (:func:`compare_codings`; empty when the round trip is exact,
    coders included)."""
    from tieval.qual import qda

    project = qda.project_from_tables(
        excerpts.drop(columns=["study"], errors="ignore"),
        codings,
        codebook.table(),
        name=str(excerpts["study"].iloc[0]) if "study" in excerpts else "tieval",
    )
    qda.write_qdpx(project, path)
    back = qda.match_codings(qda.read_qdpx(path), excerpts, codebook.table())
    diff = compare_codings(codings, back.codings)
    lost_coder = codings.merge(back.codings, how="left", indicator=True)["_merge"] != "both"
    if diff.empty and lost_coder.any():
        bad = codings[lost_coder.to_numpy()]
        diff = pd.DataFrame(
            {"excerpt_id": bad["excerpt_id"], "code_id": bad["code_id"], "in_first": True, "in_second": False}
        )
    return diff


def prevalence_table(prev: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, str]:
    """:func:`prevalence` laid out for display: codes down, groups across, cells 'participants/base';
    returns the table and a base sentence ('1 month: 7 participants; ...')."""
    bases = prev.groupby("group", sort=False)["base"].first()
    cell = prev["participants"].astype(str) + "/" + prev["base"].astype(str)
    wide = (
        prev.assign(cell=cell)
        .pivot(index="code_id", columns="group", values="cell")
        .reindex(index=list(codebook.codes), columns=list(bases.index))
    )
    wide.columns.name = None
    wide.insert(0, "code", [codebook.display_label(c) for c in wide.index])
    return wide.reset_index(drop=True), "; ".join(f"{g}: {n} participants" for g, n in bases.items())


def quotations_html(quotes: pd.DataFrame, codebook: Codebook) -> str:
    """Every code as a section with the anchor ``theme-<id>`` (themes as h3, codes below as h4) and its
    quotations as a list; codes without a printed quotation say so.  Text is escaped."""
    import html

    parts = []
    for code in codebook.codes.values():
        level = 3 if code.depth == 0 else 4
        mine = quotes[quotes["code_id"] == code.id]
        items = "".join(
            f"<li><blockquote>{html.escape(r.text)}</blockquote>"
            f"<p>{html.escape(r.attribution)} · {html.escape(r.excerpt_id)}</p></li>"
            for r in mine.itertuples()
        )
        body = (
            f'<ul class="tieval-quotes">{items}</ul>'
            if items
            else "<p><em>No quotation printed under this code.</em></p>"
        )
        heading = f'<h{level} id="{theme_anchor(code.id)}">{html.escape(code.label)}</h{level}>'
        parts.append(f'<section class="tieval-theme">{heading}<p>{html.escape(code.description)}</p>{body}</section>')
    return "".join(parts)


def theme_agreement(
    first: pd.DataFrame, second: pd.DataFrame, codebook: Codebook, excerpts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cohen's kappa per theme between two codings (each rolled up to themes, every excerpt a unit)
    and the pooled kappa, via :mod:`tieval.qual.agreement`.  Each coding must come from one coder."""
    from tieval.qual import agreement

    names = []
    for frame in (first, second):
        coders = sorted(set(frame["coder"]))
        if len(coders) != 1:
            raise InputError(
                "codings", "codings by exactly one coder in each set", column="coder", found=", ".join(coders)
            )
        names.append(coders[0])
    both = pd.concat([at_theme_level(first, codebook), at_theme_level(second, codebook)], ignore_index=True)
    per_code = agreement.kappa_per_code(
        both, names[0], names[1], units=excerpts["excerpt_id"], codes=[c.id for c in codebook.themes]
    )
    return per_code, agreement.pooled_kappa(per_code)
