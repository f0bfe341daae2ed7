"""The code that did the work, inside the site: each tieval module as a highlighted page, and links to it.

:func:`write_sources` renders ``src/tieval/<...>.py`` as ``outputs/html/source/<dotted.module>.html``
(Pygments, one anchor per line: ``#L-<n>``), so the provenance of every appendix can link each
module its step used without leaving the site.  In the auditor view, :func:`link_calls` turns
each use of a name imported from ``tieval`` in the highlighted code (``tables.run``,
``present.finish``) into a link to the line that defines it.
"""

from __future__ import annotations

import ast
import hashlib
import html
import json
import re
from functools import lru_cache
from pathlib import Path

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from tieval.atomic import atomic_write, read_build_state, sha256_file, write_text
from tieval.registry import module_file

__all__ = [
    "module_name",
    "definitions",
    "source_href",
    "source_page",
    "write_sources",
    "import_aliases",
    "link_calls",
]


def module_name(path: Path, src: Path) -> str:
    """``src/tieval/report/html.py`` -> ``tieval.report.html``; a package's ``__init__.py`` -> the package."""
    parts = list(Path(path).relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def definitions(text: str) -> dict[str, int]:
    """Line of each top-level function, class and constant of a module, and of each method as ``Class.name``."""
    found: dict[str, int] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = node.lineno
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        found[f"{node.name}.{item.name}"] = item.lineno
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, node.lineno)
    return found


@lru_cache(maxsize=256)
def _definitions_of(path: str, mtime_ns: int) -> dict[str, int]:
    return definitions(Path(path).read_text(encoding="utf-8"))


def source_href(module: str, prefix: str, name: str | None = None, src: Path | None = None) -> str:
    """Relative URL of a module's source page (``prefix`` leads to ``outputs/html/``), at ``name``'s line
    when ``src`` is given and the module defines it."""
    href = f"{prefix}source/{module}.html"
    if name and src is not None:
        path = module_file(module, src)
        if path is not None:
            line = _definitions_of(str(path), path.stat().st_mtime_ns).get(name)
            if line:
                href += f"#L-{line}"
    return href


def source_page(module: str, text: str, head: str) -> str:
    """The HTML page of one module's source (``head``: the shared asset links, relative to the page)."""
    code = highlight(text, PythonLexer(), HtmlFormatter(lineanchors="L", linenos="inline", anchorlinenos=True))
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(module)} — tieval source</title>\n{head}\n</head>\n"
        '<body class="tieval-source" data-root="../">\n'
        '<a class="skip-link" href="#main">Skip to the content</a>\n'
        '<header class="site-header"><p class="site-name"><a href="../index.html">tieval appendices</a></p>'
        '<p class="site-where">Source code</p></header>\n'
        f'<main id="main" class="tieval-main"><h1><code>{html.escape(module)}</code></h1>'
        f"<p>The module's source at the commit this site was built from ({lines} lines). "
        "Each line has an anchor: <code>#L-</code><em>n</em>.</p>\n"
        f"{code}</main>\n"
        '<footer class="site-footer"><p><a href="../index.html">All appendices</a></p></footer>\n'
        "</body>\n</html>\n"
    )


#: Modules that are lists of personal names (the redaction's name lists, the stand-ins' invented
#: identities): their page names the file but does not reproduce it, so that no personal name
#: reaches the published site.
NAME_LISTS = frozenset({"tieval.survey.namelists", "tieval.tools.identities"})


def module_text(module: str, path: Path) -> str:
    """The text a module's source page shows: the file, or for a name list a note saying where it is."""
    if module in NAME_LISTS:
        rel = "src/" + module.replace(".", "/") + ".py"
        return f"# {rel}: word lists of personal names, not reproduced in the published site.\n"
    return Path(path).read_text(encoding="utf-8")


def write_sources(paths: list[Path], src: Path, folder: Path, head: str, cache: Path | None = None) -> list[Path]:
    """Write the source page of each module file in ``paths`` (below ``src``) to ``folder``; return them.

    Highlighting is most of the index build's time, so with ``cache`` (a JSON file under ``.make/``,
    never published) a page is rendered again only when its module's text or the page head changed,
    or when the page on disk is not the one last written (its SHA-256 differs): the bytes are the same
    either way."""
    known = read_build_state(cache)
    fresh: dict[str, list[str]] = {}
    written = []
    for path in sorted(set(paths)):
        module = module_name(path, src)
        text = module_text(module, path)
        target = Path(folder) / f"{module}.html"
        key = hashlib.sha256("\0".join((module, head, text)).encode("utf-8")).hexdigest()
        entry = known.get(module)
        if not (entry and entry[0] == key and target.is_file() and sha256_file(target) == entry[1]):
            page = source_page(module, text, head)
            if not (target.is_file() and target.read_text(encoding="utf-8") == page):
                write_text(page, target)
            entry = [key, hashlib.sha256(page.encode("utf-8")).hexdigest()]
        fresh[module] = entry
        written.append(target)
    if cache is not None and fresh != known:
        with atomic_write(cache) as handle:  # build state, not an output of the site
            handle.write(json.dumps(fresh, indent=0, sort_keys=True) + "\n")
    return written


def import_aliases(sources: list[str], src: Path) -> dict[str, tuple[str, str | None]]:
    """Names bound by ``import``/``from ... import`` of tieval in code ``sources``: alias -> (module, attribute).

    ``from tieval.steps import tables`` gives ``tables -> ("tieval.steps.tables", None)``;
    ``from tieval.report.present import finish`` gives ``finish -> ("tieval.report.present", "finish")``.
    A cell that is not Python (a magic) is skipped."""
    aliases: dict[str, tuple[str, str | None]] = {}
    for text in sources:
        clean = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in text.splitlines())
        try:
            tree = ast.parse(clean)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "tieval" and alias.asname and module_file(alias.name, src):
                        aliases[alias.asname] = (alias.name, None)
            elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "tieval":
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if module_file(full, src):
                        aliases[alias.asname or alias.name] = (full, None)
                    elif module_file(node.module, src):
                        aliases[alias.asname or alias.name] = (node.module, alias.name)
    return aliases


_NAME = re.compile(r'<span class="n">(\w+)</span>(?:<span class="o">\.</span><span class="n">(\w+)</span>)?')


def link_calls(body: str, aliases: dict[str, tuple[str, str | None]], src: Path, prefix: str = "../") -> str:
    """``body`` (an exported page) with every highlighted use of an alias of :func:`import_aliases` linked to
    its source page: ``tables.run`` to the line defining ``run`` in ``tieval.steps.tables``."""
    if not aliases:
        return body

    def link(match: re.Match) -> str:
        name, attr = match.group(1), match.group(2)
        if name not in aliases:
            return match.group(0)
        module, defined = aliases[name]
        href = source_href(module, prefix, defined or attr, src)
        return f'<a class="tieval-src" href="{href}">{match.group(0)}</a>'

    return _NAME.sub(link, body)
