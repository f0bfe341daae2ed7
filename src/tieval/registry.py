"""The step registry: the pipeline's steps, declared once, and the build rules made from them.

Each :class:`Step` names its notebook, the earlier steps whose outputs it
reads, the study inputs it reads and what it writes.  A study input is
``config`` (``study.yml``), a whole folder (``published/``, ``raw/``,
``analysis/``), or one file named in study.yml's ``inputs`` (``inputs.codebook``,
``inputs.triangulation``, ...; :data:`INPUT_FILES`), resolved per study when the
rules are made (:func:`input_files`).  A file of a folder that no ``inputs``
key names (a new study's extra file) is read, for all the registry knows, by
every step reading a named file of that folder, so it is tracked by those steps.  The tieval modules
a step depends on are not listed by hand: :func:`step_modules` computes them
as the transitive closure of the ``tieval.*`` imports of the notebook's code
cells, of its step module ``tieval.steps.<module>`` (when it exists) and of the
runner (:mod:`tieval.pipeline`, which normalises and renders every step), by
static analysis of ``src/`` (:func:`module_closure`).

:func:`make_rules` turns the registry into the makefile that ``make`` includes
(``python -m tieval make-rules`` writes it to :data:`RULES_PATH`), so a step
re-runs only when its notebook, its study's inputs, an earlier step it reads,
or a module it imports changed.  The Makefile, the build tests and the HTML
index all take the steps from here.

Each step's target is its executed notebook in the study's staging mirror
(:meth:`Step.staged_target`), made after the study's check stamp
``.make/stage/<study>/.checked`` (order-only: checking never re-runs a step); one
grouped rule publishes the study's outputs (:meth:`Step.target`) when all its
steps are staged (:mod:`tieval.staging`).

Generating the rules reads files and parses Python; nothing is imported or run.
"""

from __future__ import annotations

import ast
import json
import os
import posixpath
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from tieval.atomic import atomic_write
from tieval.paths import check_stamp, discover_studies, invalid_study_folders, project_root, stage_root, step_dir

__all__ = [
    "Step",
    "STEPS",
    "TOOL_STEPS",
    "INPUT_KINDS",
    "INPUT_FILES",
    "input_files",
    "RULES_PATH",
    "RUNNER_MODULE",
    "INDEX_MODULE",
    "SOURCE_PAGES_STAMP",
    "step",
    "step_names",
    "notebook_imports",
    "module_closure",
    "module_file",
    "step_modules",
    "site_modules",
    "make_rules",
]

#: Study inputs a step can read: ``config`` is ``data/<study>/study.yml``, the others are its folders.
INPUT_KINDS = ("config", "published", "raw", "analysis")

#: Files named in study.yml's ``inputs`` (the file keys of :class:`tieval.config.Inputs`): a step reading
#: ``inputs.<name>`` depends on that file only (and on the unnamed files of its folder), not on the folder.
INPUT_FILES = (
    "excerpts",
    "codings",
    "codings_second_coder",
    "participants",
    "codebook",
    "triangulation",
    "recommendations",
    "published",
)

#: The ``inputs`` files the qualitative loader (:func:`tieval.qual.data.load`) reads.
_QUAL = ("inputs.excerpts", "inputs.codings", "inputs.participants", "inputs.codebook")

#: The makefile ``make`` includes (derived, not committed; ``make clean`` removes it).
RULES_PATH = Path(".make") / "rules.mk"

#: The module that runs a step (execute, normalise, render): every step's outputs depend on it.
RUNNER_MODULE = "tieval.pipeline"
#: The module that writes the index page and the manifest.
INDEX_MODULE = "tieval.report.html"
#: Files other than modules that every HTML page is made from (a make expression).
SITE_FILES = "$(wildcard src/tieval/report/assets/* src/tieval/report/nbtemplate/*/* references.yml CITATION.cff)"
#: make's record that the site's source pages are up to date (``python -m tieval source-pages --stamp``).
SOURCE_PAGES_STAMP = ".make/source-pages.stamp"


