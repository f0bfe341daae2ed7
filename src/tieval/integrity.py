"""Raw data is read-only: a checksum manifest per study's ``raw/`` folder, verified before cleaning.

``raw/MANIFEST.sha256`` lists every file in ``raw/`` in ``sha256sum`` format
(``<hex>  <name>``), sorted by name.  :func:`verify_manifest` fails with an
:class:`InputError` naming the file whose bytes no longer match, a file that
is not listed, or a listed file that has gone, so a raw export edited by hand
(or by a buggy step) stops the build instead of silently changing results.
:func:`preflight` is the check every build step runs first (``python -m tieval
check STUDY`` runs it alone): a valid study id, a study.yml whose input paths
stay in the study folder, raw inputs under ``raw/`` and in the manifest, and a
manifest that matches the files.  A step that does not read the survey exports (every step
after cleaning) checks them as present and listed without hashing them again: ``check``, which
make runs once before a build's first step, and the cleaning step hash everything.  After a
deliberate change, ``python -m tieval manifest --study STUDY`` (``make manifest``) records the new
checksums.

``check`` runs again whenever any input of the study changes, an edited ``triangulation.yml``
included; so that such an edit does not hash a multi-gigabyte export again, ``check --stamp``
records with each file it hashed its status (size, modification and change times in
nanoseconds, inode, device: :func:`file_status`) and the next ``check`` re-hashes only files
whose status differs (:func:`verify_manifest`'s ``known``).  Any write to a file changes its
change time, which no program can set back; a file changed less than :data:`SETTLE_SECONDS`
before it was hashed is not recorded, since a write in the same clock tick could leave its times
as they were.  Each step's preflight in the runner uses the record as well; the cleaning step's
own code (:func:`tieval.survey.clean.prepare_study`) does not: it hashes every raw file before
it reads them.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tieval.atomic import read_build_state, sha256_file, write_text
from tieval.config import input_paths, load_study, survey_exports
from tieval.errors import InputError
from tieval.paths import check_study_id, project_root

__all__ = [
    "MANIFEST_NAME",
    "SETTLE_SECONDS",
    "raw_files",
    "write_manifest",
    "read_manifest",
    "file_status",
    "verify_manifest",
    "preflight",
    "recorded_hashes",
    "check_with_stamp",
]

MANIFEST_NAME = "MANIFEST.sha256"

#: A file changed more recently than this before it was hashed is hashed again next time.
SETTLE_SECONDS = 2.0


def raw_files(raw_dir: Path) -> list[Path]:
    """Every regular file below ``raw_dir`` except the manifest and hidden files, sorted."""
    raw_dir = Path(raw_dir)
    return sorted(
        p
        for p in raw_dir.rglob("*")
        if p.is_file()
        and p.name != MANIFEST_NAME
        and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    )


def write_manifest(raw_dir: Path) -> Path:
    """(Re)write ``raw_dir/MANIFEST.sha256`` from the files now present."""
    raw_dir = Path(raw_dir)
    lines = [f"{sha256_file(p)}  {p.relative_to(raw_dir).as_posix()}\n" for p in raw_files(raw_dir)]
    return write_text("".join(lines), raw_dir / MANIFEST_NAME)


def read_manifest(raw_dir: Path) -> dict[str, str]:
    """Parse the manifest into {relative name: sha256}."""
    path = Path(raw_dir) / MANIFEST_NAME
    if not path.is_file():
        raise InputError(
            path, "a checksum manifest of the raw files (create it with `python -m tieval manifest --study STUDY`)"
        )
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise InputError(path, "lines of the form '<sha256>  <file name>'", row=number, found=line)
        entries[name.strip()] = digest.lower()
    return entries


def file_status(path: Path) -> list[int]:
    """``[size, mtime_ns, ctime_ns, inode, device]`` of a file: what a write to it changes."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _hashed_before(known, name: str, digest: str, status: list[int]) -> bool:
    """True when ``known`` (a record of an earlier check) holds ``name`` with this digest and status."""
    entry = known.get(name) if isinstance(known, dict) else None
    return isinstance(entry, list) and entry == [digest, *status]


