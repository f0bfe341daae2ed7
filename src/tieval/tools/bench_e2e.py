"""The user's path, benchmarked: ``make`` of a one-study project built from a synthetic export.

``python -m tieval.tools.bench_e2e --sizes 1e5,1e6`` (``make bench`` runs it after the survey-path
benchmark of :mod:`tieval.tools.bench`).  For each size it

1. builds a project folder ``outputs/bench/data/e2e-<n>/`` holding the compendium's Makefile,
   notebooks and ``pyproject.toml`` (copied), ``src`` and ``.venv`` (links to this checkout), and
   one study: ``data/lancashire-tiat/`` with its raw survey export replaced by (a hard link to)
   the synthetic export of ``n`` respondents (:func:`tieval.tools.bench.cached_export`) and its checksum
   manifest rewritten (the study stays labelled as reconstructed; the export is synthetic);
2. runs ``make`` there (every notebook and the HTML) and records its wall time, the peak memory
   of the whole process tree (the sum of the resident memory of ``make`` and every process under
   it, sampled every 50 ms with psutil) and, per step, the step's own seconds (its ``make`` line)
   and the peak of that step's process tree (the runner and its kernel);
3. appends a comment line to ``analysis/triangulation.yml`` and runs ``make`` again: the
   incremental rebuild a user sees after editing the findings;
4. measures the peers on the same export file in fresh processes: the bare read (the floor,
   :func:`tieval.tools.bench.floor_read`), an idiomatic pandas script computing Table 5 and the
   construct scores (:mod:`tieval.tools.bench_peers`) and the same aggregation as one DuckDB query.

Results are written to ``outputs/bench/e2e.json`` (one record per size, with the machine's load
before and after each measurement) and drawn in ``outputs/bench/e2e.png``.  Timings are measured,
never asserted by tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from tieval import registry, store
from tieval.integrity import write_manifest
from tieval.paths import outputs_dir, project_root
from tieval.tools.bench import (
    BAD_VALUE,
    BENCH_STUDY,
    DEFAULT_SEED,
    _child,
    _machine,
    _parse_sizes,
    cached_export,
    export_name,
)
from tieval.warm import client as warm_client

__all__ = ["E2E_SIZES", "TREE_SAMPLE", "e2e_project", "tree_run", "measure_size", "run", "main", "stop_servers"]

#: Default sizes of the end-to-end benchmark (10^7 on request: ``--sizes 1e5,1e6,1e7``).
E2E_SIZES = (100_000, 1_000_000)

#: Seconds between two samples of the process tree's memory.
TREE_SAMPLE = 0.05

#: What the project folder copies from the checkout (the rest is linked).
_COPIED = ("Makefile", "pyproject.toml", "requirements.txt", "environment.yml")


def e2e_project(n: int, *, seed: int = DEFAULT_SEED, root: Path | None = None) -> Path:
    """The one-study project of size ``n`` under ``outputs/bench/data/e2e-<n>/`` (rebuilt from scratch)."""
    root = Path(root or project_root()).resolve()
    export = cached_export(n, seed=seed)
    project = outputs_dir("bench", root) / "data" / f"e2e-{n}"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    for name in _COPIED:
        shutil.copy2(root / name, project / name)  # mtimes kept: .venv's setup stamp stays newer
    shutil.copytree(root / "notebooks", project / "notebooks")
    for name in ("src", ".venv"):
        (project / name).symlink_to(root / name)
    study = project / "data" / BENCH_STUDY
    shutil.copytree(root / "data" / BENCH_STUDY, study)
    raw = study / "raw" / "survey.csv"
    raw.unlink()
    try:  # a hard link: a file inside the study folder (a symbolic link out is refused), no copy
        os.link(export.resolve(), raw)
    except OSError:
        shutil.copyfile(export, raw)
    write_manifest(study / "raw")
    return project


def _memory(p: psutil.Process) -> int:
    """The proportional set size of ``p`` (its private memory plus its share of memory it shares with
    others: a forked worker's pages shared with the warm server count once in all), or its resident
    size where the kernel gives no PSS; 0 for a process that has exited."""
    try:
        info = p.memory_full_info()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return 0
    except psutil.AccessDenied:
        try:
            return p.memory_info().rss
        except psutil.Error:
            return 0
    return getattr(info, "pss", info.rss)


def _step_of(p: psutil.Process, study: str) -> str | None:
    """``<study> <step>`` when ``p`` is a pipeline runner (``python -m tieval run STEP --study S``), or a
    worker or kernel forked by the warm server for a step (named ``t:<step>``, :mod:`tieval.warm`;
    its study is ``study``, the benchmark's only one)."""
    try:
        cmd = p.cmdline()
        name = p.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None
    if "tieval" in cmd and "run" in cmd and "--study" in cmd:
        i = cmd.index("run")
        return f"{cmd[cmd.index('--study') + 1]} {cmd[i + 1]}"
    if name.startswith("t:") and name[2:4].isdigit():
        for step in registry.step_names():
            if step.startswith(name[2:]):
                return f"{study} {step}"
    return None


def _is_server(p: psutil.Process) -> bool:
    """Whether ``p`` is a warm server (:mod:`tieval.warm.server`): shared by every step, owned by none."""
    try:
        return "tieval.warm.server" in p.cmdline()
    except psutil.Error:
        return False


def _owner(p: psutil.Process, owners: dict[int, str], study: str) -> str | None:
    """The step ``p`` belongs to: its own (a runner, a worker or a kernel), else that of its nearest
    ancestor that has one, up to a warm server (which the step that started it does not own)."""
    step = owners.get(p.pid) or _step_of(p, study)
    if step is not None or _is_server(p):
        return step
    with contextlib.suppress(psutil.Error):
        for q in p.parents():
            if q.pid in owners:
                return owners[q.pid]
            if _is_server(q):
                return None
    return None


def _address_limit(limit: int):
    """A ``preexec_fn`` capping the child's address space at ``limit`` bytes (a peer that would take
    the shared machine's memory fails with MemoryError instead)."""

    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def tree_run(
    args: list[str], cwd: Path, env: dict | None = None, *, limit: int | None = None, study: str = BENCH_STUDY
) -> dict:
    """Run ``args`` in ``cwd``; return wall seconds, exit status, output, the peak memory of the whole
    process tree (MB, proportional set sizes: :func:`_memory`) and per pipeline step the peak of
    that step's processes (MB).  The tree is every process under this one: the command's, and the
    warm server (:mod:`tieval.warm`), which is started in a session of its own and, this process
    being a child subreaper (:func:`_subreaper`), becomes this process's child when its starter
    exits.  A process belongs to a step when it is the step's runner, a descendant of it, or a
    worker or kernel forked for it (:func:`_step_of`).  ``limit``: cap of the child's address
    space in bytes."""
    _subreaper()
    start = time.perf_counter()
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_address_limit(limit) if limit else None,
    )
    me = psutil.Process()
    peak, steps, done = [0], {}, threading.Event()
    owners: dict[int, str] = {}

    def sample():
        while not done.is_set():
            try:
                members = me.children(recursive=True)
            except psutil.NoSuchProcess:
                members = []
            per = {p.pid: _memory(p) for p in members}
            peak[0] = max(peak[0], sum(per.values()))
            current: dict[str, int] = {}
            for p in members:
                step = _owner(p, owners, study)
                if step is not None:
                    owners[p.pid] = step
                    current[step] = current.get(step, 0) + per.get(p.pid, 0)
            for step, size in current.items():
                steps[step] = max(steps.get(step, 0), size)
            done.wait(TREE_SAMPLE)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    output, _ = proc.communicate()
    done.set()
    thread.join()
    _reap_orphans()
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "returncode": proc.returncode,
        "output": output,
        "peak_tree_mb": round(peak[0] / 1e6, 1),
        "step_peak_tree_mb": {k: round(v / 1e6, 1) for k, v in sorted(steps.items())},
    }


