"""Command line: ``python -m tieval <command>``.

Commands
--------
validate FILE --study STUDY   check a survey export against the study's instrument, build nothing
run NOTEBOOK --study STUDY    execute one pipeline notebook with papermill and render its HTML
                              (--stage: in the study's staging mirror, as make runs it)
check --study STUDY           check a study before any step runs: id, input paths, raw manifest
publish --study STUDY         replace the study's outputs by its staged ones, all together
index                         write outputs/html/index.html and outputs/manifest.json
source-pages [--stamp FILE]   write the site's highlighted module pages (make runs it beside the steps)
pdf [STUDY ...]               print every reader view to outputs/pdf/<study>/<step>.pdf (system Chromium)
make-rules [-o FILE]          write the make rules generated from the step registry
manifest --study STUDY        record the checksums of the study's raw files
check-config [STUDY ...]      load every study.yml and report the first problem
new-study NAME [--template T] create data/NAME/ from a documented template (study, prepost)
migrate STUDY ...             rewrite study folders written for an older schema
schema-docs [--check]         regenerate (or check) the key tables of data/README.md
init --from FILE [--id ID] [--export EXPORT]   draft data/ID/study.yml from a .qsf, .sav or export
warm status|stop              the checkout's warm servers (tieval.warm): list them, or stop them

Every input problem ends with a one-line ``error: ...`` message and exit status 2
(never a traceback); so does a folder that cannot be written (read-only, disk full).
Study ids are checked before any path is made from them.
"""

from __future__ import annotations

import argparse
import errno
import sys
import time
from pathlib import Path