def verify_manifest(raw_dir: Path, unread=frozenset(), *, known=None, confirmed=None) -> list[str]:
    """Check every raw file against the manifest; return the listed names.

    A name in ``unread`` (relative to ``raw_dir``: files the caller does not read) must be present
    and listed, but its bytes are not hashed.  Raises :class:`InputError` for a changed, unlisted or
    missing file.

    ``known`` is the record of an earlier check (``{name: [sha256, *file_status]}``): a file whose
    manifest digest and status are the ones recorded is not hashed again.  ``confirmed``, a dict,
    receives that record for every file whose bytes matched, except files changed less than
    :data:`SETTLE_SECONDS` before (see the module notes)."""
    raw_dir = Path(raw_dir)
    manifest = read_manifest(raw_dir)
    present = {p.relative_to(raw_dir).as_posix(): p for p in raw_files(raw_dir)}
    for name, digest in manifest.items():
        if name not in present:
            raise InputError(raw_dir / name, "the raw file listed in MANIFEST.sha256 (it is missing)")
        if name in unread:
            continue
        status = file_status(present[name])
        if _hashed_before(known, name, digest, status):
            if confirmed is not None:
                confirmed[name] = [digest, *status]
            continue
        settled = max(status[1], status[2]) < time.time_ns() - int(SETTLE_SECONDS * 1e9)
        if sha256_file(present[name]) != digest:
            raise InputError(
                raw_dir / name,
                "the bytes recorded in MANIFEST.sha256 (the raw file has "
                "changed; raw data are read-only — restore it, or run "
                "`python -m tieval manifest --study STUDY` if the change is deliberate)",
            )
        if confirmed is not None and settled and file_status(present[name]) == status:
            confirmed[name] = [digest, *status]
    for name in present:
        if name not in manifest:
            raise InputError(
                raw_dir / name,
                "a raw file listed in MANIFEST.sha256 (this file is not; "
                "run `python -m tieval manifest --study STUDY`)",
            )
    return sorted(manifest)


def preflight(study: str, root: Path | None = None, *, exports: bool = True, known=None, confirmed=None):
    """Check a study before any step runs; return its loaded config (:class:`tieval.config.Study`).

    Raises a one-line :class:`InputError` for an invalid study id, a study.yml problem (an input
    path outside the study folder, a survey export or coded file outside ``raw/``, a missing
    input), a raw file that changed, is missing or is not listed, or a raw input the manifest
    does not list (a hidden file).

    Without ``exports`` (a step that does not read the survey exports: every step but cleaning)
    the survey exports are checked as present and listed but not hashed.  ``python -m tieval
    check``, which make runs before the first step of a build, and the cleaning step hash them;
    at ten million respondents an export is several gigabytes, about 5 s to hash.  ``known`` and
    ``confirmed`` are passed to :func:`verify_manifest` (the record ``check --stamp`` keeps)."""
    check_study_id(study)
    cfg = load_study(study, root or project_root())
    raw_dir = cfg.root / "raw"

    def raw_name(rel: str) -> str:  # load_study has checked that every raw input lies under raw/
        return (cfg.root / rel).resolve().relative_to(raw_dir.resolve()).as_posix()

    unread = set() if exports else {raw_name(rel) for rel in survey_exports(cfg)}
    listed = set(verify_manifest(raw_dir, unread, known=known, confirmed=confirmed)) if raw_dir.is_dir() else set()
    for at, rel, raw in input_paths(cfg):
        if raw and (cfg.root / rel).exists() and raw_name(rel) not in listed:
            raise at.fail(
                "a raw file listed in raw/MANIFEST.sha256 (run `python -m tieval manifest --study STUDY`)", rel
            )
    return cfg


def recorded_hashes(stamp: str | Path | None) -> dict:
    """The raw files a passed ``check --stamp`` hashed (``{name: [sha256, *file_status]}``), for
    :func:`verify_manifest`'s ``known``; empty when the stamp is missing, old or unreadable."""
    raw = read_build_state(stamp).get("raw")
    return raw if isinstance(raw, dict) else {}


def check_with_stamp(study: str, stamp: str | Path | None = None, root: Path | None = None):
    """:func:`preflight` for ``python -m tieval check``; with ``stamp`` (make's record that the
    check passed), re-hash only the raw files changed since the last check and write the stamp
    (JSON: each confirmed file's digest and status) when it passes.  Returns the study's config."""
    stamp = Path(stamp) if stamp else None
    confirmed: dict[str, list] = {}
    cfg = preflight(study, root, known=recorded_hashes(stamp), confirmed=confirmed)
    if stamp is not None:
        write_text(json.dumps({"checked": study, "raw": confirmed}, sort_keys=True) + "\n", stamp)
    return cfg