def _subreaper() -> None:
    """Make this process a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``, Linux): a process
    started under it that outlives its parent (the warm server) stays under it, and in its tree."""
    import ctypes  # noqa: PLC0415

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)


def _reap_orphans() -> None:
    """Collect the exit status of adopted processes that have exited (a stopped warm server)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def stop_servers(project: Path) -> None:
    """Stop the warm servers of ``project`` (:mod:`tieval.warm`) and collect them: every measured
    ``make`` starts without one, as the first build of a session does."""
    for name in warm_client.servers(str(project)):
        warm_client.stop(name)
    deadline = time.monotonic() + 10
    while warm_client.servers(str(project)) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # the server exits right after its answer
    _reap_orphans()


def _step_seconds(output: str) -> dict[str, float]:
    """The ``<study> <step> <seconds> s`` lines a build prints, as {"study step": seconds}."""
    out = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[-1] == "s":
            try:
                out[" ".join(parts[:-2])] = float(parts[-2])
            except ValueError:
                continue
    return out


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _plain_env() -> dict[str, str]:
    """The environment of a user's top-level ``make`` (no parent make's flags, no TIEVAL_ROOT)."""
    drop = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "TIEVAL_ROOT")
    return {k: v for k, v in os.environ.items() if k not in drop}


#: Address-space cap of the pandas peer (its long table of Python strings grows ~15 MB per 1,000
#: respondents): past it the peer is recorded as not completing, and the shared machine is spared.
PANDAS_LIMIT = 10 * 2**30


def _peer(mode: str, path: Path) -> dict:
    """One peer in a fresh process (:mod:`tieval.tools.bench_peers`), with its peak memory."""
    limit = PANDAS_LIMIT if mode == "pandas" else None
    run = tree_run([sys.executable, "-m", "tieval.tools.bench_peers", mode, str(path)], Path.cwd(), limit=limit)
    if run["returncode"] != 0 and "MemoryError" in run["output"]:
        return {"mode": mode, "seconds": None, "completed": False, "note": f"MemoryError under a {limit >> 30} GiB cap"}
    if run["returncode"] != 0:
        raise RuntimeError(f"peer {mode} failed:\n{run['output'][-2000:]}")
    record = json.loads(run["output"].strip().splitlines()[-1])
    return {**record, "peak_tree_mb": run["peak_tree_mb"], "wall_seconds": run["seconds"]}


def measure_size(n: int, *, seed: int = DEFAULT_SEED, root: Path | None = None, peers: bool = True) -> dict:
    """The end-to-end record of size ``n``: full build, incremental rebuild, peers (see the module notes)."""
    project = e2e_project(n, seed=seed, root=root)
    env = _plain_env()
    record: dict = {
        "respondents": n,
        "export_mb": round((project / "data" / BENCH_STUDY / "raw" / "survey.csv").stat().st_size / 1e6, 1),
    }
    record["load_before_build"] = _load()
    record["warm_server"] = "stopped before each make (each starts cold, as a session's first build)"
    record["memory"] = "proportional set size (PSS) of every process of the tree, summed"
    stop_servers(project)
    build = tree_run(["make"], project, env)
    record["build"] = {k: v for k, v in build.items() if k != "output"} | {
        "step_seconds": _step_seconds(build["output"])
    }
    record["load_after_build"] = _load()
    if build["returncode"] != 0:  # recorded (a size that does not complete is a result), then nothing more
        record["build"]["failure"] = _failure(build["output"])
        stop_servers(project)
        shutil.rmtree(project / "outputs", ignore_errors=True)
        shutil.rmtree(project / "data" / "processed", ignore_errors=True)
        return record
    processed = project / "data" / "processed" / BENCH_STUDY
    record["processed_mb"] = round(sum(p.stat().st_size for p in processed.iterdir()) / 1e6, 1)
    tri = project / "data" / BENCH_STUDY / "analysis" / "triangulation.yml"
    tri.write_text(
        tri.read_text(encoding="utf-8") + "# edited by the benchmark (a comment: same findings)\n", encoding="utf-8"
    )
    stop_servers(project)
    again = tree_run(["make"], project, env)
    if again["returncode"] != 0:
        raise RuntimeError(f"incremental make failed at {n}:\n{again['output'][-3000:]}")
    record["triangulation_edit"] = {k: v for k, v in again.items() if k != "output"} | {
        "step_seconds": _step_seconds(again["output"])
    }
    noop = tree_run(["make"], project, env)
    record["noop_seconds"] = noop["seconds"]
    stop_servers(project)
    if peers:
        export = (project / "data" / BENCH_STUDY / "raw" / "survey.csv").resolve()
        record["load_before_peers"] = _load()
        record["peers"] = {mode: _peer(mode, export) for mode in ("floor", "pandas", "duckdb")}
        record["load_after_peers"] = _load()
        total = record["build"]["seconds"]
        survey = sum(
            v for k, v in record["build"]["step_seconds"].items() if k.split()[-1] in ("02_clean", "03_tables")
        )
        record["survey_steps_seconds"] = round(survey, 2)
        record["ratios"] = {}
        for mode, p in record["peers"].items():
            if p["seconds"]:
                record["ratios"][f"make_to_{mode}"] = round(total / p["seconds"], 2)
                record["ratios"][f"survey_steps_to_{mode}"] = round(survey / p["seconds"], 2)
    shutil.rmtree(project / "outputs", ignore_errors=True)
    shutil.rmtree(project / "data" / "processed", ignore_errors=True)
    return record


def _failure(output: str) -> str:
    """The last lines of a failed build's output that say what failed (its ``error:`` lines and
    make's own, at most five)."""
    lines = [line for line in output.splitlines() if "error" in line.lower() or line.startswith("make")]
    if not lines:
        lines = output.strip().splitlines()[-1:] or ["no output"]
    return "\n".join(lines[-5:])


