"""Where things live: the project root, a study's folders, and the derived-output folders.

Every module asks here instead of building paths itself, so the layout of
``data/``, ``data/processed/`` and ``outputs/`` is defined in one place.
Paths are returned relative to the project root when the working directory
is the root (as it is under ``make`` and papermill), which keeps absolute
machine paths out of tables, notebooks and HTML.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tieval.errors import InputError

__all__ = [
    "project_root",
    "data_dir",
    "study_dir",
    "processed_dir",
    "outputs_dir",
    "tables_dir",
    "figures_dir",
    "step_dir",
    "discover_studies",
    "invalid_study_folders",
    "is_valid_study_id",
    "check_study_id",
    "make_dir",
    "stage_root",
    "check_stamp",
    "failed_dir",
    "inside",
]

#: A study id (the name of its folder ``data/<id>/``): ASCII letters, digits, ``-`` and ``_``.
STUDY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*", re.ASCII)


def project_root(start: str | Path | None = None) -> Path:
    """Return the compendium root: ``$TIEVAL_ROOT``, or the nearest folder above
    ``start`` (default: the working directory) holding ``pyproject.toml`` and ``data/``."""
    env = os.environ.get("TIEVAL_ROOT")
    if env:
        return Path(env)
    here = Path(start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() and (candidate / "data").is_dir():
            return _relative_if_cwd(candidate)
    return _relative_if_cwd(here)


def _relative_if_cwd(path: Path) -> Path:
    try:
        rel = path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path
    return rel if str(rel) != "." else Path(".")


def data_dir(root: Path | None = None) -> Path:
    """``data/`` below the root."""
    return (root or project_root()) / "data"


def study_dir(study: str, root: Path | None = None) -> Path:
    """``data/<study>/``: the study's config, published figures, raw inputs and analysis files."""
    return data_dir(root) / check_study_id(study)


def processed_dir(study: str, root: Path | None = None) -> Path:
    """``data/processed/<study>/``: tidy data written by the cleaning step."""
    return data_dir(root) / "processed" / check_study_id(study)


def outputs_dir(study: str | None = None, root: Path | None = None) -> Path:
    """``outputs/`` or ``outputs/<study>/``."""
    base = (root or project_root()) / "outputs"
    return base / check_study_id(study) if study else base


def tables_dir(study: str, root: Path | None = None) -> Path:
    """``outputs/<study>/tables/``: every table an appendix shows, as CSV."""
    return outputs_dir(study, root) / "tables"


def figures_dir(study: str, root: Path | None = None) -> Path:
    """``outputs/<study>/figures/``: every figure an appendix shows."""
    return outputs_dir(study, root) / "figures"


def step_dir(study: str, step: str, root: Path | None = None) -> Path:
    """``outputs/<study>/<step>/``: everything one pipeline step writes for one study (its tables,
    figures, executed notebook and provenance), so the pipeline is visible on disk.

    This is the one function saying where a step writes.  Under a build the step runs in its
    study's staging mirror (:func:`stage_root`, the kernel's project root), so the same relative
    path lands in ``.make/stage/<study>/outputs/<study>/<step>/``; the study's outputs are
    published together only when every step succeeded (:mod:`tieval.publish`)."""
    return outputs_dir(study, root) / step


def make_dir(root: Path | None = None) -> Path:
    """``.make/``: derived build state (generated rules, staging mirrors, failed runs), never published."""
    return (root or project_root()) / ".make"


def stage_root(study: str, root: Path | None = None) -> Path:
    """``.make/stage/<study>/``: the study's staging mirror, laid out like the project root (its
    ``outputs/<study>/``, ``outputs/html/<study>/`` and ``data/processed/<study>/`` are real folders;
    the rest are links to the project's own), where every step of a build writes."""
    return make_dir(root) / "stage" / check_study_id(study)


def check_stamp(study: str, root: Path | None = None) -> Path:
    """``.make/stage/<study>/.checked``: make's record that ``python -m tieval check`` passed for the
    study, with the raw files it hashed (:func:`tieval.integrity.check_with_stamp`)."""
    return stage_root(study, root) / ".checked"


def failed_dir(study: str, root: Path | None = None) -> Path:
    """``.make/failed/<study>/``: redacted copies of failed notebook runs, outside the published site."""
    return make_dir(root) / "failed" / check_study_id(study)


def inside(path: str | Path, folder: str | Path) -> bool:
    """Whether ``path`` lies inside ``folder`` once both are resolved (``..`` and symlinks followed)."""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def is_valid_study_id(name: str) -> bool:
    """Whether ``name`` can be a study id (:data:`STUDY_ID`): safe in paths, URLs and make rules."""
    return STUDY_ID.fullmatch(name) is not None


def check_study_id(study) -> str:
    """``study`` if it is a valid study id, else an :class:`~tieval.errors.InputError` in one line
    (checked before any path is built from it, so ``../x`` can never leave ``data/`` or ``outputs/``)."""
    if isinstance(study, str) and is_valid_study_id(study):
        return study
    raise InputError(
        "study id",
        "a study id of ASCII letters, digits, '-' and '_' (the name of a folder data/<id>/)",
        found=study,
    )


def discover_studies(root: Path | None = None) -> list[str]:
    """Ids of every study folder (``data/<id>/study.yml``), sorted; folders whose name is not a valid
    id are not studies (see :func:`invalid_study_folders`)."""
    return sorted(name for name in _study_folders(root) if is_valid_study_id(name))


def invalid_study_folders(root: Path | None = None) -> list[str]:
    """Names of folders ``data/<name>/`` holding a ``study.yml`` whose name is not a valid study id."""
    return sorted(name for name in _study_folders(root) if not is_valid_study_id(name))


def _study_folders(root: Path | None) -> list[str]:
    return [p.parent.name for p in data_dir(root).glob("*/study.yml") if p.parent.name != "processed"]
