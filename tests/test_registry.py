"""The step registry and the make rules generated from it.

The `make -n` tests work in a temporary copy of the project (sources, notebooks, study inputs,
Makefile; the real `.venv` through a symlink), where `make -t` marks every step as built without
running any notebook; each test then makes one file newer and asks `make -n` what it would run.
Nothing in the real tree is changed, and no build is needed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tieval import registry
from tieval.paths import discover_studies, invalid_study_folders, is_valid_study_id

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
STUDIES = discover_studies(ROOT)


# --- the registry ---------------------------------------------------------------------------------


def test_registry_steps_are_the_notebooks_on_disk():
    on_disk = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert set(registry.step_names()) | {s.name for s in registry.TOOL_STEPS} == on_disk
    assert registry.step_names() == sorted(registry.step_names())  # numbered in pipeline order
    for s in registry.STEPS:
        assert (ROOT / s.notebook).is_file()


def test_steps_read_only_earlier_steps_and_known_inputs():
    names = registry.step_names()
    for s in registry.STEPS:
        assert all(names.index(r) < names.index(s.name) for r in s.reads_steps), s.name
        named = {r.removeprefix("inputs.") for r in s.reads if r.startswith("inputs.")}
        kinds = {r for r in s.reads if not r.startswith("inputs.")}
        assert kinds <= set(registry.INPUT_KINDS) and named <= set(registry.INPUT_FILES), s.name
        assert "config" in s.reads


def test_input_files_are_the_file_keys_of_study_yml_inputs():
    from dataclasses import fields

    from tieval.config import _INPUT_SETTINGS, Inputs

    assert set(registry.INPUT_FILES) == {f.name for f in fields(Inputs)} - set(_INPUT_SETTINGS)


def test_no_step_before_triangulation_reads_the_findings_or_recommendations():
    for s in registry.STEPS:
        reads = {"inputs.triangulation", "inputs.recommendations"} & set(s.reads)
        assert bool(reads) == (s.name == "05_triangulation"), s.name
    assert "analysis" not in registry.step("04_qualitative").reads


def test_input_files_resolve_study_yml_and_fall_back_when_unreadable(tmp_path):
    folder = tmp_path / "data" / "s"
    folder.mkdir(parents=True)
    yml = folder / "study.yml"
    yml.write_text("id: s\ninputs:\n  codebook: ./analysis//themes.yml\n  triangulation: ''\n  encoding: utf-8\n")
    assert registry.input_files(tmp_path, "s") == {"codebook": "analysis/themes.yml"}
    yml.write_text("id: s\n")
    assert registry.input_files(tmp_path, "s") == {}
    for broken in ("id: [s\n", "- a list\n", "inputs: [a, b]\n"):
        yml.write_text(broken)
        assert registry.input_files(tmp_path, "s") is None, broken


def test_a_named_input_depends_on_its_file_and_its_folders_unnamed_files(tmp_path):
    tri = registry.step("05_triangulation")
    named = {"codebook": "analysis/themes.yml", "published": "figures.csv"}
    lines = registry._input_variables("s", named)
    assert "INPUT_codebook_s := $(wildcard data/s/analysis/themes.yml)" in lines
    assert "OTHER_ANALYSIS_s := $(filter-out data/s/analysis/themes.yml,$(ANALYSIS_s))" in lines
    assert "OTHER_PUBLISHED_s := $(filter-out ,$(PUBLISHED_s))" in lines  # figures.csv is not in published/
    assert registry._step_inputs(tri, "s", named) == [
        "$(CONFIG_s)",
        "$(INPUT_codebook_s)",
        "$(OTHER_ANALYSIS_s)",
        "$(INPUT_published_s)",
    ]
    assert registry._step_inputs(tri, "s", None) == [  # study.yml unreadable: every folder
        "$(CONFIG_s)",
        "$(OTHER_PUBLISHED_s)",
        "$(OTHER_RAW_s)",
        "$(OTHER_ANALYSIS_s)",
    ]
    assert registry._step_inputs(registry.step("02_clean"), "s", named) == ["$(CONFIG_s)", "$(RAW_s)"]


def test_step_writes_its_step_dir_views_and_for_cleaning_the_processed_data():
    clean = registry.step("02_clean")
    assert clean.writes("x") == [
        Path("outputs/x/02_clean"),
        Path("outputs/html/x/02_clean.html"),
        Path("outputs/html/x/02_clean-code.html"),
        Path("data/processed/x"),
    ]
    assert registry.step("03_tables").target("x") == Path("outputs/x/03_tables/03_tables.ipynb")
    assert Path("data/processed/x") not in registry.step("03_tables").writes("x")


def _modules(name: str) -> set[str]:
    return {p.as_posix() for p in registry.step_modules(registry.step(name), ROOT)}


def test_module_closures_of_the_real_steps():
    every = [_modules(n) for n in registry.step_names()]
    for mods in every:
        assert not any(m.startswith("src/tieval/tools/") for m in mods)
        # the runner and what it needs to normalise and render are in every step
        assert {"src/tieval/pipeline.py", "src/tieval/report/html.py", "src/tieval/notebook_io.py"} <= mods
        assert {"src/tieval/__init__.py", "src/tieval/config.py"} <= mods
    with_triangulation = [
        n for n, mods in zip(registry.step_names(), every) if "src/tieval/mixed/joint_display.py" in mods
    ]
    # 05 imports it; 06 re-runs through its rule on 05 (and may import it once its step module reads findings)
    assert "05_triangulation" in with_triangulation and set(with_triangulation) <= {"05_triangulation", "06_audit"}
    assert "src/tieval/qual/analysis.py" in _modules("04_qualitative")
    assert "src/tieval/qual/analysis.py" not in _modules("01_study_overview")


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_module_closure_follows_every_kind_of_import(tmp_path):
    """Absolute, from-package-import-submodule, relative, and imports inside functions all count;
    enclosing packages are loaded too; names that are attributes, not modules, add nothing."""
    src = _tree(
        tmp_path,
        {
            "tieval/__init__.py": "",
            "tieval/a.py": "from tieval.pkg import sub, CONSTANT\n",
            "tieval/pkg/__init__.py": "CONSTANT = 1\n",
            "tieval/pkg/sub.py": "from . import rel\nfrom .deep.leaf import f\n",
            "tieval/pkg/rel.py": "def g():\n    import tieval.lazy\n",
            "tieval/pkg/deep/__init__.py": "",
            "tieval/pkg/deep/leaf.py": "import os\nimport pandas\n",
            "tieval/lazy.py": "",
            "tieval/unused.py": "",
        },
    )
    assert registry.module_closure(["tieval.a"], src) == {
        "tieval",
        "tieval.a",
        "tieval.pkg",
        "tieval.pkg.sub",
        "tieval.pkg.rel",
        "tieval.pkg.deep",
        "tieval.pkg.deep.leaf",
        "tieval.lazy",
    }
    assert registry.module_closure(["tieval.steps.absent"], src) == {"tieval"}  # a step module not yet written


def test_imports_in_every_kind_of_block_are_found(tmp_path):
    """Imports nested in each statement block (``if``/``else``, ``for``/``while`` ``else``, ``with``,
    ``try``/``except``/``else``/``finally``, ``match`` cases, functions, classes) are found."""
    body = (
        "if A:\n    import tieval.m1\nelse:\n    import tieval.m2\n"
        "for x in y:\n    pass\nelse:\n    import tieval.m3\n"
        "while z:\n    break\nelse:\n    import tieval.m4\n"
        "with c:\n    import tieval.m5\n"
        "try:\n    import tieval.m6\nexcept ImportError:\n    import tieval.m7\nelse:\n    import tieval.m8\n"
        "finally:\n    import tieval.m9\n"
        "match v:\n    case 1:\n        import tieval.m10\n"
        "class K:\n    def f(self):\n        async def g():\n            import tieval.m11\n"
    )
    files = {"tieval/__init__.py": "", "tieval/top.py": body} | {f"tieval/m{i}.py": "" for i in range(1, 12)}
    src = _tree(tmp_path, files)
    assert registry.module_closure(["tieval.top"], src) == {"tieval", "tieval.top"} | {
        f"tieval.m{i}" for i in range(1, 12)
    }


def test_import_scan_finds_what_a_full_ast_walk_finds_in_the_real_sources():
    """The statement-only scan gives the same imports as visiting every node, for every module."""
    import ast

    for path in sorted((SRC / "tieval").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        walked = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        scanned = [n for n in registry._statements(tree.body) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert sorted(map(id, walked)) == sorted(map(id, scanned)), path


def test_notebook_imports_skip_magics_and_name_a_broken_cell(tmp_path):
    src = _tree(tmp_path / "src", {"tieval/__init__.py": "", "tieval/x.py": "", "tieval/y.py": ""})
    cells = [
        {"cell_type": "markdown", "source": "import tieval.y"},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "!ls\n", "from tieval import x\n"]},
    ]
    nb = tmp_path / "n.ipynb"
    nb.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert registry.notebook_imports(nb, src) == {"tieval", "tieval.x"}
    cells.append({"cell_type": "code", "source": "def broken(:\n"})
    nb.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    with pytest.raises(SyntaxError, match=r"n\.ipynb, cell 2: not Python"):
        registry.notebook_imports(nb, src)


def test_study_ids():
    assert is_valid_study_id("surrey-als") and is_valid_study_id("study_2")
    for bad in ("lan cs", "lancé", "../x", "-x", "", "a.b"):
        assert not is_valid_study_id(bad), bad


# --- the generated rules ------------------------------------------------------------------------


def test_rules_are_deterministic_and_cover_every_step_of_every_study():
    text = registry.make_rules(ROOT)
    assert text == registry.make_rules(ROOT)
    for sid in STUDIES:
        for s in registry.STEPS:
            rule = re.search(rf"^{re.escape(s.staged_target(sid).as_posix())}: (.*)$", text, re.M)
            assert rule, (sid, s.name)
            prereqs = rule.group(1).split()
            assert prereqs[0] == s.notebook.as_posix() and f"$(MODULES_{s.name})" in prereqs
            assert f"$(CONFIG_{sid})" in prereqs
            for earlier in s.reads_steps:
                assert registry.step(earlier).staged_target(sid).as_posix() in prereqs
            for kind in ("published", "raw", "analysis"):
                assert (f"$({kind.upper()}_{sid})" in prereqs) == (kind in s.reads)
            assert f"\t@$(RUN) {s.name} --study {sid} --stage\n" in text
            assert f"| $(SETUP) .make/stage/{sid}/.checked" in rule.group(1)  # the study is checked first
        published = " ".join(s.target(sid).as_posix() for s in registry.STEPS)
        staged = " ".join(s.staged_target(sid).as_posix() for s in registry.STEPS)
        assert f"{published} &: {staged} | $(SETUP)\n\t@$(PY) -m tieval publish --study {sid}\n" in text
        assert f".PRECIOUS: {published}\n" in text
        assert f"CONFIG_{sid} := data/{sid}/study.yml\n" in text
        assert f"RAW_{sid} := $(sort $(wildcard data/{sid}/raw/*))\n" in text
    assert re.search(r"^STUDIES := (.*)$", text, re.M).group(1).split() == STUDIES


def test_rules_skip_an_invalid_study_folder_with_one_line(tmp_path):
    root = tmp_path
    for rel in ("src", "notebooks"):
        shutil.copytree(ROOT / rel, root / rel, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("good-one", "lan cs", "lancé"):
        (root / "data" / name).mkdir(parents=True)
        shutil.copy(ROOT / "data" / "surrey-als" / "study.yml", root / "data" / name / "study.yml")
    warnings: list[str] = []
    text = registry.make_rules(root, warn=warnings.append)
    assert discover_studies(root) == ["good-one"] and invalid_study_folders(root) == ["lan cs", "lancé"]
    assert len(warnings) == 2 and all("skipped" in w and "letters, digits" in w for w in warnings)
    assert "'lan cs'" in warnings[0] and "'lancé'" in warnings[1]
    assert re.search(r"^STUDIES := good-one$", text, re.M)
    assert "lan cs" not in text and "outputs/lancé" not in text
    assert "data/lancé/study.yml" in re.search(r"^RULES_INPUTS := (.*)$", text, re.M).group(1).split()


# --- make -n in a temporary copy -------------------------------------------------------------------


def _make(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        ["make", f"SETUP={project / 'setup.stamp'}", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("TIEVAL_ROOT", "MAKEFLAGS", "MAKELEVEL")},
        timeout=120,
    )
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


_TOUCHED: dict[Path, tuple[int, int]] = {}


def _newer(path: Path) -> None:
    """``touch path``: newer than every target (make compares nanosecond times); the ``project``
    fixture puts its old time back."""
    st = path.stat()
    _TOUCHED.setdefault(path, (st.st_atime_ns, st.st_mtime_ns))
    os.utime(path)


def _would_run(project: Path) -> set[tuple[str, str]]:
    out = _make(project, "-n", "all").stdout
    runs = {(m.group(2), m.group(1)) for m in re.finditer(r"-m tieval run (\S+) --study (\S+)", out)}
    if "-m tieval index" in out:
        runs.add(("*", "index"))
    return runs


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory):
    """A copy of the project in which `make -t` marked every step of every study as built."""
    project = tmp_path_factory.mktemp("project")
    for rel in ("src", "notebooks", "data"):
        shutil.copytree(ROOT / rel, project / rel, ignore=shutil.ignore_patterns("__pycache__", "processed"))
    for rel in ("Makefile", "pyproject.toml", "requirements.txt"):
        shutil.copy2(ROOT / rel, project / rel)
    (project / ".venv").symlink_to(ROOT / ".venv")
    (project / "setup.stamp").touch()
    for sid in STUDIES:  # `make -t` creates files, not folders
        for s in registry.STEPS:
            (project / s.target(sid)).parent.mkdir(parents=True)
            (project / s.staged_target(sid)).parent.mkdir(parents=True)
    (project / "outputs/html").mkdir()
    _make(project, "-t", "all")
    assert _make(project, "-q", "all", check=False).returncode == 0
    return project


@pytest.fixture()
def project(built_copy):
    """The built copy; every test leaves it as built (old times restored, then `make -t`)."""
    yield built_copy
    for path, times in _TOUCHED.items():
        if path.exists():
            os.utime(path, ns=times)
    _TOUCHED.clear()
    _make(built_copy, "-t", "all")


ALL_STEPS = {(sid, s) for sid in STUDIES for s in registry.step_names()}


def test_make_t_then_nothing_to_run(project):
    assert _would_run(project) == set()


def test_touching_a_tools_module_runs_no_notebook(project):
    _newer(project / "src/tieval/tools/bench.py")
    assert _would_run(project) == set()


def test_touching_the_triangulation_module_runs_only_triangulation_and_audit(project):
    _newer(project / "src/tieval/mixed/joint_display.py")
    expected = {(sid, s) for sid in STUDIES for s in ("05_triangulation", "06_audit")}
    assert _would_run(project) == expected | {("*", "index")}


def test_touching_one_study_config_runs_only_that_study(project):
    _newer(project / "data/surrey-als/study.yml")
    assert _would_run(project) == {("surrey-als", s) for s in registry.step_names()} | {("*", "index")}


def test_touching_one_notebook_runs_that_step_and_the_steps_reading_it(project):
    _newer(project / "notebooks/04_qualitative.ipynb")
    expected = {(sid, s) for sid in STUDIES for s in ("04_qualitative", "05_triangulation", "06_audit")}
    assert _would_run(project) == expected | {("*", "index")}


def test_touching_a_module_every_step_imports_runs_everything(project):
    _newer(project / "src/tieval/config.py")
    assert _would_run(project) == ALL_STEPS | {("*", "index")}


def test_a_new_raw_file_runs_the_steps_reading_raw(project):
    extra = project / "data/lancashire-tiat/raw/extra.csv"
    extra.write_text("x\n", encoding="utf-8")
    _newer(extra)
    try:
        expected = {
            ("lancashire-tiat", s) for s in ("02_clean", "03_tables", "04_qualitative", "05_triangulation", "06_audit")
        }
        assert _would_run(project) == expected | {("*", "index")}
    finally:
        extra.unlink()


def test_editing_the_findings_runs_only_triangulation_and_audit_of_that_study(project):
    """04_qualitative reads the codebook and the codings, not triangulation.yml; 06_audit reads every
    earlier step's reproductions (05's folder included), so it re-runs with 05."""
    _newer(project / "data/lancashire-tiat/analysis/triangulation.yml")
    expected = {("lancashire-tiat", s) for s in ("05_triangulation", "06_audit")}
    assert _would_run(project) == expected | {("*", "index")}
    _newer(project / "data/lancashire-tiat/analysis/recommendations.yml")
    assert _would_run(project) == expected | {("*", "index")}


def test_editing_the_codebook_runs_the_qualitative_steps(project):
    _newer(project / "data/surrey-als/analysis/codebook.yml")
    expected = {("surrey-als", s) for s in ("04_qualitative", "05_triangulation", "06_audit")}
    assert _would_run(project) == expected | {("*", "index")}


def test_a_new_analysis_file_runs_the_steps_reading_named_analysis_files(project):
    extra = project / "data/surrey-als/analysis/notes.yml"
    extra.write_text("x: 1\n", encoding="utf-8")
    _newer(extra)
    try:
        expected = {("surrey-als", s) for s in ("04_qualitative", "05_triangulation", "06_audit")}
        assert _would_run(project) == expected | {("*", "index")}
    finally:
        extra.unlink()


def test_an_invalid_study_folder_does_not_break_make_for_the_others(project):
    bad = [project / "data" / "lan cs", project / "data" / "lancé"]
    for folder in bad:
        folder.mkdir()
        shutil.copy(project / "data/surrey-als/study.yml", folder / "study.yml")
    try:
        proc = _make(project, "-n", "all")
        warnings = [line for line in proc.stderr.splitlines() if line]
        assert len(warnings) == 2 and all(w.startswith("warning: data/lan") and "skipped" in w for w in warnings)
        assert "-m tieval run" not in proc.stdout  # the two real studies are still up to date
        assert _make(project, "-q", "all", check=False).returncode == 0
        rules = (project / ".make/rules.mk").stat().st_mtime_ns
        _make(project, "-q", "all")
        assert (project / ".make/rules.mk").stat().st_mtime_ns == rules  # no regeneration on every run
    finally:
        for folder in bad:
            shutil.rmtree(folder)


def test_a_source_dated_in_the_future_does_not_make_make_loop(project):
    """Clock skew: the rules are dated no earlier than their newest source, so make regenerates
    them once, not until the clock catches up."""
    source = project / "src/tieval/tools/bench.py"
    st = source.stat()
    _TOUCHED.setdefault(source, (st.st_atime_ns, st.st_mtime_ns))
    future = time.time_ns() + 3600 * 10**9
    os.utime(source, ns=(future, future))
    start = time.perf_counter()
    assert _would_run(project) == set()
    assert time.perf_counter() - start < 20
    assert (project / ".make/rules.mk").stat().st_mtime_ns >= future


def test_adding_a_module_regenerates_the_rules_even_with_an_old_mtime(project):
    new = project / "src/tieval/tools/added.py"
    new.write_text('"""A module added with an old mtime (as `cp -p` or an unpacked archive would leave it)."""\n')
    os.utime(new, (1_000_000_000, 1_000_000_000))
    try:
        _make(project, "-q", "all", check=False)
        assert "src/tieval/tools/added.py" in (project / ".make/rules.mk").read_text(encoding="utf-8")
    finally:
        new.unlink()
        _make(project, "-q", "all", check=False)
    assert "added.py" not in (project / ".make/rules.mk").read_text(encoding="utf-8")
