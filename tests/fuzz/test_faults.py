"""Faults during builds (``make fuzz``): kills, concurrent runs, a failing late step, a full or read-only
disk, and a setting that withdraws outputs.  The make cases run in a copy of this checkout's built
project (sources, data, outputs and the staging mirrors), so each rebuilds one or two steps only."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from tests.fuzz.harness import ROOT, digests

from tieval import staging
from tieval.__main__ import main
from tieval.registry import STEPS, step

pytestmark = pytest.mark.fuzz

PUBLISHED = ("outputs", "data/processed")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    if not (ROOT / ".make" / "stage").is_dir() or not (ROOT / "outputs" / "html" / "index.html").is_file():
        pytest.skip("the fault cases run against a built project: run `make` first")
    copy = tmp_path_factory.mktemp("faults") / "project"
    copy.mkdir()
    for rel in ("src", "notebooks", "data", "outputs", ".make"):
        shutil.copytree(ROOT / rel, copy / rel, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "bench"))
    for rel in ("Makefile", "pyproject.toml", "requirements.txt"):
        shutil.copy2(ROOT / rel, copy / rel)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    (copy / "setup.stamp").touch()
    _make(copy, "-t", "all")  # the copy's own times: up to date
    assert _make(copy, "-q", "all", check=False).returncode == 0
    return copy


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("TIEVAL_ROOT", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}


def _make(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        ["make", f"SETUP={project / 'setup.stamp'}", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _touch_last_step(project: Path) -> None:
    os.utime(project / "notebooks" / "06_audit.ipynb")


def test_a_failing_late_step_leaves_the_previous_outputs_and_names_the_step(built):
    """A recommendation citing an unknown finding fails 05_triangulation after 01-04 ran: nothing of
    the study is replaced (the issue's half-updated outputs)."""
    before = digests(built, PUBLISHED)
    bad = built / "data/lancashire-tiat/analysis/recommendations.yml"
    original = bad.read_bytes()
    bad.write_bytes(original.replace(b"findings: [", b"findings: [no_such_finding, ", 1))
    os.utime(built / "notebooks/04_qualitative.ipynb")  # an earlier step of the same run succeeds first
    try:
        proc = _make(built, "all", check=False)
        assert proc.returncode != 0
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, proc.stderr
        assert "recommendations.yml" in errors[0] and "no_such_finding" in errors[0]
        assert "step 05_triangulation of lancashire-tiat failed: outputs/lancashire-tiat/ keeps the last" in errors[0]
        assert "Traceback" not in proc.stderr + proc.stdout
        assert "lancashire-tiat    04_qualitative" in proc.stdout  # 04 ran and was staged, not published
        assert digests(built, PUBLISHED) == before  # nothing replaced, nothing deleted
        assert not list((built / "outputs").rglob("*.failed.ipynb"))
    finally:
        bad.write_bytes(original)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_killed_build_leaves_outputs_intact_and_the_next_make_is_byte_identical(built, sig):
    before = digests(built, PUBLISHED)
    _touch_last_step(built)
    proc = subprocess.Popen(
        ["make", f"SETUP={built / 'setup.stamp'}", "all"],
        cwd=built,
        env=_env(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(4)
    os.killpg(proc.pid, sig)
    proc.wait(timeout=60)
    assert digests(built, PUBLISHED) == before
    _make(built, "all")
    assert digests(built, PUBLISHED) == before


def test_two_makes_at_once_leave_the_same_outputs(built):
    before = digests(built, PUBLISHED)
    _touch_last_step(built)
    procs = [
        subprocess.Popen(
            ["make", f"SETUP={built / 'setup.stamp'}", "all"],
            cwd=built,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for p in procs:
        p.wait(timeout=300)
    _make(built, "all")
    assert digests(built, PUBLISHED) == before


# --- in process: publishing, full and read-only disks, withdrawn outputs --------------------------


def _publish(root: Path, study: str, monkeypatch) -> tuple[int, str]:
    monkeypatch.chdir(root)
    monkeypatch.setenv("TIEVAL_ROOT", ".")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["publish", "--study", study])
    return code, err.getvalue()


def test_a_full_disk_during_publish_is_one_line_and_changes_nothing(built, monkeypatch):
    before = digests(built, PUBLISHED)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[1]))

    monkeypatch.setattr(staging.shutil, "copyfile", full)
    code, err = _publish(built, "surrey-als", monkeypatch)
    assert code == 2 and err.count("\n") == 1 and "the disk is full" in err and err.startswith("error: "), err
    assert digests(built, PUBLISHED) == before
    monkeypatch.undo()
    assert not (built / ".make/publish/surrey-als/old").exists()


def test_a_read_only_folder_during_publish_is_one_line_and_changes_nothing(built, monkeypatch):
    before = digests(built, PUBLISHED)
    real = os.replace

    def read_only(src, dst):
        if "outputs" in str(dst):
            raise OSError(errno.EROFS, "Read-only file system", str(dst))
        return real(src, dst)

    monkeypatch.setattr(staging.os, "replace", read_only)
    code, err = _publish(built, "lancashire-tiat", monkeypatch)
    assert code == 2 and err.count("\n") == 1 and "read-only file system" in err, err
    monkeypatch.undo()
    # the cut-short publish is rolled back by the next one, which restores the same bytes
    code, err = _publish(built, "lancashire-tiat", monkeypatch)
    assert code == 0, err
    assert digests(built, PUBLISHED) == before


def test_publishing_an_incomplete_study_names_the_step_and_changes_nothing(built, monkeypatch):
    before = digests(built, PUBLISHED)
    staged = built / step("05_triangulation").staged_target("surrey-als")
    kept = staged.read_bytes()
    staged.unlink()
    try:
        code, err = _publish(built, "surrey-als", monkeypatch)
        assert code == 2 and "step 05_triangulation has not succeeded" in err and err.count("\n") == 1, err
        assert digests(built, PUBLISHED) == before
    finally:
        staged.write_bytes(kept)


def test_outputs_a_setting_no_longer_allows_are_gone_after_the_next_run(built, monkeypatch):
    """A step's staged outputs are cleared before it runs, and the published set is exactly the
    staged one: a per-respondent file written under min_cell=0 does not survive a min_cell=5 run."""
    stage = built / ".make/stage/lancashire-tiat"
    tables = step("03_tables")
    stale = stage / "outputs/lancashire-tiat/03_tables/construct_scores_unsuppressed.csv"
    stale.write_text("respondent,score\nR1,4\n")
    staging.clear_step(tables, "lancashire-tiat", stage)
    assert not (stage / tables.writes("lancashire-tiat")[0]).exists()
    shutil.copytree(built / "outputs/lancashire-tiat/03_tables", stage / "outputs/lancashire-tiat/03_tables")
    for name in ("03_tables.html", "03_tables-code.html"):
        shutil.copy(built / "outputs/html/lancashire-tiat" / name, stage / "outputs/html/lancashire-tiat" / name)
    (built / "outputs/lancashire-tiat/03_tables/extra_old_figure.png").write_bytes(b"old")
    code, err = _publish(built, "lancashire-tiat", monkeypatch)
    assert code == 0, err
    assert not (built / "outputs/lancashire-tiat/03_tables/extra_old_figure.png").exists()
    assert not (built / "outputs/lancashire-tiat/03_tables/construct_scores_unsuppressed.csv").exists()
    assert len(STEPS) == 6
