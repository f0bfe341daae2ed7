"""What the index says about the build and how to cite it: commit, commit date, repository, CITATION.cff.

Everything comes from the checkout, never from the clock: the commit and its committer date
(``git log``), the repository's public address from the ``origin`` remote when it is a web
address (a local path or no remote gives none, and the index says so), and the "Cite this
compendium" block from ``CITATION.cff``.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from tieval.errors import InputError
from tieval.paths import project_root

__all__ = ["git_commit", "git_output", "BuildInfo", "build_info", "repository_url", "load_citation", "cite_block"]


def git_commit(root: Path | None = None) -> str:
    """The commit the build ran from ('unknown' outside a git checkout; '+modified' when dirty)."""
    root = root or project_root()
    commit = git_output(root, "rev-parse", "HEAD")
    if not commit:
        return "unknown"
    dirty = git_output(root, "status", "--porcelain", "--untracked-files=no", "--", ":/src", ":/data", ":/notebooks")
    return commit + ("+modified" if dirty else "")


@dataclass(frozen=True)
class BuildInfo:
    """The commit a site was built from: full hash ('+modified' when the tree was dirty), its committer
    date (ISO 8601, '' outside git) and the repository's web address ('' when unknown)."""

    commit: str
    date: str
    repository: str

    @property
    def short(self) -> str:
        """The commit's first 12 characters, with the '+modified' mark kept."""
        base, _, mark = self.commit.partition("+")
        return base[:12] + (f"+{mark}" if mark else "")


def git_output(root: Path, *args: str) -> str:
    """What ``git <args>`` prints in ``root``, stripped ('' outside a checkout or when git fails)."""
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def repository_url(remote: str) -> str:
    """A remote's public web address: ``git@github.com:o/r.git`` and ``https://github.com/o/r.git`` give
    ``https://github.com/o/r``; a local path, a file URL or an empty remote give ''."""
    remote = remote.strip()
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):([\w./-]+?)(?:\.git)?/?", remote)
    if scp:
        return f"https://{scp.group(1)}/{scp.group(2)}"
    web = re.fullmatch(r"(?:https?|ssh|git)://(?:[^@/]+@)?([\w.-]+)(?::\d+)?/([\w./-]+?)(?:\.git)?/?", remote)
    if web:
        return f"https://{web.group(1)}/{web.group(2)}"
    return ""


def build_info(root: Path, commit: str) -> BuildInfo:
    """The :class:`BuildInfo` of the checkout at ``root`` (``commit``: :func:`git_commit`)."""
    date = git_output(root, "log", "-1", "--format=%cI", "HEAD") if commit != "unknown" else ""
    return BuildInfo(commit, date, repository_url(git_output(root, "remote", "get-url", "origin")))


def load_citation(path: Path) -> dict:
    """``CITATION.cff`` as a mapping; it must give at least a title and authors."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(path, "valid YAML (Citation File Format)", found=str(exc).splitlines()[0]) from None
    if not isinstance(data, dict) or not data.get("title") or not data.get("authors"):
        raise InputError(path, "a Citation File Format mapping with title and authors", found=type(data).__name__)
    return data


def _author(a: dict) -> str:
    if a.get("name"):
        return str(a["name"])
    given = " ".join(f"{p[0]}." for p in str(a.get("given-names", "")).split())
    return ", ".join(x for x in (str(a.get("family-names", "")), given) if x)


def cite_block(cff: dict, info: BuildInfo) -> str:
    """The "Cite this compendium" block: the reference as text, from CITATION.cff and the build's commit."""
    authors = "; ".join(_author(a) for a in cff["authors"])
    year = str(cff.get("date-released", ""))[:4]
    parts = [f"{authors} ({year})." if year else f"{authors}.", f"{cff['title']}."]
    if cff.get("version"):
        parts.append(f"Version {cff['version']}.")
    parts.append(f"Commit {info.short}.")
    url = cff.get("repository-code") or cff.get("url") or info.repository
    if url:
        parts.append(str(url))
    if cff.get("doi"):
        parts.append(f"doi:{cff['doi']}")
    message = str(cff.get("message", "")).strip()
    return (
        '<section class="cite-block" aria-labelledby="cite-this"><h2 id="cite-this">Cite this compendium</h2>'
        + (f"<p>{html.escape(message)}</p>" if message else "")
        + f"<pre>{html.escape(' '.join(parts))}</pre>"
        + "<p>From <code>CITATION.cff</code> (Citation File Format).</p></section>"
    )
