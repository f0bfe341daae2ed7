"""CSV copies of the processed data: ``python -m tieval.tools.export_csv [--study ID ...]`` (``make csv``).

The processed tables are Parquet (:mod:`tieval.survey.data`); this writes ``<table>.csv`` beside
each ``<table>.parquet`` of every study (or of the studies named), with the compendium's CSV
conventions (formula-looking texts neutralised, ``\\n`` line ends, the answer code as ``%.6g``).
Nothing reads the copies: they are for people and other tools.
"""

from __future__ import annotations

import argparse
import sys

from tieval.config import load_study
from tieval.errors import ConfigError, InputError
from tieval.paths import discover_studies, processed_dir
from tieval.survey.data import export_csv

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Write the CSV copies; print one line per file. Exit status 2 (one-line error) on bad input."""
    parser = argparse.ArgumentParser(prog="python -m tieval.tools.export_csv", description=__doc__.split("\n\n")[0])
    parser.add_argument("--study", action="append", default=[], help="study id (repeatable; default: every study)")
    args = parser.parse_args(argv)
    try:
        for sid in args.study or [s for s in discover_studies() if processed_dir(s).is_dir()]:
            for path in export_csv(load_study(sid, check_files=False)):
                print(path)
    except (InputError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