@dataclass(frozen=True)
class Step:
    """One pipeline step: notebook ``notebooks/<name>.ipynb``, run once per study.

    ``reads_steps``: earlier steps whose outputs it reads; ``reads``: study inputs (a kind of
    :data:`INPUT_KINDS`, or ``inputs.<name>`` for a file of :data:`INPUT_FILES`); ``module``: its step module ``tieval.steps.<module>``;
    ``writes_processed``: whether it also writes ``data/processed/<study>/``."""

    name: str
    module: str
    reads_steps: tuple[str, ...] = ()
    reads: tuple[str, ...] = ("config",)
    writes_processed: bool = False

    @property
    def notebook(self) -> Path:
        """``notebooks/<name>.ipynb`` (relative to the project root)."""
        return Path("notebooks") / f"{self.name}.ipynb"

    @property
    def step_module(self) -> str:
        """``tieval.steps.<module>``: the module that computes and writes the step."""
        return f"tieval.steps.{self.module}"

    def target(self, study: str) -> Path:
        """The file ``make`` builds: the executed notebook ``outputs/<study>/<name>/<name>.ipynb``."""
        return step_dir(study, self.name, Path(".")) / f"{self.name}.ipynb"

    def staged_target(self, study: str) -> Path:
        """The executed notebook in the study's staging mirror, which make builds (the published
        :meth:`target` is copied from it when the whole study is staged, see :mod:`tieval.staging`)."""
        return stage_root(study, Path(".")) / self.target(study)

    def writes(self, study: str) -> list[Path]:
        """Folders and files the step writes for a study: its step dir (tables, figures, executed notebook,
        provenance), its two HTML views and, for the cleaning step, the processed data."""
        out = [
            step_dir(study, self.name, Path(".")),
            Path("outputs") / "html" / study / f"{self.name}.html",
            Path("outputs") / "html" / study / f"{self.name}-code.html",
        ]
        if self.writes_processed:
            out.append(Path("data") / "processed" / study)
        return out


STEPS: tuple[Step, ...] = (
    Step("01_study_overview", "overview", (), ("config", "inputs.published")),
    Step("02_clean", "clean", (), ("config", "raw"), writes_processed=True),  # the raw manifest covers raw/
    Step("03_tables", "tables", ("02_clean",), ("config", "inputs.published")),
    Step(
        "04_qualitative",
        "qualitative",
        ("02_clean",),
        ("config", *_QUAL, "inputs.codings_second_coder", "inputs.published"),
    ),
    Step(
        "05_triangulation",
        "triangulation",
        ("02_clean", "03_tables", "04_qualitative"),
        ("config", *_QUAL, "inputs.triangulation", "inputs.recommendations", "inputs.published"),
    ),
    Step(
        "06_audit",
        "audit",
        ("02_clean", "03_tables", "04_qualitative", "05_triangulation"),
        ("config", "inputs.published"),
    ),
)
"""The pipeline, in order (``make`` runs these for every study)."""

TOOL_STEPS: tuple[Step, ...] = (Step("00_reconstruct", "reconstruct", (), ("config", "published")),)
"""Maintenance notebooks run on demand (``make reconstruct``), not part of the build."""


def step_names() -> list[str]:
    """Names of the pipeline steps, in order."""
    return [s.name for s in STEPS]


def step(name: str) -> Step:
    """The pipeline or tool step called ``name``."""
    for s in STEPS + TOOL_STEPS:
        if s.name == name:
            return s
    raise KeyError(name)


# --- static import analysis ------------------------------------------------------------------------


def module_file(module: str, src: Path) -> Path | None:
    """The file of ``module`` below ``src`` (``a/b.py`` or ``a/b/__init__.py``), or None."""
    base = src.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _parents(module: str) -> list[str]:
    """``a.b.c`` -> ``[a, a.b, a.b.c]``: importing a module runs every enclosing package first."""
    parts = module.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _statements(body):
    """Every statement of ``body`` and of the statement blocks nested in it (functions, classes,
    ``if``/``for``/``while``/``with``/``try``/``match`` blocks), in source order.  An import is a
    statement, so this finds every one without visiting the expressions ``ast.walk`` would."""
    for node in body:
        yield node
        for block in ("body", "orelse", "finalbody"):
            nested = getattr(node, block, None)
            if isinstance(nested, list):
                yield from _statements(nested)
        for part in getattr(node, "handlers", ()) or getattr(node, "cases", ()):
            yield from _statements(part.body)


