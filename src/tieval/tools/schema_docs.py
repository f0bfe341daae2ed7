"""``python -m tieval schema-docs [--check]``: the key tables of ``data/README.md``, generated from the schema.

Each YAML input's keys are declared once, as the specs of :mod:`tieval.spec` beside
the code that reads the file.  This tool renders each spec as a Markdown table and
writes it between the markers ``<!-- schema:<name> -->`` and ``<!-- /schema:<name> -->``
of ``data/README.md``; with ``--check`` it only reports whether the file is up to date
(a test runs the check, so the documentation cannot drift from the schema).
"""

from __future__ import annotations

import re
from pathlib import Path

from tieval import store
from tieval.config import StudyFile
from tieval.errors import InputError
from tieval.mixed.findings import TriangulationFile
from tieval.mixed.recommendations import RecommendationsFile
from tieval.paths import project_root
from tieval.qual.codebook import CodebookFile
from tieval.spec import doc_table
from tieval.tools.reconstruct import ReconstructionFile

__all__ = ["SPECS", "readme_path", "render", "main"]

#: Marker name -> the spec of that file.
SPECS: dict[str, type] = {
    "study": StudyFile,
    "codebook": CodebookFile,
    "triangulation": TriangulationFile,
    "recommendations": RecommendationsFile,
    "reconstruction": ReconstructionFile,
}


def readme_path(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "README.md"


def render(text: str, path: Path) -> str:
    """``text`` with every marked section replaced by the table of its spec."""
    for name, spec in SPECS.items():
        pattern = re.compile(rf"(<!-- schema:{name} -->\n).*?(<!-- /schema:{name} -->)", re.S)
        if not pattern.search(text):
            raise InputError(path, f"the markers <!-- schema:{name} --> ... <!-- /schema:{name} -->")
        text = pattern.sub(lambda m, s=spec: m.group(1) + doc_table(s) + "\n" + m.group(2), text)
    return text


def main(check: bool = False, root: Path | None = None) -> int:
    """Rewrite (or with ``check`` only compare) ``data/README.md``; returns the exit status."""
    path = readme_path(root)
    text = path.read_text(encoding="utf-8")
    wanted = render(text, path)
    if wanted == text:
        print(f"{path}: key tables up to date")
        return 0
    if check:
        print(f"{path}: key tables differ from the schema (run python -m tieval schema-docs)")
        return 1
    store.write_text(wanted, path)
    print(f"wrote {path}")
    return 0
