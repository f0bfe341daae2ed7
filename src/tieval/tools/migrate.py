"""``python -m tieval migrate <study>``: rewrite a study folder written for an older schema.

One change so far: the ``reconstruction:`` block of ``study.yml`` (parameters of the
stand-in generator, :mod:`tieval.tools.reconstruct`) moves into its own file
``data/<study>/reconstruction.yml``, so the pipeline's config holds only what the
pipeline reads.  The block is moved as text, comments included, and dedented; the
rest of ``study.yml`` is left byte for byte.  A folder already in the current
layout is left alone.  Both texts are parsed (:func:`tieval.spec.parse_yaml`) before
anything is written.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from tieval import store
from tieval.errors import ConfigError
from tieval.paths import study_dir
from tieval.spec import parse_yaml

__all__ = ["migrate_study", "split_reconstruction"]

_HEADER = (
    "# Parameters of the stand-in survey export written by tieval.tools.reconstruct (`make reconstruct`);\n"
    "# keys documented in data/README.md. The pipeline does not read this file.\n"
)
_TOP_KEY = re.compile(r"^[^\s#]")


def split_reconstruction(text: str) -> tuple[str, str] | None:
    """``(study.yml without the block, reconstruction.yml text)``, or None when there is no block."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^reconstruction:\s*(#.*)?$", line)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    while end > start + 1 and lines[end - 1].lstrip().startswith("#") and not lines[end - 1].startswith(" "):
        end -= 1  # a comment at column 0 just before the next key belongs to that key
    block = textwrap.dedent("".join(lines[start + 1 : end])).rstrip("\n") + "\n"
    rest = "".join(lines[:start] + lines[end:])
    return rest, _HEADER + block


def migrate_study(study: str | Path, root: Path | None = None) -> list[Path]:
    """Bring ``data/<study>/`` to the current schema; returns the files it rewrote ([] if none)."""
    folder = Path(study) if Path(study).is_dir() else study_dir(str(study), root)
    config = folder / "study.yml"
    if not config.is_file():
        raise ConfigError(config, f"a study.yml in {folder} (is '{study}' a study id?)")
    split = split_reconstruction(config.read_text(encoding="utf-8"))
    if split is None:
        return []
    rest, params = split
    target = folder / "reconstruction.yml"
    if target.exists():
        raise ConfigError(target, "no reconstruction.yml yet (study.yml still has a reconstruction block)")
    parse_yaml(params, target)
    parse_yaml(rest, config)
    return [store.write_text(params, target), store.write_text(rest, config)]