def _imports_of_tree(tree: ast.Module, package: str, src: Path) -> set[str]:
    """``tieval.*`` modules (of ``src``) that a parsed module or cell imports, wherever the import
    stands (top level, in a function, under ``TYPE_CHECKING``): every one of them can change it."""
    found: set[str] = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            names = [origin] + [f"{origin}.{alias.name}" for alias in node.names if alias.name != "*"]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "tieval":
                found.update(m for m in _parents(name) if module_file(m, src) is not None)
    return found


def _module_imports(module: str, src: Path, cache: dict[str, set[str]]) -> set[str]:
    if module not in cache:
        path = module_file(module, src)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        cache[module] = _imports_of_tree(tree, package, src)
    return cache[module]


def module_closure(modules, src: Path, cache: dict[str, set[str]] | None = None) -> set[str]:
    """Every module of ``src`` that importing ``modules`` can load: the transitive closure of their
    ``tieval.*`` imports, enclosing packages included.  Modules absent from ``src`` are left out."""
    cache = {} if cache is None else cache
    todo = [p for m in modules for p in _parents(m) if module_file(p, src) is not None]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(_module_imports(module, src, cache) - seen)
    return seen


def _cell_source(source: str) -> str:
    """A code cell as Python: IPython magics and shell escapes (``%...``, ``!...``) become blank lines."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def notebook_imports(notebook: Path, src: Path) -> set[str]:
    """``tieval.*`` modules imported by the code cells of a notebook (direct imports only)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    found: set[str] = set()
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        try:
            tree = ast.parse(_cell_source(source), filename=f"{notebook} cell {i}")
        except SyntaxError as exc:
            raise SyntaxError(f"{notebook}, cell {i}: not Python: {exc.msg} (line {exc.lineno})") from None
        found |= _imports_of_tree(tree, "", src)
    return found


def step_modules(s: Step, root: Path | None = None, cache: dict[str, set[str]] | None = None) -> list[Path]:
    """Source files a step's outputs depend on, sorted: the closure of its notebook's imports, of its
    step module (if present) and of the runner."""
    root = Path(root or project_root())
    src = root / "src"
    cache = {} if cache is None else cache
    direct = notebook_imports(root / s.notebook, src) | {s.step_module, RUNNER_MODULE}
    return sorted(_relative(module_file(m, src), root) for m in module_closure(direct, src, cache))


def site_modules(root: Path | None = None, cache: dict[str, set[str]] | None = None) -> list[Path]:
    """Source files that get a page in the site (``outputs/html/source/``), sorted and relative to
    ``root``: the modules of every step whose notebook exists (tool steps included) and the index's."""
    root = Path(root or project_root())
    src = root / "src"
    cache = {} if cache is None else cache
    files: set[Path] = set()
    for s in STEPS + TOOL_STEPS:
        if (root / s.notebook).is_file():
            files.update(step_modules(s, root, cache))
    files.update(_relative(module_file(m, src), root) for m in module_closure([INDEX_MODULE], src, cache))
    return sorted(files)


def _relative(path: Path, root: Path) -> Path:
    return path.relative_to(root)


# --- the generated makefile ------------------------------------------------------------------------


#: Characters that make reads specially in a file name (``RULES_INPUTS`` cannot hold such a name as is).
_MAKE_SPECIAL = set(" \t\n$#%\\")


def _rule_inputs(root: Path) -> list[str]:
    """Files the rules are made from, as the Makefile lists them (``RULES_SOURCES``): every module,
    every notebook and every ``data/*/study.yml``, skipped folders included, so that make, comparing
    both lists, regenerates the rules exactly when a file was added or removed.  (A folder name that
    make splits or expands cannot be listed; make then regenerates once per run, which is harmless.)"""
    src = sorted(p.relative_to(root).as_posix() for p in (root / "src" / "tieval").rglob("*.py"))
    notebooks = sorted(p.relative_to(root).as_posix() for p in (root / "notebooks").glob("*.ipynb"))
    names = discover_studies(root) + invalid_study_folders(root)
    configs = [f"data/{name}/study.yml" for name in names if not _MAKE_SPECIAL & set(name)]
    return sorted(src + notebooks + configs)


