"""The site's shared assets: every file of ``src/tieval/report/assets/`` copied to ``outputs/html/assets/``.

Each page links them (:func:`stylesheets`, :func:`scripts`, in the order the cascade needs:
``pygments.css`` and ``site.css`` first, then the others, ``print.css`` last with
``media="print"``), so no page inlines a stylesheet and no page asks another host for anything.
``pygments.css``, the highlighting of the auditor view's code and of the source pages, is
written here from Pygments' own style (it is not a file of ours).
"""

from __future__ import annotations

from pathlib import Path

from pygments.formatters import HtmlFormatter

from tieval.atomic import atomic_write

__all__ = ["ASSETS", "GENERATED", "pygments_css", "asset_names", "stylesheets", "scripts", "copy_assets"]

#: Where the asset files live in the package.
ASSETS = Path(__file__).resolve().parents[1] / "assets"
#: Assets written by the build rather than copied.
GENERATED = ("pygments.css",)
_FIRST = ("pygments.css", "site.css")


def pygments_css() -> str:
    """The highlighting rules for ``.highlight`` blocks (Pygments' default style, line numbers muted)."""
    rules = HtmlFormatter(style="default").get_style_defs(".highlight")
    return rules + "\n.highlight .linenos{color:#595959;padding-right:1em;user-select:none}\n"


def asset_names(folder: Path = ASSETS) -> list[str]:
    """Names of every asset a page links: the package's files and the generated ones, sorted."""
    return sorted({p.name for p in Path(folder).iterdir() if p.is_file()} | set(GENERATED))


def _ordered(names: list[str]) -> list[str]:
    first = [n for n in _FIRST if n in names]
    last = [n for n in names if n == "print.css"]
    return first + [n for n in names if n not in first and n not in last] + last


def stylesheets(folder: Path = ASSETS) -> list[str]:
    """The stylesheets, in cascade order."""
    return _ordered([n for n in asset_names(folder) if n.endswith(".css")])


def scripts(folder: Path = ASSETS) -> list[str]:
    """The scripts, sorted (each loaded with ``defer``; ``search-index.js`` is loaded by ``search.js`` on use)."""
    return [n for n in asset_names(folder) if n.endswith(".js")]


def copy_assets(target: Path, folder: Path = ASSETS) -> list[Path]:
    """Copy every asset file to ``target`` and write the generated ones; return the paths written.
    A file already holding the same bytes is not rewritten."""
    written = []
    for src in sorted(p for p in Path(folder).iterdir() if p.is_file()):
        written.append(_write_if_changed(src.read_bytes(), Path(target) / src.name))
    written.append(_write_if_changed(pygments_css().encode("utf-8"), Path(target) / "pygments.css"))
    return written


def _write_if_changed(data: bytes, path: Path) -> Path:
    if not (path.is_file() and path.read_bytes() == data):
        with atomic_write(path, "wb") as handle:
            handle.write(data)
    return path
