"""All or nothing per study: steps build in a staging mirror; a study's outputs are published together.

Under ``make`` every step of a study runs in the study's staging mirror
``.make/stage/<study>/`` (:func:`tieval.paths.stage_root`), a folder laid out like
the project root: ``src``, ``notebooks``, the top-level files and the study folders
``data/<id>`` are relative links to the project's own (inputs are read where they
are), while ``outputs/<study>/``, ``outputs/html/<study>/`` and
``data/processed/<study>/`` are real folders.  The kernel's working directory is the
mirror, so every relative path a step writes or prints (``outputs/<study>/03_tables/...``)
is the same as in the project and the published bytes do not depend on staging.

Before a step runs, its own staged outputs are removed (:func:`clear_step`), so the
staged set holds exactly what the last run of each step wrote: an output that a
setting no longer allows (``min_cell``) disappears with the next run of its step.
The make rules are made from the staged executed notebooks, so ``make`` stays
incremental; when every step of a study is up to date, :func:`publish`
(``python -m tieval publish --study STUDY``) copies the three staged folders beside
their published places and swaps them in by rename, the previous set moved aside
first and removed last, ``outputs/<study>/`` (which holds make's targets) swapped last.  A failed step stops the study before publishing, so
``outputs/`` keeps the previous complete build, never a mixture.  A publish cut short
(killed between renames) is completed or rolled back by the next one
(:func:`_recover`), and make runs it again because a published target is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tieval.errors import InputError
from tieval.paths import check_study_id, make_dir, project_root, stage_root
from tieval.registry import STEPS

__all__ = ["PUBLISHED", "prepare_stage", "clear_step", "publish", "published_sets"]

#: The folders of a study that are published together, relative to the project root (and to its mirror).
PUBLISHED = ("outputs/{study}", "outputs/html/{study}", "data/processed/{study}")

#: Top-level entries of the project that the mirror does not link (derived, or the repository itself).
_NOT_LINKED = {".make", "outputs", "data", ".git", ".venv", ".pytest_cache"}


def published_sets(study: str) -> list[Path]:
    """The study's published folders, relative to a root: outputs, reader HTML, processed data."""
    check_study_id(study)
    return [Path(p.format(study=study)) for p in PUBLISHED]


def _link(target: Path, link: Path) -> None:
    """Make ``link`` a relative symbolic link to ``target`` (replacing a stale one)."""
    rel = os.path.relpath(target, link.parent)
    if link.is_symlink():
        if os.readlink(link) == rel:
            return
        link.unlink()
    elif link.exists():
        return
    try:
        link.symlink_to(rel)
    except FileExistsError:  # another step of the study (run in parallel) made it just now
        if not (link.is_symlink() and os.readlink(link) == rel):
            raise


def prepare_stage(study: str, root: Path | None = None) -> Path:
    """Create (or refresh) the staging mirror of ``study`` and return its path."""
    root = Path(root or project_root())
    stage = stage_root(study, root)
    real = root.resolve()
    (stage / "data").mkdir(parents=True, exist_ok=True)
    for entry in sorted(real.iterdir()):
        if entry.name not in _NOT_LINKED:
            _link(entry, stage / entry.name)
    for entry in sorted((real / "data").iterdir()):
        if entry.name != "processed":
            _link(entry, stage / "data" / entry.name)
    for rel in published_sets(study):
        (stage / rel).mkdir(parents=True, exist_ok=True)
    return stage


def clear_step(step, study: str, stage: Path) -> None:
    """Remove what ``step`` (a :class:`tieval.registry.Step`) last wrote in the mirror, so that its
    new run leaves exactly its new outputs (stale files of an earlier setting cannot survive)."""
    for rel in step.writes(study):
        path = Path(stage) / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _copy(src: Path, dst: Path) -> None:
    """Copy folder ``src`` to ``dst`` (new files, dated now, so make sees them newer than the staged ones)."""
    dst.mkdir(parents=True)
    for folder, dirs, files in os.walk(src):
        here = Path(folder)
        target = dst / here.relative_to(src)
        for name in sorted(dirs):
            (target / name).mkdir()
        for name in sorted(files):  # errors (a full disk) surface as themselves, not as shutil.Error
            shutil.copyfile(here / name, target / name)


def _work(study: str, root: Path) -> Path:
    return make_dir(root) / "publish" / study


def _recover(study: str, root: Path) -> None:
    """Finish or undo a publish that was cut short: put back any previous folder whose new one
    did not arrive, and remove the leftovers."""
    work = _work(study, root)
    if not work.exists():
        return
    for i, rel in enumerate(published_sets(study)):
        old, dest = work / "old" / str(i), root / rel
        if old.exists() and not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, dest)
    shutil.rmtree(work)


def publish(study: str, root: Path | None = None, steps=None) -> list[Path]:
    """Replace the study's published folders by its staged ones, together; return the published folders.

    ``steps`` (default: the registry's pipeline) must each have their executed notebook in the
    mirror, else nothing is published and an :class:`InputError` names the first missing step."""
    root = Path(root or project_root())
    stage = stage_root(study, root)
    for s in steps or STEPS:
        if not (stage / s.target(study)).is_file():
            raise InputError(
                stage / s.target(study),
                f"every step of {study} built before publishing (step {s.name} has not succeeded; "
                f"outputs/{study}/ keeps the last complete build)",
            )
    _recover(study, root)
    work = _work(study, root)
    sets = published_sets(study)
    for i, rel in enumerate(sets):
        _copy(stage / rel, work / "new" / str(i))
    (work / "old").mkdir(parents=True, exist_ok=True)
    # outputs/<study> (where make's published targets are) is swapped last: a publish killed at any
    # rename before its end leaves those targets old or missing, so the next make publishes again
    for i, rel in reversed(list(enumerate(sets))):
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            os.replace(dest, work / "old" / str(i))
        os.replace(work / "new" / str(i), dest)
    shutil.rmtree(work)
    return [root / rel for rel in sets]
