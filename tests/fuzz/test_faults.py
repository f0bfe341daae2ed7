"""Faults during builds (``make fuzz``): kills, concurrent runs, a failing late step, a full or read-only
disk, and a setting that withdraws outputs.

The make cases run in one copy of this checkout's built project (sources, data, outputs and the
staging mirrors), made once per module, whose published set is digested once (``baseline``): every
case must leave it byte-identical.  Each case makes exactly one step out of date (its staged
executed notebook dated in the past), so a make reruns that step only, the cheapest (surrey's
overview); the kill cases kill at a measured point of the run (the step's notebook executing, or its
first output written into the mirror) rather than after a sleep, and a publish is killed between
its renames from inside the publishing process."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.fuzz.harness import ROOT, digests

from tieval import staging
from tieval.__main__ import main
from tieval.registry import STEPS, step

pytestmark = pytest.mark.fuzz

PUBLISHED = ("outputs", "data/processed")
#: The study and step the make cases rerun (the cheapest step of the smaller study).
STUDY, STEP = "surrey-als", step("01_study_overview")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    if not (ROOT / ".make" / "stage").is_dir() or not (ROOT / "outputs" / "html" / "index.html").is_file():
        pytest.skip("the fault cases run against a built project: run `make` first")
    copy = tmp_path_factory.mktemp("faults") / "project"
    copy.mkdir()
    for rel in ("src", "notebooks", "data", "outputs", ".make"):
        shutil.copytree(ROOT / rel, copy / rel, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "bench"))
    for rel in ("Makefile", "pyproject.toml", "requirements.txt", "CITATION.cff", "references.yml"):
        shutil.copy2(ROOT / rel, copy / rel)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    (copy / "setup.stamp").touch()
    _make(copy, "-t", "all")  # the copy's own times: up to date
    assert _make(copy, "-q", "all", check=False).returncode == 0
    return copy


@pytest.fixture(scope="module")
def baseline(built) -> dict[str, str]:
    """The digests of the copy's published set, taken once: every case leaves exactly these bytes."""
    return digests(built, PUBLISHED)


