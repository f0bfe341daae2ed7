"""``make new-study NAME=<id> [TEMPLATE=study|prepost]``: a new study folder from a documented template.

Two templates, both small, invented and complete, each building through every notebook as it is,
so a student starts from a working study and replaces it piece by piece:

- ``study`` (``src/tieval/templates/study/``): one cross-sectional NoMAD-style questionnaire (a
  Qualtrics export with a preview and an empty record), published figures, quotations, codings,
  a codebook and triangulation findings.
- ``prepost`` (``src/tieval/templates/prepost/``): the same staff surveyed at baseline and at a
  3-month follow-up, linked by an embedded participant code; a 7-point agreement scale, three
  subscales with reverse-scored items, a 0-10 item, a select-all (multi-select, split layout)
  question, an "other, please specify" text field, a free-text question and identifying columns.  Its two Qualtrics exports
  are generated here (:func:`prepost_exports`), from a fixed seed with Python's ``random`` (whose
  sequence for a seed is stable across Python versions), so every copy holds the same bytes; the
  study is marked ``invented: true`` and every appendix says so.

The raw checksum manifest is written for the files of the new folder.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
from pathlib import Path

from tieval.errors import InputError
from tieval.integrity import write_manifest
from tieval.paths import study_dir

__all__ = ["TEMPLATES", "TEMPLATE_DIR", "PREPOST_SEED", "create_study", "prepost_exports"]

TEMPLATES_ROOT = Path(__file__).parents[1] / "templates"
#: Template name -> its folder.
TEMPLATES = {"study": TEMPLATES_ROOT / "study", "prepost": TEMPLATES_ROOT / "prepost"}
TEMPLATE_DIR = TEMPLATES["study"]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

#: The seed of the prepost template's invented exports.
PREPOST_SEED = 20260314


def create_study(name: str, root: Path | None = None, template: str = "study") -> Path:
    """Copy the template ``template`` into ``data/<name>/`` (which must not exist) and return the folder."""
    if not _ID.match(name) or name == "processed":
        raise InputError("NAME", "a study id of lower-case letters, digits and '-' (e.g. my-study)", found=name)
    if template not in TEMPLATES:
        raise InputError("TEMPLATE", "one of the templates " + ", ".join(TEMPLATES), found=template)
    dest = study_dir(name, root)
    if dest.exists():
        raise InputError(dest, "a study folder that does not exist yet (new-study never overwrites)")
    shutil.copytree(TEMPLATES[template], dest, ignore=shutil.ignore_patterns("__pycache__", "MANIFEST.sha256"))
    config = dest / "study.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("__STUDY_ID__", name), encoding="utf-8")
    if template == "prepost":
        (dest / "raw").mkdir(exist_ok=True)
        for file, text in prepost_exports().items():
            (dest / "raw" / file).write_text(text, encoding="utf-8", newline="")
    write_manifest(dest / "raw")
    return dest


# --------------------------------------------------------------------------------------------
# the prepost template's invented exports

#: Qualtrics metadata columns before the questions (as a Qualtrics CSV export lays them out).
_META = [
    ("StartDate", "Start Date", "startDate"),
    ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"),
    ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"),
    ("Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("Finished", "Finished", "finished"),
    ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
]
_AGREE = [
    "Strongly disagree",
    "Disagree",
    "Somewhat disagree",
    "Neither agree nor disagree",
    "Somewhat agree",
    "Agree",
    "Strongly agree",
]
#: (column, question text, reverse-worded) of the agreement items, in the study.yml order.
_ITEMS = [
    ("Q1_1", "I know what good supervision involves", False),
    ("Q1_2", "I can explain the supervision model to a colleague", False),
    ("Q1_3", "I am unsure what a supervision agreement should contain", True),
    ("Q2_1", "I feel confident leading a supervision session", False),
    ("Q2_2", "I worry about handling difficult conversations in supervision", True),
    ("Q2_3", "I can give constructive feedback", False),
    ("Q3_1", "I hold supervision sessions as planned", False),
    ("Q3_2", "I record agreed actions after supervision", False),
    ("Q3_3", "Supervision is often cancelled because of workload", True),
]
_SOURCES = ["Line manager", "Peer supervision", "Clinical supervisor", "Online resources"]
_ROLES = ["Nurse", "Allied health professional", "Social worker", "Other"]
_OTHER_ROLES = ["Practice educator", "Team coordinator", "Healthcare assistant"]
_COMMENTS = [
    "The course helped me plan sessions properly.",
    "Hard to find a room for supervision on the ward.",
    "I would like a refresher in six months.",
    "Alex Example made the role plays very useful.",
    "More time on recording actions, please.",
    "Contact me at a.example@example.org about the next course.",
]
#: People at baseline, of whom these answer again at follow-up, and new people at follow-up only.
_BASELINE_PEOPLE, _FOLLOWED, _NEW_AT_FOLLOWUP = 40, 30, 3


def _header() -> tuple[list[str], list[str], list[str]]:
    ids = [m[0] for m in _META]
    texts = [m[1] for m in _META]
    imports = [m[2] for m in _META]
    for column, text, _ in _ITEMS:
        ids.append(column)
        texts.append(f"Please say how far you agree - {text}")
        imports.append("QID" + column[1:])
    ids += ["Q4"] + [f"Q5_{k}" for k in range(1, 5)] + ["Q6", "Q6_4_TEXT", "Q7", "PID"]
    texts += ["How ready do you feel to supervise others? - Readiness"]
    texts += [f"Where do you get support for supervision? (select all that apply) - {s}" for s in _SOURCES]
    texts += [
        "What is your role?",
        "What is your role? - Other - Text",
        "Is there anything else you would like to tell us about supervision?",
        "PID",
    ]
    imports += ["QID4"] + [f"QID5_{k}" for k in range(1, 5)] + ["QID6", "QID6_4_TEXT", "QID7", "PID"]
    imports = [f'{{"ImportId":"{i}"}}' for i in imports]
    return ids, texts, imports


def _answers(rnd: random.Random, ability: float, gain: float, blank_from: int | None) -> list[str]:
    """One respondent's answers to the nine agreement items and the 0-10 item; items from
    position ``blank_from`` on are left unanswered (a partial response)."""
    cells = []
    for _, _, reverse in _ITEMS:
        level = 4 + ability + gain + (rnd.random() - 0.5) * 2.4
        code = min(7, max(1, round(level)))
        cells.append(_AGREE[(8 - code if reverse else code) - 1])
    cells.append(str(min(10, max(0, round(5 + 1.5 * ability + 2 * gain + (rnd.random() - 0.5) * 3)))))
    if blank_from is not None:
        cells[blank_from:] = [""] * (len(cells) - blank_from)
    return cells


def _record(rnd, wave: int, k: int, status: str, code: str, answers: list[str], role: int, comment: str) -> list[str]:
    day = 3 + k % 20 if wave == 0 else 5 + k % 20
    month = "2026-01" if wave == 0 else "2026-04"
    when = f"{month}-{day:02d} 09:{k % 60:02d}:00"
    rid = f"R_{'B' if wave == 0 else 'F'}{rnd.randrange(16**12):012x}"
    answered = any(answers)
    sources = [("1" if rnd.random() < p else "") for p in (0.6, 0.4, 0.5, 0.3)] if answered else [""] * 4
    role_text = _ROLES[role] if answered else ""
    other = _OTHER_ROLES[k % len(_OTHER_ROLES)] if answered and role == 3 else ""
    row = [
        when,
        when,
        status,
        f"192.0.2.{10 + k}",
        "100" if answered else "0",
        str(300 + 7 * k),
        "True" if answered else "False",
        when,
        rid,
        f"Example{k}",
        "Sam",
        f"staff{k}@example.org",
        "",
        "51.5",
        "-0.1",
        "preview" if status == "Survey Preview" else "anonymous",
        "EN-GB",
    ]
    return row + answers + sources + [role_text, other, comment, code]


def prepost_exports(seed: int = PREPOST_SEED) -> dict[str, str]:
    """The invented baseline and follow-up exports of the prepost template, as CSV texts by file name.

    Baseline: 40 staff with a participant code (``PID``, TR-001 ...), one of whom types it in lower
    case at follow-up, plus a survey preview, a real response with no code and an empty record.
    Follow-up: 30 of the 40 again, 3 new people, and a survey preview.  Answers rise by about one
    point on the 7-point items at follow-up; about one respondent in eight stops part way."""
    rnd = random.Random(seed)
    ids, texts, imports = _header()
    people = [(f"TR-{i + 1:03d}", (rnd.random() - 0.5) * 2.0, int(rnd.random() * 4)) for i in range(_BASELINE_PEOPLE)]
    new = [(f"TR-{900 + i:03d}", (rnd.random() - 0.5) * 2.0, int(rnd.random() * 4)) for i in range(_NEW_AT_FOLLOWUP)]
    files = {}
    for wave, name in enumerate(("baseline.csv", "followup.csv")):
        rows = []
        group = people if wave == 0 else people[:_FOLLOWED] + new
        for k, (code, ability, role) in enumerate(group):
            blank = 6 + int(rnd.random() * 3) if rnd.random() < 0.12 else None
            answers = _answers(rnd, ability, 1.0 * wave, blank)
            comment = _COMMENTS[k % len(_COMMENTS)] if rnd.random() < 0.25 else ""
            typed = code.lower() if (wave == 1 and k == 3) else code
            rows.append(_record(rnd, wave, k, "IP Address", typed, answers, role, comment))
        rows.insert(0, _record(rnd, wave, 90, "Survey Preview", "", _answers(rnd, 0, 0, None), 0, ""))
        if wave == 0:
            rows.append(_record(rnd, wave, 91, "IP Address", "", _answers(rnd, 0.2, 0, None), 1, ""))
            rows.append(_record(rnd, wave, 92, "IP Address", "TR-950", [""] * (len(_ITEMS) + 1), 0, ""))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows([ids, texts, imports, *rows])
        files[name] = out.getvalue()
    return files
