"""``make new-study NAME=<id>``: a new study folder from the documented template.

The template (``src/tieval/templates/study/``) is a small, invented, complete
study: a NoMAD-style instrument in ``study.yml``, a Qualtrics export with a
preview and an empty record, published figures, quotations, codings, a
codebook and triangulation findings.  It builds through every notebook as it
is, so a student starts from a working study and replaces it piece by piece.
The raw checksum manifest is written for the copied files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tieval.errors import InputError
from tieval.integrity import write_manifest
from tieval.paths import study_dir

__all__ = ["TEMPLATE_DIR", "create_study"]

TEMPLATE_DIR = Path(__file__).parents[1] / "templates" / "study"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def create_study(name: str, root: Path | None = None) -> Path:
    """Copy the template into ``data/<name>/`` (which must not exist) and return the folder."""
    if not _ID.match(name) or name == "processed":
        raise InputError("NAME", "a study id of lower-case letters, digits and '-' (e.g. my-study)", found=name)
    dest = study_dir(name, root)
    if dest.exists():
        raise InputError(dest, "a study folder that does not exist yet (new-study never overwrites)")
    shutil.copytree(TEMPLATE_DIR, dest, ignore=shutil.ignore_patterns("__pycache__", "MANIFEST.sha256"))
    config = dest / "study.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("__STUDY_ID__", name), encoding="utf-8")
    write_manifest(dest / "raw")
    return dest
