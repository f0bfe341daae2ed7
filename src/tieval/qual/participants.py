"""The interviewed participants (``raw/participants.csv``) and the qualitative participants table set
beside the report's counts."""

from __future__ import annotations

import re

import pandas as pd

from tieval.config import Study
from tieval.errors import InputError
from tieval.qual.excerpts import first_bad
from tieval.schema import REPRODUCED, require_columns
from tieval.store import read_csv

__all__ = [
    "PARTICIPANTS",
    "load_participants",
    "check_participants",
    "speaker_sector",
    "participants_table",
    "participants_reproduced",
]


#: Columns of ``raw/participants.csv``: one row per interviewed participant.
#: ``timepoints`` and ``training_attended`` hold ``; ``-separated values; ``reconstructed``
#: is ``true`` when a value in the row is not printed in the report (``note`` says which and why).
PARTICIPANTS = ["participant", "sector", "session_kind", "timepoints", "training_attended", "reconstructed", "note"]


def load_participants(study: Study) -> pd.DataFrame | None:
    """Read ``raw/participants.csv`` (``inputs.participants`` if configured); ``None`` if the study has none."""
    rel = study.inputs.get("participants", "raw/participants.csv")
    path = study.root / rel
    if not path.is_file():
        return None
    frame = read_csv(path, **study.text_options("participants"))
    require_columns(frame, PARTICIPANTS, path)
    frame = frame[PARTICIPANTS]
    first_bad(frame["participant"].str.strip() == "", path, frame, "participant", "a participant label")
    first_bad(frame["participant"].duplicated(), path, frame, "participant", "a participant listed once")
    first_bad(~frame["reconstructed"].isin(["true", "false"]), path, frame, "reconstructed", "true or false")
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


#: Speaker labels that name a role in the research, not a sector ('Interviewee 2', 'Participant 3').
ROLE_LABELS = frozenset(
    "participant interviewee interviewer respondent informant speaker facilitator moderator researcher person p".split()
)


#: Words that may lead a role label ('Focus group participant', 'Staff interviewee').
_ROLE_PREFIXES = frozenset("focus group staff study research key anonymous".split())


def speaker_sector(speaker: str) -> str:
    """Sector of a speaker label as printed: the label without its number, in sentence case
    ('Youth Work 1' -> 'Youth work'); '' for numbered labels without a sector and for role labels
    (:data:`ROLE_LABELS`: 'Participant 3', 'Interviewee 2', 'Focus group participant 1')."""
    base = re.sub(r"\s*\d+\s*$", "", str(speaker)).strip()
    words = base.casefold().split()
    if not base or (words and words[-1] in ROLE_LABELS and (len(words) == 1 or words[0] in _ROLE_PREFIXES)):
        return ""
    return base[0].upper() + base[1:].lower()


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