#: The planted bad cell of the ten-million-row check: (respondents, spreadsheet row).
BAD_CHECK = (10_000_000, 7_345_120)


def bad_row_check(n: int, row: int, *, seed: int = DEFAULT_SEED) -> dict:
    """Plant a bad answer (:data:`tieval.tools.bench.BAD_VALUE`) at spreadsheet ``row`` of an export
    of ``n`` respondents, validate it as ``python -m tieval validate`` does, and record whether the
    error names that row."""
    data = outputs_dir("bench") / "data"
    path = data / export_name(n, seed, row)
    if not path.is_file():
        _child(["--generate", str(n), "--seed", str(seed), "--data", str(data), "--bad-row", str(row)])
    result = _child(["--one", str(path), "--mode", "validate"])
    path.unlink(missing_ok=True)  # large, and regenerated on demand
    return {
        "respondents": n,
        "planted_row": row,
        "planted_value": BAD_VALUE,
        "reported_row": result["row"],
        "reported_column": result["column"],
        "message": result["message"],
        "names_the_row": result["row"] == row,
        "seconds": round(result["seconds"], 2),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
    }


def e2e_figure(records: list[dict]):
    """Wall time and peak memory of ``make`` (full and after a triangulation edit) against size, and the peers."""
    import matplotlib  # noqa: PLC0415 - heavy, only for the figure

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415 - as above

    records = [r for r in records if r["build"].get("returncode", 0) == 0]  # a failed size has no times
    ns = [r["respondents"] for r in records]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    # one colour per series in both panels (Okabe-Ito), whatever series a record lacks
    colour = {"make": "#0072B2", "edit": "#E69F00", "floor": "#555555", "pandas": "#CC79A7", "duckdb": "#009E73"}
    ax1.plot(
        ns, [r["build"]["seconds"] for r in records], "o-", color=colour["make"], label="make (every notebook + HTML)"
    )
    ax1.plot(
        ns,
        [r["triangulation_edit"]["seconds"] for r in records],
        "s--",
        color=colour["edit"],
        label="make after a triangulation edit",
    )
    ax2.plot(
        ns, [r["build"]["peak_tree_mb"] for r in records], "o-", color=colour["make"], label="make, whole process tree"
    )
    for mode, style in (("floor", ":"), ("pandas", "-."), ("duckdb", "-")):
        done = [(n, r["peers"][mode]) for n, r in zip(ns, records) if r.get("peers", {}).get(mode, {}).get("seconds")]
        failed = [n for n, r in zip(ns, records) if r.get("peers", {}).get(mode, {}).get("completed") is False]
        label = f"peer: {mode}" + (
            " (no result at " + ", ".join(f"{n:,}" for n in failed) + ": out of memory)" if failed else ""
        )
        if done:
            xs = [n for n, _ in done]
            ax1.plot(xs, [q["seconds"] for _, q in done], style, marker="D", color=colour[mode], label=label)
            ax2.plot(xs, [q["peak_tree_mb"] for _, q in done], style, marker="D", color=colour[mode], label=label)
    for ax, label in ((ax1, "seconds"), (ax2, "peak memory (MB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("respondents (synthetic export)")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    fig.suptitle("End to end: make of a one-study project (SYNTHETIC benchmark data)", fontsize=9)
    fig.tight_layout()
    return fig


def run(
    sizes: list[int],
    *,
    seed: int = DEFAULT_SEED,
    out: Path | None = None,
    peers: bool = True,
    bad: tuple[int, int] | None = BAD_CHECK,
    merge: bool = False,
) -> list[dict]:
    """Measure every size (and the planted bad cell ``bad``), write ``e2e.json`` and ``e2e.png``
    into ``out`` (default ``outputs/bench``).  With ``merge`` the records of other sizes already in
    ``out/e2e.json`` are kept (each record carries its own ``when``), so a size measured on its own
    (``--sizes 1e7``) joins the ``make bench`` run beside it."""
    out = Path(out) if out is not None else outputs_dir("bench")
    records = []
    checked = bad_row_check(*bad, seed=seed) if bad else None
    if checked:
        print(
            f"bad cell planted at row {bad[1]:,} of {bad[0]:,}: reported at row {checked['reported_row']}", flush=True
        )
    for n in sizes:
        record = measure_size(n, seed=seed, peers=peers)
        records.append(record)
        b = record["build"]
        if "failure" in b:
            print(f"e2e {n:>10,}: make FAILED after {b['seconds']:.1f} s, {b['peak_tree_mb']:.0f} MB peak:", flush=True)
            print(b["failure"], flush=True)
            continue
        t = record["triangulation_edit"]
        print(
            f"e2e {n:>10,}: make {b['seconds']:.1f} s, {b['peak_tree_mb']:.0f} MB peak; "
            f"triangulation edit {t['seconds']:.1f} s; load {record['load_before_build']}",
            flush=True,
        )
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for record in records:
        record["when"] = when
    if merge:
        records, checked, when = merged(out / "e2e.json", records, checked, when)
    store.write_json({"machine": _machine(), "records": records, "bad_cell": checked, "when": when}, out / "e2e.json")
    _save(records, out)
    return records


def _sizes_text(records: list[dict]) -> str:
    """The records' sizes as words: ``10^5, 10^6`` (a size that is no power of ten with its digits)."""
    words = []
    for r in records:
        n = int(r["respondents"])
        k = len(str(n)) - 1
        words.append(f"10^{k}" if n == 10**k else f"{n:,}")
    return ", ".join(words)


def merged(path: Path, records: list[dict], checked: dict | None, when: str) -> tuple[list[dict], dict | None, str]:
    """``records`` joined with the records of other sizes in the ``e2e.json`` at ``path`` (if any),
    by size; the file's bad-cell check is kept when none was run now, and ``when`` names every run
    with its sizes (each record carries the time of its own run)."""
    if not path.is_file():
        return records, checked, when
    old = json.loads(path.read_text(encoding="utf-8"))
    sizes = {r["respondents"] for r in records}
    kept = [r for r in old.get("records", []) if r["respondents"] not in sizes]
    if not kept:
        return records, checked if checked is not None else old.get("bad_cell"), when
    both = sorted(kept + records, key=lambda r: r["respondents"])
    runs: dict[str, list[dict]] = {}
    for r in both:  # a record of an older file without its own time takes the file's
        runs.setdefault(r.get("when") or (old.get("when", "?") if r in kept else when), []).append(r)
    joined = "; ".join(f"{at} ({_sizes_text(rs)})" for at, rs in runs.items())
    return both, checked if checked is not None else old.get("bad_cell"), joined


def _save(records: list[dict], out: Path) -> None:
    """Draw ``e2e.png`` from the records."""
    fig = e2e_figure(records)
    with store.atomic_write(out / "e2e.png", "wb") as handle:
        fig.savefig(handle, format="png", dpi=110, metadata={"Software": None})


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module notes)."""
    parser = argparse.ArgumentParser(prog="python -m tieval.tools.bench_e2e", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(n) for n in E2E_SIZES), help="e.g. 1e5,1e6,1e7")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", default=None)
    parser.add_argument("--no-peers", action="store_true", help="skip the peers (floor, pandas, DuckDB)")
    parser.add_argument(
        "--bad", default=f"{BAD_CHECK[0]}:{BAD_CHECK[1]}", help="N:ROW planted bad cell to check ('' to skip)"
    )
    parser.add_argument("--replot", action="store_true", help="only redraw e2e.png from e2e.json")
    parser.add_argument("--merge", action="store_true", help="keep the records of other sizes in e2e.json")
    args = parser.parse_args(argv)
    if args.replot:
        out = Path(args.out) if args.out else outputs_dir("bench")
        _save(json.loads((out / "e2e.json").read_text(encoding="utf-8"))["records"], out)
        return 0
    bad = tuple(int(float(x)) for x in args.bad.split(":")) if args.bad else None
    run(_parse_sizes(args.sizes), seed=args.seed, out=args.out, peers=not args.no_peers, bad=bad, merge=args.merge)
    return 0


if __name__ == "__main__":
    sys.exit(main())
