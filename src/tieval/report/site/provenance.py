"""The provenance section that ends every appendix: what a reviewer needs to rebuild and check it.

:func:`provenance_html` renders a step's provenance record (written by
:func:`tieval.report.present.finish`): the commit, the parameters as injected, the SHA-256 of
every input, the Python and package versions (:func:`software_versions`), a link to the
executed notebook inside the site and one to the source page of each tieval module the step
used (:func:`step_module_names`, from the step registry's import closure).  Links are relative
to the page ``outputs/html/<study>/<step>.html``.
"""

from __future__ import annotations

import html
import platform
from importlib import metadata
from pathlib import Path

from tieval import registry
from tieval.report.site.sources import module_name, source_href

__all__ = ["PACKAGES", "software_versions", "step_module_names", "provenance_html"]

#: The libraries whose versions the provenance names (the ones the results depend on).
PACKAGES = (
    "tieval",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "matplotlib",
    "seaborn",
    "PyYAML",
    "papermill",
    "nbconvert",
    "nbformat",
    "Jinja2",
    "Pygments",
)


def software_versions(packages=PACKAGES) -> dict[str, str]:
    """``{"python": "3.11.x", package: version}``; a package that is not installed is 'not installed'."""
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def step_module_names(step: str, root: Path) -> list[str]:
    """Dotted names of the tieval modules a registered step used (its import closure), sorted;
    [] for a notebook the registry does not know or a project without its notebook."""
    try:
        s = registry.step(step)
    except KeyError:
        return []
    if not (root / s.notebook).is_file():  # a project without the pipeline notebooks (a fixture)
        return []
    return sorted(module_name(root / p, root / "src") for p in registry.step_modules(s, root))


def provenance_html(record: dict, modules: list[str]) -> str:
    """The provenance section of an appendix from a provenance ``record`` and the step's ``modules``."""
    step = record["step"]
    params = ", ".join(f"{k} = {v!r}" for k, v in record["parameters"].items())
    rows = "".join(
        f"<tr><td><code>{html.escape(p)}</code></td><td><code>{c[:16]}</code></td></tr>"
        for p, c in record["inputs"].items()
    )
    versions = record.get("software", {})
    software = ", ".join(f"{html.escape(k)} {html.escape(v)}" for k, v in versions.items())
    links = "".join(f'<li><a href="{source_href(m, "../")}"><code>{html.escape(m)}</code></a></li>' for m in modules)
    return (
        '<section class="tieval-provenance" id="provenance" aria-labelledby="provenance-heading">'
        '<h2 id="provenance-heading">Provenance</h2>'
        f"<p>Built from commit <code>{html.escape(record['commit'])}</code> with the parameters injected "
        f"for this study: <code>{html.escape(params)}</code>.</p>"
        + (f"<p>Software: {software}.</p>" if software else "")
        + f'<p>The executed notebook: <a href="{html.escape(step)}/{html.escape(step)}.ipynb">'
        f"{html.escape(step)}.ipynb</a> (every output as it was computed).</p>"
        f"<details><summary>Inputs read by this step ({len(record['inputs'])}), with SHA-256</summary>"
        '<table class="tieval-table"><thead><tr><th>file</th><th>sha256 (first 16)</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
        + (
            f"<details><summary>The tieval modules this step used ({len(modules)}), with their source</summary>"
            f"<ul>{links}</ul></details>"
            if modules
            else ""
        )
        + "</section>"
    )