def input_files(root: Path, study: str) -> dict[str, str] | None:
    """The files study.yml's ``inputs`` names (:data:`INPUT_FILES`), as paths relative to the study folder
    (normalised, ``/``-separated): ``{"codebook": "analysis/codebook.yml", ...}``; a key left out or blank
    names none.  ``None`` when study.yml cannot be read as a mapping (the rules then make every named
    input depend on every input folder; ``python -m tieval check`` reports the file)."""
    try:
        spec = yaml.safe_load((root / "data" / study / "study.yml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(spec, dict):
        return None
    inputs = spec.get("inputs")
    if inputs is None:
        return {}
    if not isinstance(inputs, dict):
        return None
    named = {}
    for name in INPUT_FILES:
        rel = inputs.get(name)
        if isinstance(rel, str) and rel.strip():
            named[name] = posixpath.normpath(rel.strip().replace("\\", "/"))
    return named


def _folder_of(rel: str) -> str | None:
    """The input folder (:data:`INPUT_KINDS`) a study-relative path lies in, or None."""
    head, _, rest = rel.partition("/")
    return head if head in INPUT_KINDS[1:] and rest else None


def _input_variables(study: str, named: dict[str, str] | None) -> list[str]:
    """The study's input variables: ``CONFIG_<study> := data/<study>/study.yml``; one per input folder
    (``RAW_<study>``: its files, listed by make when it reads the rules, so a file added to ``raw/`` is
    seen); one per file named in ``inputs`` (``INPUT_codebook_<study>``, empty while the file is absent);
    and per folder, its files that no ``inputs`` key names (``OTHER_RAW_<study>``)."""
    lines = [f"CONFIG_{study} := data/{study}/study.yml"]
    for kind in INPUT_KINDS[1:]:
        lines.append(f"{kind.upper()}_{study} := $(sort $(wildcard data/{study}/{kind}/*))")
    listed = {name: rel for name, rel in (named or {}).items() if not _MAKE_SPECIAL & set(rel)}
    for name, rel in listed.items():
        lines.append(f"INPUT_{name}_{study} := $(wildcard data/{study}/{rel})")
    for kind in INPUT_KINDS[1:]:
        claimed = " ".join(f"data/{study}/{rel}" for rel in listed.values() if _folder_of(rel) == kind)
        lines.append(f"OTHER_{kind.upper()}_{study} := $(filter-out {claimed},$({kind.upper()}_{study}))")
    return lines


def _step_inputs(s: Step, study: str, named: dict[str, str] | None) -> list[str]:
    """The make expressions of the study inputs a step reads (:attr:`Step.reads`), in order, each once: a
    kind is its variable; ``inputs.<name>`` is that file's variable and the unnamed files of its folder
    (of every input folder when study.yml could not be read; nothing when the study names no such file)."""
    out: list[str] = []
    for entry in s.reads:
        if entry.startswith("inputs."):
            name = entry.removeprefix("inputs.")
            if named is None:
                exprs = [f"$(OTHER_{kind.upper()}_{study})" for kind in INPUT_KINDS[1:]]
            elif name not in named:
                exprs = []
            elif _MAKE_SPECIAL & set(named[name]):  # not listable: its folder's unnamed files hold it
                folder = _folder_of(named[name])
                exprs = [f"$(OTHER_{folder.upper()}_{study})"] if folder else []
            else:
                folder = _folder_of(named[name])
                exprs = [f"$(INPUT_{name}_{study})"] + ([f"$(OTHER_{folder.upper()}_{study})"] if folder else [])
        else:
            exprs = [f"$({entry.upper()}_{study})"]
        out += [e for e in exprs if e not in out]
    return out


def make_rules(root: Path | None = None, studies: list[str] | None = None, warn=None) -> str:
    """The makefile that builds every step of every study (deterministic: same tree, same text).

    Study folders whose name is not a valid id are skipped, each with one line to ``warn``
    (default: stderr), so one bad folder does not stop the others."""
    root = Path(root or project_root())
    if studies is None:
        studies = discover_studies(root)
        for name in invalid_study_folders(root):
            (warn or _stderr)(
                f"warning: data/{name}/: skipped: a study id has letters, digits, '-' and '_' only "
                f"(found {name!r}); rename the folder to build it"
            )
    cache: dict[str, set[str]] = {}
    modules = {s.name: step_modules(s, root, cache) for s in STEPS}
    index_modules = sorted(
        _relative(module_file(m, root / "src"), root) for m in module_closure([INDEX_MODULE], root / "src", cache)
    )
    lines = [
        "# Generated by `python -m tieval make-rules` from the step registry (tieval.registry): do not edit.",
        "# make regenerates it when a module, a notebook or a study.yml changes.",
        "",
        f"RULES_INPUTS := {' '.join(_rule_inputs(root))}",
        f"STUDIES := {' '.join(studies)}",
        f"STEPS := {' '.join(step_names())}",
        "",
        "# tieval modules each step imports (closure of its notebook, its step module and the runner)",
    ]
    for s in STEPS:
        lines.append(f"MODULES_{s.name} := {' '.join(p.as_posix() for p in modules[s.name])}")
    lines.append(f"MODULES_index := {' '.join(p.as_posix() for p in index_modules)}")
    lines.append("# modules that get a source page in the site (every step's, the tool steps' and the index's)")
    lines.append(f"MODULES_sources := {' '.join(p.as_posix() for p in site_modules(root, cache))}")
    lines.append(
        "# what every page is also made from: the site's assets, its page template, the bibliography, CITATION.cff"
    )
    lines.append(f"SITE_FILES := {SITE_FILES}")
    targets: list[str] = []
    stage_targets: list[str] = []
    for study in studies:
        named = input_files(root, study)
        lines += ["", f"# --- {study}", *_input_variables(study, named)]
        checked = check_stamp(study, Path(".")).as_posix()
        folders = " ".join(f"data/{study}/{kind}" for kind in INPUT_KINDS[1:])
        lines.append(
            f"{checked}: $(CONFIG_{study}) $(wildcard {folders}) "
            + " ".join(f"$({kind.upper()}_{study})" for kind in INPUT_KINDS[1:])
            + " | $(SETUP)"
        )
        lines.append(f"\t@$(PY) -m tieval check --study {study} --stamp $@")
        for s in STEPS:
            prereqs = [
                s.notebook.as_posix(),
                *_step_inputs(s, study, named),
                *(step(r).staged_target(study).as_posix() for r in s.reads_steps),
                f"$(MODULES_{s.name})",
                "$(SITE_FILES)",
            ]
            lines.append(f"{s.staged_target(study).as_posix()}: {' '.join(prereqs)} | $(SETUP) {checked}")
            lines.append(f"\t@$(RUN) {s.name} --study {study} --stage")
        published = " ".join(s.target(study).as_posix() for s in STEPS)
        staged = " ".join(s.staged_target(study).as_posix() for s in STEPS)
        lines.append(f"{published} &: {staged} | $(SETUP)")
        lines.append(f"\t@$(PY) -m tieval publish --study {study}")
        lines.append(f".PRECIOUS: {published}")
        targets += [s.target(study).as_posix() for s in STEPS]
        stage_targets += [s.staged_target(study).as_posix() for s in STEPS]
        lines.append(f".PHONY: study-{study}")
        lines.append(f"study-{study}: {published}")
    lines += [
        "",
        f"NOTEBOOKS := {' '.join(targets)}",
        f"STAGED := {' '.join(stage_targets)}",
        "",
        "# The source pages (Pygments: most of a fresh index's time) are rendered beside the steps;",
        "# the index checks them again against its cache and renders only what changed since.",
        f"{SOURCE_PAGES_STAMP}: $(MODULES_sources) $(SITE_FILES) | $(SETUP)",
        "\t@$(PY) -m tieval source-pages --stamp $@",
        "",
        "# the staged notebooks too: make 4.3's dry run (-n) does not see a grouped target (&:) as remade",
        f"outputs/html/index.html: $(NOTEBOOKS) $(STAGED) $(MODULES_index) $(SITE_FILES) | $(SETUP) {SOURCE_PAGES_STAMP}",
        "\t@$(PY) -m tieval index",
        "",
    ]
    return "\n".join(lines)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def write_rules(output: str | Path | None = None, root: Path | None = None) -> int:
    """``python -m tieval make-rules``: write :func:`make_rules` to ``output`` or print it; return the
    exit status.

    The file is written every time (atomically), so ``make`` sees it up to date, and it is dated no
    earlier than its newest source: a source dated in the future (clock skew, an unpacked archive)
    would otherwise leave it out of date and make would regenerate it in a loop."""
    root = Path(root or project_root())
    text = make_rules(root)
    if output is None:
        sys.stdout.write(text)
        return 0
    with atomic_write(output) as handle:
        handle.write(text)
    newest = max((root / p).stat().st_mtime_ns for p in _rule_inputs(root))
    stamp = max(time.time_ns(), newest)
    os.utime(output, ns=(stamp, stamp))
    return 0
