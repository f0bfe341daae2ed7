"""Peers of the survey path, each run in its own process on one export: ``python -m tieval.tools.bench_peers MODE FILE``.

What a user could run instead of the compendium, to set its times beside (``bench_e2e``):

- ``floor``: the bare read of the export into a DataFrame (:func:`tieval.tools.bench.floor_read`);
- ``pandas``: an idiomatic pandas script, as an analyst would write it: ``pandas.read_csv`` of
  the export (the two extra Qualtrics header rows skipped), answers mapped to codes and
  categories with dictionaries, the long table by ``melt``, Table 5 (per item, the percentage of
  answered rows in each category) by ``groupby``, and the construct scores (per respondent, the
  mean code of each construct's rated items, reverse-keyed items flipped) by ``groupby`` again;
- ``duckdb``: the same two aggregations as SQL over the CSV file (``read_csv`` + ``UNPIVOT``,
  joined to the answer map as a table), in DuckDB.

The item map (column, scale, construct, reverse) and the answer map (label -> code, category) are
taken from the study's ``study.yml``: a user would type the same mapping by hand.  None of them
checks what the survey path checks (unknown labels, duplicate ids, exclusions beyond the status);
they compute the same numbers on a clean file.  Prints one JSON line: seconds (excluding Python
start-up and imports), rows of Table 5 and scored respondents.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd

from tieval.config import Study, load_study, normalise_label
from tieval.tools.bench import BENCH_STUDY, floor_read

__all__ = ["answer_map", "item_map", "pandas_peer", "pandas_tables", "duckdb_peer", "duckdb_tables", "main"]

#: Qualtrics Status values of a real response (the others are previews, tests and spam).
_REAL = ("IP Address", "0", "Imported", "4", "Offline", "16")


def item_map(study: Study) -> pd.DataFrame:
    """One row per rated item: column, item_id, scale, construct, reverse, scale maximum + minimum."""
    rows = []
    for it in study.items:
        scale = study.scales[it.scale]
        codes = [float(lv.code) for lv in scale.levels] if scale.levels else [scale.min, scale.max]
        rows.append(
            {
                "column": it.column,
                "item_id": it.id,
                "scale": it.scale,
                "construct": it.construct,
                "reverse": bool(it.reverse),
                "flip": float(min(codes) + max(codes)),
            }
        )
    return pd.DataFrame(rows)


def answer_map(study: Study) -> pd.DataFrame:
    """One row per (scale, answer text): code (NaN for not relevant) and category."""
    rows = []
    for sid, scale in study.scales.items():
        if scale.type == "numeric":
            for v in range(int(scale.min), int(scale.max) + 1):
                cat = next(b.label for b in scale.bins if b.min <= v <= b.max) if scale.bins else str(v)
                rows.append({"scale": sid, "answer": str(v), "code": float(v), "category": cat})
            continue
        for lv in scale.levels:
            rows.append({"scale": sid, "answer": lv.label, "code": float(lv.code), "category": lv.category})
        for alias, code in scale.aliases.items():
            lv = next(x for x in scale.levels if x.code == code)
            rows.append({"scale": sid, "answer": alias, "code": float(code), "category": lv.category})
        for label in scale.not_relevant:
            rows.append({"scale": sid, "answer": label, "code": float("nan"), "category": "not_relevant"})
    out = pd.DataFrame(rows)
    out["answer"] = [normalise_label(a) for a in out["answer"]]
    return out.drop_duplicates(["scale", "answer"])


def pandas_peer(path: str, study: Study) -> dict:
    """Table 5 and the construct scores with plain pandas, timed (see the module notes)."""
    t0 = time.perf_counter()
    table5, scores = pandas_tables(path, study)
    return {"seconds": time.perf_counter() - t0, "table5_rows": int(len(table5)), "scored": int(len(scores))}


def pandas_tables(path: str, study: Study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Table 5: items x categories, percent of answered rows; scores: respondents x constructs)."""
    items, answers = item_map(study), answer_map(study)
    frame = pd.read_csv(path, skiprows=[1, 2], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    frame = frame[frame["Status"].isin(_REAL)]
    long = frame.melt(id_vars=["ResponseId"], value_vars=list(items["column"]), var_name="column", value_name="answer")
    long = long[long["answer"] != ""]
    long = long.merge(items, on="column")
    long["answer"] = long["answer"].str.strip().str.lower().str.split().str.join(" ")
    long = long.merge(answers, on=["scale", "answer"], how="left")
    counts = long.groupby(["item_id", "category"]).size().rename("n").reset_index()
    counts["percent"] = 100 * counts["n"] / counts.groupby("item_id")["n"].transform("sum")
    table5 = counts.pivot(index="item_id", columns="category", values="percent").fillna(0)
    rated = long[long["code"].notna() & (long["scale"] != "zero_ten")].copy()
    rated.loc[rated["reverse"], "code"] = rated["flip"] - rated["code"]
    scores = rated.groupby(["ResponseId", "construct"])["code"].mean().unstack()
    return table5, scores


def duckdb_peer(path: str, study: Study) -> dict:
    """Table 5 and the construct scores as SQL in DuckDB, timed (see the module notes)."""
    t0 = time.perf_counter()
    table5, scores = duckdb_tables(path, study)
    return {
        "seconds": time.perf_counter() - t0,
        "table5_rows": int(table5["item_id"].nunique()),
        "scored": int(scores["ResponseId"].nunique()),
    }


def duckdb_tables(path: str, study: Study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Table 5 long: item_id, category, percent; scores long: ResponseId, construct, score)."""
    import duckdb  # noqa: PLC0415 - only this peer needs it

    items, answers = item_map(study), answer_map(study)  # noqa: F841 - read by DuckDB by name
    con = duckdb.connect()
    columns = ", ".join(f'"{c}"' for c in items["column"])
    con.execute(
        f"""
        CREATE TEMP VIEW long AS
        WITH raw AS (
            SELECT * FROM read_csv('{path}', header = true, skip = 0, all_varchar = true, quote = '"',
                                   escape = '"', new_line = '\\r\\n', strict_mode = false)
            OFFSET 2
        ), real AS (SELECT * FROM raw WHERE Status IN {tuple(_REAL)})
        SELECT ResponseId, i.item_id, i.scale, i.construct, i.reverse, i.flip, a.code, a.category
        FROM (UNPIVOT real ON {columns} INTO NAME "column" VALUE answer) u
        JOIN items i ON i."column" = u."column"
        LEFT JOIN answers a ON a.scale = i.scale
             AND a.answer = lower(regexp_replace(trim(u.answer), '\\s+', ' ', 'g'))
        WHERE u.answer <> ''
        """
    )
    table5 = con.execute(
        """SELECT item_id, category, 100.0 * count(*) / sum(count(*)) OVER (PARTITION BY item_id) AS percent
           FROM long GROUP BY item_id, category"""
    ).df()
    scores = con.execute(
        """SELECT ResponseId, construct, avg(CASE WHEN reverse THEN flip - code ELSE code END) AS score
           FROM long WHERE code IS NOT NULL AND scale <> 'zero_ten' GROUP BY ResponseId, construct"""
    ).df()
    return table5, scores


def main(argv: list[str] | None = None) -> int:
    """``MODE FILE``: run one peer, print its JSON record."""
    mode, path = (argv if argv is not None else sys.argv[1:])[:2]
    study = load_study(BENCH_STUDY, check_files=False)
    if mode == "floor":
        rec = floor_read(path)
        out = {"seconds": rec["seconds"]}
    elif mode == "pandas":
        out = pandas_peer(path, study)
    elif mode == "duckdb":
        out = duckdb_peer(path, study)
    else:
        raise SystemExit(f"unknown mode {mode!r} (floor, pandas, duckdb)")
    print(json.dumps({"mode": mode, **out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