def _git_env() -> dict[str, str]:
    """Git variables that make the copy a work tree of this checkout's repository, read-only.

    The site names the commit it was built from (a '+modified' mark when src/, data/ or notebooks/
    differ from it): a copy outside any checkout would be built as 'unknown', and every page the next
    make renders would differ from the baseline for that reason alone.  Seen through this checkout's
    repository the copy's sources are the same bytes, so a rebuild names the same commit; with
    ``GIT_OPTIONAL_LOCKS=0`` git never writes this checkout's index.  Outside a checkout: nothing."""
    try:
        git_dir = subprocess.run(
            ["git", "rev-parse", "--absolute-git-dir"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"GIT_DIR": git_dir, "GIT_OPTIONAL_LOCKS": "0"}


_GIT = _git_env()


def _env(project: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TIEVAL_ROOT", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    if project is not None and _GIT:
        env.update(_GIT, GIT_WORK_TREE=str(project))
    return env


def _make(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        ["make", f"SETUP={project / 'setup.stamp'}", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env=_env(project),
        timeout=300,
    )
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _outdate_one_step(project: Path) -> None:
    """Date the staged executed notebook of STEP in the past: make reruns that step (and publishes)."""
    os.utime(project / STEP.staged_target(STUDY), (1, 1))
    assert _make(project, "-q", "all", check=False).returncode != 0


def _popen_make(project: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        ["make", f"SETUP={project / 'setup.stamp'}", "all"],
        cwd=project,
        env=_env(project),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kwargs,
    )


def _wait_for(proc: subprocess.Popen, ready, timeout: float = 240) -> None:
    """Poll (every 10 ms) until ``ready()`` holds while ``proc`` still runs; fail if it ended first."""
    end = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, "the build ended before the point the case kills it at"
        assert time.monotonic() < end, "the build never reached the point the case kills it at"
        time.sleep(0.01)


def _executing(project: Path):
    """The step's notebook is executing: its scratch copy exists in the mirror."""
    target = project / STEP.staged_target(STUDY)
    return lambda: target.with_name(f".{target.stem}.running.ipynb").exists()


def _writing(project: Path):
    """The step is writing its outputs: a table or figure of its own is in the mirror's step folder."""
    folder = (project / STEP.staged_target(STUDY)).parent
    return lambda: folder.is_dir() and any(p.suffix in (".csv", ".png", ".json") for p in folder.iterdir())


def test_a_failing_late_step_leaves_the_previous_outputs_and_names_the_step(built, baseline):
    """A recommendation citing an unknown finding fails 05_triangulation after 04 ran in the same make
    (the codebook, which 04 reads, is dated now): nothing of the study is replaced (the issue's
    half-updated outputs)."""
    bad = built / "data/lancashire-tiat/analysis/recommendations.yml"
    codebook = built / "data/lancashire-tiat/analysis/codebook.yml"
    original, stat, book = bad.read_bytes(), bad.stat(), codebook.stat()
    stage = built / ".make/stage/lancashire-tiat"
    kept = built / ".make/kept/lancashire-tiat"
    shutil.copytree(stage, kept, symlinks=True)  # the mirror as built (copy2 keeps the times make compares)
    bad.write_bytes(original.replace(b"findings: [", b"findings: [no_such_finding, ", 1))
    os.utime(codebook)  # 04 re-runs (and succeeds) in the same make, before 05 fails
    try:
        proc = _make(built, "all", check=False)
        assert proc.returncode != 0
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, proc.stderr
        assert "recommendations.yml" in errors[0] and "no_such_finding" in errors[0]
        assert "step 05_triangulation of lancashire-tiat failed: outputs/lancashire-tiat/ keeps the last" in errors[0]
        assert "Traceback" not in proc.stderr + proc.stdout
        assert "lancashire-tiat    04_qualitative" in proc.stdout  # 04 ran and was staged, not published
        assert digests(built, PUBLISHED) == baseline  # nothing replaced, nothing deleted
        assert not list((built / "outputs").rglob("*.failed.ipynb"))
    finally:  # back to the built state (the rebuild of a good 04-06 is the other cases' business)
        bad.write_bytes(original)
        os.utime(bad, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.utime(codebook, ns=(book.st_atime_ns, book.st_mtime_ns))
        shutil.rmtree(stage)
        os.replace(kept, stage)
    assert _make(built, "-q", "all", check=False).returncode == 0


@pytest.mark.parametrize(
    ("sig", "point"),
    [(signal.SIGINT, _executing), (signal.SIGKILL, _writing)],
    ids=["SIGINT-executing", "SIGKILL-writing"],
)
def test_a_killed_build_leaves_outputs_intact_and_the_next_make_is_byte_identical(built, baseline, sig, point):
    _outdate_one_step(built)
    # a shell without job control starts background jobs with SIGINT ignored, and an ignored signal stays
    # ignored across exec: give make the default action, or SIGINT would not reach the build at all
    proc = _popen_make(built, start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        _wait_for(proc, point(built))
    finally:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=60)
    assert proc.returncode != 0
    assert digests(built, PUBLISHED) == baseline
    _make(built, "all")
    assert digests(built, PUBLISHED) == baseline


def test_two_makes_at_once_leave_the_same_outputs(built, baseline):
    _outdate_one_step(built)
    procs = [_popen_make(built) for _ in range(2)]
    for p in procs:
        p.wait(timeout=300)
    _make(built, "all")
    assert digests(built, PUBLISHED) == baseline


_KILLED_PUBLISH = """
import os, signal, sys
from tieval import staging
real, renames = os.replace, []
def replace(src, dst):
    real(src, dst)
    renames.append(dst)
    if len(renames) == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)
staging.os.replace = replace
staging.publish(sys.argv[1])
"""


@pytest.mark.parametrize("after", [1, 2, 5, 6])
def test_a_publish_killed_between_its_renames_is_completed_by_the_next_make(built, baseline, after):
    """SIGKILL after the first, second, ... of the six renames of a publish (the staged set newer than the
    published one, as when a step has just rebuilt): the next make publishes again (outputs/<study>,
    holding make's targets, is swapped last, so they are old or missing until the end) and the
    published set is the same bytes."""
    os.utime(built / STEP.staged_target(STUDY))
    env = {**_env(built), "TIEVAL_ROOT": "."}
    proc = subprocess.run([sys.executable, "-c", _KILLED_PUBLISH, STUDY, str(after)], cwd=built, env=env, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert (built / ".make/publish" / STUDY).is_dir()  # cut short
    _make(built, "all")
    assert _make(built, "-q", "all", check=False).returncode == 0
    if after < 6:  # publish ran again and cleared the leftovers; after the last rename only they are left
        assert not (built / ".make/publish" / STUDY).exists()
    assert digests(built, PUBLISHED) == baseline


# --- in process: publishing, full and read-only disks, withdrawn outputs --------------------------


def _publish(root: Path, study: str, monkeypatch) -> tuple[int, str]:
    monkeypatch.chdir(root)
    monkeypatch.setenv("TIEVAL_ROOT", ".")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["publish", "--study", study])
    return code, err.getvalue()


def test_a_full_disk_during_publish_is_one_line_and_changes_nothing(built, baseline, monkeypatch):
    before = baseline

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[1]))

    monkeypatch.setattr(staging.shutil, "copyfile", full)
    code, err = _publish(built, "surrey-als", monkeypatch)
    assert code == 2 and err.count("\n") == 1 and "the disk is full" in err and err.startswith("error: "), err
    assert digests(built, PUBLISHED) == before
    monkeypatch.undo()
    assert not (built / ".make/publish/surrey-als/old").exists()


def test_a_read_only_folder_during_publish_is_one_line_and_changes_nothing(built, baseline, monkeypatch):
    before = baseline
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


def test_publishing_an_incomplete_study_names_the_step_and_changes_nothing(built, baseline, monkeypatch):
    before = baseline
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