from tieval.errors import InputError, display_path
from tieval.paths import check_study_id

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tieval", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a survey export without building anything")
    p.add_argument("file")
    p.add_argument("--study", required=True)

    p = sub.add_parser("run", help="execute a pipeline notebook for one study and render its HTML")
    p.add_argument("notebook", help="notebook stem, e.g. 02_clean")
    p.add_argument("--study", required=True)
    p.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="extra papermill parameter (value parsed as YAML)",
    )
    p.add_argument("--stage", action="store_true", help="run in the study's staging mirror (make's build)")

    p = sub.add_parser("check", help="check a study before any step runs (id, paths, raw manifest)")
    p.add_argument("--study", required=True)
    p.add_argument("--stamp", help="file to touch when the check passes (make's record)")

    p = sub.add_parser("publish", help="publish a study's staged outputs, all together")
    p.add_argument("--study", required=True)

    sub.add_parser("index", help="write outputs/html/index.html and outputs/manifest.json")

    p = sub.add_parser("source-pages", help="write the site's highlighted module pages (outputs/html/source/)")
    p.add_argument("--stamp", help="file to touch when the pages are written (make's record)")

    sub.add_parser("pdf", help="print every reader view to outputs/pdf/<study>/<step>.pdf").add_argument(
        "studies", nargs="*"
    )

    p = sub.add_parser("make-rules", help="write the make rules generated from the step registry")
    p.add_argument("-o", "--output", help="file to write (default: print)")

    p = sub.add_parser("manifest", help="record the checksums of a study's raw files")
    p.add_argument("--study", required=True)

    p = sub.add_parser("check-config", help="load and check study.yml files")
    p.add_argument("studies", nargs="*")

    p = sub.add_parser("new-study", help="create a study folder from a template (study or prepost)")
    p.add_argument("name")
    p.add_argument("--template", default="study", help="study (cross-sectional, default) or prepost (two waves)")

    sub.add_parser("migrate", help="rewrite study folders for the current schema").add_argument("studies", nargs="+")
    sub.add_parser("schema-docs", help="regenerate data/README.md's key tables").add_argument(
        "--check", action="store_true"
    )
    p = sub.add_parser("init", help="draft data/<id>/study.yml from a survey definition (.qsf, .sav) or an export")
    p.add_argument("--from", dest="source", required=True, metavar="FILE")
    p.add_argument("--id", dest="study_id")
    p.add_argument("--export")
    p = sub.add_parser("warm", help="the warm server that make's steps are forked from: status or stop")
    p.add_argument("action", choices=("status", "stop"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _build_parser().parse_args(argv)
    try:
        return _dispatch(args, argv)
    except InputError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    except OSError as exc:
        print(os_error_line(exc), file=sys.stderr)
        return 2


def os_error_line(exc: OSError) -> str:
    """One line for a file-system failure (a read-only folder, a full disk, a missing folder)."""
    where = exc.filename if exc.filename is not None else "a file"
    reason = exc.strerror or type(exc).__name__
    hint = {
        errno.ENOSPC: " (the disk is full)",
        errno.EROFS: " (read-only file system)",
        errno.EACCES: " (no permission)",
    }
    return f"error: {display_path(where)}: could not be written or read: {reason}{hint.get(exc.errno, '')}"


def _check_ids(args) -> None:
    """Refuse an invalid study id in any command, before it is used in a path."""
    for name in ("study", "study_id"):
        value = getattr(args, name, None)
        if value is not None and args.command == "validate" and (Path(value) / "study.yml").is_file():
            continue  # validate also takes a study folder by its path (it only reads)
        if value is not None:
            check_study_id(value)
    if args.command in ("check-config", "migrate", "pdf"):
        for value in args.studies:
            check_study_id(value)
    if args.command == "new-study":
        check_study_id(args.name)


def _dispatch(args, argv: list[str]) -> int:
    _check_ids(args)
    if args.command == "validate":
        from tieval.survey.clean import validate_cli

        return validate_cli(args.file, args.study)
    if args.command == "run":
        return _run_command(args, argv)
    if args.command in ("check", "publish"):
        return _build_command(args)
    if args.command == "make-rules":
        from tieval.registry import write_rules

        return write_rules(args.output)
    if args.command in ("index", "source-pages", "pdf"):
        return _site_command(args)
    if args.command == "manifest":
        from tieval.config import load_study
        from tieval.integrity import write_manifest

        study = load_study(args.study, check_files=False)
        path = write_manifest(study.root / "raw")
        print(f"wrote {path}")
        return 0
    if args.command == "check-config":
        from tieval.config import load_study
        from tieval.paths import discover_studies

        for sid in args.studies or discover_studies():
            study = load_study(sid)
            print(f"{sid}: ok ({len(study.items)} items, {len(study.scales)} scales)")
        return 0
    if args.command == "new-study":
        from tieval.tools.template import create_study

        path = create_study(args.name, template=args.template)
        print(f"created {path}")
        return 0
    if args.command == "migrate":
        from tieval.tools.migrate import migrate_study

        for sid in args.studies:
            print(f"{sid}: " + (", ".join(str(p) for p in migrate_study(sid)) or "already current"))
        return 0
    if args.command == "schema-docs":
        from tieval.tools import schema_docs

        return schema_docs.main(check=args.check)
    if args.command == "warm":
        return _warm_command(args)
    if args.command == "init":
        from tieval.tools.init import init_cli  # noqa: PLC0415 - a command loads its module when it runs

        return init_cli(args.source, args.study_id, args.export)
    raise AssertionError(args.command)


def _run_command(args, argv: list[str]) -> int:
    """``run``: forked from the checkout's warm server when it can be (:mod:`tieval.warm`), else here."""
    from tieval.warm import client

    served = client.run(argv)
    if served is not None:
        return served
    import yaml

    from tieval.pipeline import run_command

    params = {name: yaml.safe_load(value) for name, value in args.param}
    return run_command(args.notebook, args.study, params, stage=args.stage)


def _warm_command(args) -> int:
    """``warm status`` and ``warm stop``: the checkout's warm servers, of any environment (:mod:`tieval.warm`)."""
    from tieval.warm import client

    found = client.servers()
    for name, state in found.items():
        if args.action == "stop":
            client.stop(name)
        done = ", stopped" if args.action == "stop" else ""
        print(f"warm server: pid {state['pid']}, {state['children']} running{done}")
    if not found:
        print("warm server: none")
    return 0


def _site_command(args) -> int:
    """``index`` (the index page and manifest), ``source-pages`` (the highlighted module pages) and
    ``pdf`` (a PDF of every reader view, system Chromium)."""
    from tieval.console import step_line

    if args.command == "index":
        from tieval.report.html import build_index

        start = time.perf_counter()
        build_index()
        print(step_line("all studies", "index", time.perf_counter() - start))
        return 0
    if args.command == "source-pages":
        from tieval.atomic import write_text
        from tieval.report.html import write_source_pages

        start = time.perf_counter()
        write_source_pages()
        if args.stamp:
            write_text("written\n", args.stamp)
        print(step_line("all studies", "source-pages", time.perf_counter() - start))
        return 0
    from tieval.report.browser import ChromiumMissing
    from tieval.report.pdf import write_pdfs

    try:
        written = write_pdfs(studies=args.studies or None)
    except ChromiumMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path, seconds in written:
        print(step_line(path.parent.name, path.name, seconds))
    return 0


def _build_command(args) -> int:
    """``check`` and ``publish``: the build's own steps around the notebooks (see :mod:`tieval.staging`)."""
    if args.command == "check":
        from tieval.integrity import check_with_stamp

        check_with_stamp(args.study, args.stamp)
        return 0
    if args.command == "publish":
        from tieval.console import step_line
        from tieval.staging import publish

        start = time.perf_counter()
        publish(args.study)
        print(step_line(args.study, "publish", time.perf_counter() - start))
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
