"""References: one bibliography (``references.yml``), citations linked to a reference list on each page.

``references.yml`` at the project root holds one entry per key: ``authors``, ``year``, ``title``
and where the work appeared (``container``, ``volume``, ``issue``, ``pages``, or ``publisher`` and
``edition``), a ``doi`` only where it is known for certain, and ``mentions``: the words that cite
the work where they stand in an appendix (``Farmer et al. 2006``, ``Cohen's kappa``).

:func:`link_citations` links, on each page, the first occurrence of each work's mentions (and
every explicit ``[@key]`` a notebook writes) to ``#ref-<key>``; :func:`reference_list` is the
page's "References" section, listing the works the page cites.  Text inside links, code,
headings and scripts is left alone.  DOIs are outbound links (``rel="external"``), never
resources a page loads.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from tieval.errors import InputError

__all__ = ["Reference", "BIBLIOGRAPHY", "load_bibliography", "link_citations", "reference_list", "mention_pattern"]

#: The bibliography file, relative to the project root.
BIBLIOGRAPHY = Path("references.yml")

_REQUIRED = ("authors", "year", "title", "mentions")
_KEY = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class Reference:
    """One work of the bibliography."""

    key: str
    authors: str
    year: int
    title: str
    mentions: tuple[str, ...]
    container: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    publisher: str = ""
    edition: str = ""
    doi: str = ""

    def formatted(self) -> str:
        """The entry as HTML: authors (year). Title. *Container* volume(issue): pages. DOI link."""
        out = f"{html.escape(self.authors)} ({self.year}). {html.escape(self.title)}."
        if self.container:
            out += f" <em>{html.escape(self.container)}</em>"
            if self.volume:
                out += f" {html.escape(self.volume)}"
                if self.issue:
                    out += f"({html.escape(self.issue)})"
            if self.pages:
                out += f": {html.escape(self.pages)}"
            out += "."
        if self.edition:
            out += f" {html.escape(self.edition)}."
        if self.publisher:
            out += f" {html.escape(self.publisher)}."
        if self.doi:
            doi = html.escape(self.doi)
            out += f' <a href="https://doi.org/{doi}" rel="external">doi:{doi}</a>'
        return out


def load_bibliography(path: Path) -> dict[str, Reference]:
    """Read and check the bibliography; bad content raises :class:`InputError` naming the key and field."""
    return dict(_load(str(path), Path(path).stat().st_mtime_ns))


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> tuple[tuple[str, Reference], ...]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(path, "valid YAML", found=str(exc).splitlines()[0]) from None
    if not isinstance(data, dict):
        raise InputError(path, "a mapping of citation keys to entries", found=type(data).__name__)
    out = []
    for key, entry in data.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise InputError(path, "a key of lower-case letters, digits, '-' and '_'", column=str(key), found=key)
        if not isinstance(entry, dict):
            raise InputError(path, "a mapping (authors, year, title, mentions, ...)", column=key, found=entry)
        missing = [f for f in _REQUIRED if not entry.get(f)]
        if missing:
            raise InputError(path, f"fields {', '.join(_REQUIRED)}", column=key, found=f"no {', '.join(missing)}")
        mentions = entry["mentions"]
        if not isinstance(mentions, list) or not all(isinstance(m, str) and m.strip() for m in mentions):
            raise InputError(path, "mentions: a list of non-empty strings", column=key, found=mentions)
        if not isinstance(entry["year"], int):
            raise InputError(path, "year: a whole number", column=key, found=entry["year"])
        unknown = set(entry) - set(Reference.__dataclass_fields__)
        if unknown:
            raise InputError(path, "known fields only", column=key, found=", ".join(sorted(unknown)))
        fields = {k: (str(v).strip() if k not in ("year", "mentions") else v) for k, v in entry.items()}
        fields["mentions"] = tuple(mentions)
        out.append((key, Reference(key=key, **fields)))
    return tuple(out)


def mention_pattern(mention: str) -> re.Pattern:
    """The pattern of a mention in escaped page text: an apostrophe may stand as ``'``, ``&#x27;``,
    ``&#39;`` or ``’``; the mention must not be part of a longer word."""
    parts = [re.escape(html.escape(p, quote=False)) for p in mention.split("'")]
    return re.compile(r"(?<![\w-])" + "(?:'|&#x27;|&#39;|’)".join(parts) + r"(?![\w-])")


_SKIP = {"a", "code", "pre", "script", "style", "title", "textarea", "h1", "h2", "h3", "h4", "h5", "h6", "summary"}
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")
_EXPLICIT = re.compile(r"\[@([a-z][a-z0-9_-]*)\]")


def link_citations(body: str, bib: dict[str, Reference]) -> tuple[str, list[str]]:
    """``body`` with citations linked to ``#ref-<key>`` and the keys cited, in order of first citation.

    Each work's first mention on the page is linked; ``[@key]`` is replaced by ``(Authors year)``
    linked, wherever it stands.  An unknown ``[@key]`` raises ``KeyError`` (a typo must not pass)."""
    patterns = [(key, mention_pattern(m)) for key, ref in bib.items() for m in ref.mentions]
    pending = {key for key, _ in patterns}
    cited: list[str] = []
    parts = _TAG.split(body)
    depth = 0
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            m = _TAG_NAME.match(part)
            if m and m.group(2).lower() in _SKIP and not part.endswith("/>"):
                depth = max(0, depth + (-1 if m.group(1) else 1))
            continue
        if depth or not part.strip():
            continue
        if "[@" in part:
            part = _EXPLICIT.sub(lambda mt: _explicit(mt.group(1), bib, cited), part)
        for key, pattern in patterns:
            if key not in pending:
                continue
            match = pattern.search(part)
            if match:
                pending.discard(key)
                if key not in cited:
                    cited.append(key)
                part = part[: match.start()] + _link(key, match.group(0)) + part[match.end() :]
        parts[i] = part
    return "".join(parts), cited


def _link(key: str, text: str) -> str:
    return f'<a class="cite" href="#ref-{key}">{text}</a>'


def _explicit(key: str, bib: dict[str, Reference], cited: list[str]) -> str:
    if key not in bib:
        raise KeyError(f"[@{key}]: no entry {key!r} in {BIBLIOGRAPHY}")
    if key not in cited:
        cited.append(key)
    ref = bib[key]
    surname = ref.authors.split(",")[0]
    many = " et al." if ref.authors.count(",") > 2 or " et al" in ref.authors else ""
    pair = ""
    if not many and " and " in ref.authors:
        pair = " and " + ref.authors.split(" and ")[-1].split(",")[0]
    return "(" + _link(key, html.escape(f"{surname}{pair}{many} {ref.year}")) + ")"


def reference_list(keys: list[str], bib: dict[str, Reference]) -> str:
    """The page's "References" section: the cited works, by author and year ('' when none)."""
    if not keys:
        return ""
    refs = sorted((bib[k] for k in set(keys)), key=lambda r: (r.authors.lower(), r.year, r.key))
    items = "".join(f'<li id="ref-{r.key}">{r.formatted()}</li>' for r in refs)
    return (
        '<section class="tieval-refs" aria-labelledby="references">'
        f'<h2 id="references">References</h2><ol>{items}</ol></section>'
    )
