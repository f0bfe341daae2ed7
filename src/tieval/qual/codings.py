"""Codings: which excerpt carries which code, by which coder.

The report's own allocation (coder ``report``) is derived from the codebook: every excerpt gets the
code of the heading it is printed under, plus its ``lead_ins`` code.  A committed coding is a tidy CSV
(``excerpt_id, code_id, coder``) or a coding program's export read by :mod:`tieval.qual.qda`.  Codings
are rolled up to parent themes for counting and for agreement, and exported to REFI-QDA and read back
to show nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tieval.config import Study
from tieval.errors import ConfigError, InputError
from tieval.qual import qda
from tieval.qual.codebook import Codebook
from tieval.qual.excerpts import first_bad
from tieval.schema import CODINGS, require_columns
from tieval.store import checked_text, note_input, read_csv
from tieval.survey.redact import redact_series

__all__ = [
    "REPORT_CODER",
    "derive_codings",
    "load_codings",
    "check_codings",
    "compare_codings",
    "with_ancestors",
    "at_theme_level",
    "qdpx_export",
    "read_back",
    "qdpx_round_trip",
]


#: Coder name of the report's own allocation of excerpts to codes.
REPORT_CODER = "report"


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
    if path.suffix.lower() == ".csv" and _is_tidy_csv(path, study.text_options(name)):
        frame = read_csv(path, **study.text_options(name))
        require_columns(frame, CODINGS, path)
        frame = frame[CODINGS]
    else:
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
    names = study.survey.redact_names if study.survey is not None else ()
    return check_codings(frame, codebook, excerpts, path, names)


def _is_tidy_csv(path: Path, options: dict[str, str]) -> bool:
    """Whether a CSV's header holds the tidy codings columns (else it is a program's export); a file
    not in its declared encoding (``options``: :meth:`tieval.config.Study.text_options`) is refused here."""
    header = checked_text(path, **options).split("\n", 1)[0]
    return all(c in [h.strip().strip('"') for h in header.split(",")] for c in CODINGS)


def check_codings(codings: pd.DataFrame, codebook: Codebook, excerpts: pd.DataFrame, path, names=()) -> pd.DataFrame:
    """Raise :class:`InputError` naming ``path`` for an unknown excerpt or code, an empty coder, a
    coder given as identifying data (an e-mail, phone number, URL or IP address, or a name the study
    redacts, ``names``: coders reach the outputs) or a repeated row; return the codings sorted."""
    codings = codings.astype({c: str for c in CODINGS})
    if codings.empty:
        raise InputError(path, "at least one coding (a row under the header)", row=2, found="a header only")
    first_bad(
        ~codings["excerpt_id"].isin(set(excerpts["excerpt_id"])),
        path,
        codings,
        "excerpt_id",
        "an excerpt id of raw/excerpts.csv",
    )
    first_bad(
        ~codings["code_id"].isin(set(codebook.codes)), path, codings, "code_id", "a code id of analysis/codebook.yml"
    )
    first_bad(codings["coder"].str.strip() == "", path, codings, "coder", "the coder's name")
    _no_identifying_coder(codings, path, names)
    first_bad(codings.duplicated(CODINGS), path, codings, "code_id", "each excerpt, code and coder once")
    return _sort_codings(codings, excerpts, codebook)


def _no_identifying_coder(codings: pd.DataFrame, path, names) -> None:
    """Refuse a coder that is identifying data; the message shows it redacted, never in clear."""
    shown = redact_series(codings["coder"], names, detect_names=False).texts
    bad = (shown != codings["coder"]).to_numpy()
    if bad.any():
        i = int(bad.nonzero()[0][0])
        raise InputError(
            path,
            "a coder's name or initials, not identifying data (an e-mail, phone number, address or a redacted "
            "name reaches every output that names the coder)",
            row=i + 2 if str(path).lower().endswith(".csv") else None,  # a program's export has no such row
            column="coder",
            found=shown.iloc[i],
        )


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


def qdpx_export(excerpts: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook) -> bytes:
    """The codings with their excerpts and codebook as a REFI-QDA project (.qdpx bytes,
    deterministic: :func:`tieval.qual.qda.qdpx_bytes`)."""
    project = qda.project_from_tables(
        excerpts.drop(columns=["study"], errors="ignore"),
        codings,
        codebook.table(),
        name=str(excerpts["study"].iloc[0]) if "study" in excerpts else "tieval",
    )
    return qda.qdpx_bytes(project)


def read_back(data: bytes) -> qda.QdaProject:
    """Read .qdpx bytes back in memory (:func:`tieval.qual.qda.read_qdpx_bytes`): no file is written."""
    return qda.read_qdpx_bytes(data, "round_trip.qdpx")


def qdpx_round_trip(excerpts: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook) -> tuple[bytes, pd.DataFrame]:
    """Export the codings as a REFI-QDA project (:func:`qdpx_export`), read the bytes back and return
    them with the differences (:func:`compare_codings`; empty when the round trip is exact, coders
    included).  Writes no file of the step: the caller writes the bytes."""
    data = qdpx_export(excerpts, codings, codebook)
    back = qda.match_codings(read_back(data), excerpts, codebook.table())
    diff = compare_codings(codings, back.codings)
    lost_coder = codings.merge(back.codings, how="left", indicator=True)["_merge"] != "both"
    if diff.empty and lost_coder.any():
        bad = codings[lost_coder.to_numpy()]
        diff = pd.DataFrame(
            {"excerpt_id": bad["excerpt_id"], "code_id": bad["code_id"], "in_first": True, "in_second": False}
        )
    return data, diff
