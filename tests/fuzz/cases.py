"""The hostile, malformed and fault inputs of the fuzz suite, as data (see :mod:`tests.fuzz.harness`).

Each case reproduces a real-world way an input goes wrong: a hand-edited study.yml (duplicate keys,
aliases, lists where a text is due, paths out of the study folder), a survey export saved by a
spreadsheet (Latin-1 bytes, a stray quote, a NUL byte from a broken export), an analyst's coding
file with an unknown code, a published-figures file with ``inf`` or a loop in ``restates``, a
REFI-QDA project crafted to attack the XML parser, and files removed or added behind the manifest.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from tests.fuzz.harness import Case

L, S = "lancashire-tiat", "surrey-als"


def _p(root: Path, study: str, rel: str) -> Path:
    return root / "data" / study / rel


def sub(study, rel, old, new, count=1):
    def change(root):
        p = _p(root, study, rel)
        text = p.read_bytes()
        assert old.encode() in text, (rel, old)
        p.write_bytes(text.replace(old.encode(), new.encode(), count))

    return change


def append(study, rel, line):
    def change(root):
        p = _p(root, study, rel)
        data = p.read_bytes()
        p.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n") + line.encode("utf-8"))

    return change


def write(study, rel, data: bytes):
    def change(root):
        p = _p(root, study, rel)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

    return change


def delete(study, rel):
    def change(root):
        _p(root, study, rel).unlink()

    return change


def recode(study, rel, encoding):
    def change(root):
        p = _p(root, study, rel)
        p.write_bytes(
            p.read_text(encoding="utf-8-sig").replace("’", "'").encode(encoding, errors="replace")
            + "é\n".encode(encoding)
        )

    return change


def recode_all(study, rel, encoding):
    """``rel`` (if the study has it) saved in ``encoding``, nothing else changed."""

    def change(root):
        p = _p(root, study, rel)
        if p.is_file():
            p.write_bytes(p.read_text(encoding="utf-8-sig").encode(encoding))

    return change


def both(*changes):
    def change(root):
        for c in changes:
            c(root)

    return change


def symlink(study, rel, target):
    def change(root):
        p = _p(root, study, rel)
        p.unlink(missing_ok=True)
        os.symlink(target, p)

    return change


def qdpx(study, entries: dict[str, bytes], point=True):
    def change(root):
        p = _p(root, study, "raw/codings.qdpx")
        with zipfile.ZipFile(p, "w") as z:
            for name, data in entries.items():
                z.writestr(name, data)
        if point:
            sub(study, "study.yml", "codings: raw/codings.csv", "codings: raw/codings.qdpx")(root)

    return change


YML = "study.yml"
SURVEY = "raw/survey.csv"
EXC, COD, COD2, PART = "raw/excerpts.csv", "raw/codings.csv", "raw/codings_second_coder.csv", "raw/participants.csv"
BOOK, TRI, REC, PUB = (
    "analysis/codebook.yml",
    "analysis/triangulation.yml",
    "analysis/recommendations.yml",
    "published/figures.csv",
)
QUAL, TRIS, OVER, CLEAN = ("04_qualitative",), ("05_triangulation",), ("01_study_overview",), ("02_clean",)

CASES: list[Case] = []


def case(id, kind, study, change, expect, steps=(), **kw):
    CASES.append(Case(id, kind, study, change, tuple(expect), tuple(steps), **kw))


# --- paths and ids (the CLI cases are in test_fuzz.py) ------------------------------------------
for i, bad in enumerate(
    ["../../../../etc/passwd", "/etc/passwd", "../lancashire-tiat/raw/survey.csv", "raw/../../x.csv"]
):
    case(
        f"path-survey-{i}",
        "study.yml",
        S,
        sub(S, YML, "file: raw/survey.csv", f"file: {bad}"),
        ["study.yml", "survey.file", "inside the study folder"],
    )
for i, (key, bad) in enumerate(
    [
        ("excerpts", "../../../etc/passwd"),
        ("codebook", "/etc/hosts"),
        ("triangulation", "../surrey-als/analysis/triangulation.yml"),
        ("published", "../../README.md"),
    ]
):
    case(
        f"path-input-{i}",
        "study.yml",
        L,
        sub(L, YML, f"  {key}: ", f"  {key}: {bad} #"),
        ["study.yml", f"inputs.{key}", "inside the study folder"],
    )
case(
    "path-symlink-out",
    "study.yml",
    S,
    symlink(S, SURVEY, "/etc/passwd"),
    ["survey.file", "inside the study folder"],
    raw=False,
)
case(
    "path-symlink-dir",
    "study.yml",
    L,
    both(symlink(L, "raw/ext", "/etc"), sub(L, YML, "file: raw/survey.csv", "file: raw/ext/passwd")),
    ["survey.file", "inside the study folder"],
    raw=False,
)
case(
    "path-survey-outside-raw",
    "study.yml",
    S,
    both(
        lambda r: (_p(r, S, "survey.csv")).write_bytes(_p(r, S, SURVEY).read_bytes()),
        sub(S, YML, "file: raw/survey.csv", "file: survey.csv"),
    ),
    ["survey.file", "under the study's raw/"],
)
case(
    "path-codings-outside-raw",
    "study.yml",
    L,
    both(
        lambda r: (_p(r, L, "analysis/c.csv")).write_bytes(_p(r, L, COD).read_bytes()),
        sub(L, YML, "codings: raw/codings.csv", "codings: analysis/c.csv"),
    ),
    ["inputs.codings", "under the study's raw/"],
)
case(
    "path-hidden-raw",
    "study.yml",
    S,
    both(
        lambda r: (_p(r, S, "raw/.s.csv")).write_bytes(_p(r, S, SURVEY).read_bytes()),
        sub(S, YML, "file: raw/survey.csv", "file: raw/.s.csv"),
    ),
    ["survey.file", "listed in raw/MANIFEST.sha256"],
)
case(
    "path-missing-input",
    "study.yml",
    L,
    sub(L, YML, "excerpts: raw/excerpts.csv", "excerpts: raw/nope.csv"),
    ["inputs.excerpts", "an existing file"],
)

# --- the manifest ------------------------------------------------------------------------------
case("manifest-deleted", "manifest", S, delete(S, PART), ["participants.csv", "missing"], raw=False)
case("manifest-deleted-survey", "manifest", L, delete(L, SURVEY), ["survey"], raw=False)
case(
    "manifest-changed",
    "manifest",
    L,
    append(L, COD, "L-001,experiences,x"),
    ["codings.csv", "MANIFEST.sha256"],
    raw=False,
)
case(
    "manifest-unlisted",
    "manifest",
    S,
    write(S, "raw/extra.csv", b"a\n"),
    ["extra.csv", "listed in MANIFEST"],
    raw=False,
)
case(
    "manifest-garbled",
    "manifest",
    S,
    append(S, "raw/MANIFEST.sha256", "not a checksum line"),
    ["MANIFEST.sha256", "row", "<sha256>"],
    raw=False,
)
case(
    "manifest-gone",
    "manifest",
    L,
    delete(L, "raw/MANIFEST.sha256"),
    ["MANIFEST.sha256", "checksum manifest"],
    raw=False,
)

# --- study.yml ---------------------------------------------------------------------------------
Y = [
    (
        "dup-key",
        S,
        'redact_names: ["Nick", "Nicola"]',
        'redact_names: ["Nick", "Nicola"]\n  redact_names: []',
        ["survey.redact_names", "each key once"],
    ),
    ("dup-top-key", L, "\ninputs:", "\nreconstructed: true\ninputs:", ["reconstructed"]),
    ("alias", L, "  redact_names: []", "  redact_names: &n []\n  keep_columns: *n", ["alias"]),
    (
        "alias-bomb",
        S,
        'redact_names: ["Nick", "Nicola"]',
        "redact_names: &a [x, x, x, x, x, x, x, x, x, x]\n  keep_columns: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
        ["alias"],
    ),
    (
        "title-list",
        L,
        'title: "Trauma Informed Awareness Training (TIAT) evaluation"',
        "title: [a, b]",
        ["report.title"],
    ),
    ("title-mapping", S, 'title: "Trauma-informed service', 'title: {a: 1}\n  x: "', ["report"]),
    ("year-inf", L, "year: 2025", "year: .inf", ["report.year"]),
    ("year-nan", S, "year: 2023", "year: .nan", ["report.year"]),
    ("flow-n-inf", S, "n: 23}", "n: .inf}", ["design.flow", "n"]),
    ("flow-n-list", S, "n: 23}", "n: [23]}", ["design.flow", "n"]),
    (
        "anchors-list",
        L,
        "    agreement:\n      type: ordinal",
        "    agreement:\n      anchors: [1, 5]\n      type: ordinal",
        ["agreement"],
    ),
    (
        "scale-type-bad",
        L,
        "    agreement:\n      type: ordinal",
        "    agreement:\n      type: exotic",
        ["type", "exotic"],
    ),
    ("level-code-text", L, '{code: 1, label: "Strongly disagree"', '{code: one, label: "Strongly disagree"', ["code"]),
    ("level-dup", L, '{code: 2, label: "Disagree"', '{code: 1, label: "Disagree"', ["agreement"]),
    ("id-mismatch", S, "id: surrey-als", "id: other-study", ["id", "surrey-als"]),
    ("id-list", S, "id: surrey-als", "id: [surrey-als]", ["id"]),
    ("unknown-key", L, "\ninputs:", "\nsurprise: 1\ninputs:", ["surprise"]),
    ("survey-format-bad", L, "format: qualtrics", "format: sas", ["survey.format"]),
    ("redact-names-text", S, 'redact_names: ["Nick", "Nicola"]', "redact_names: Nick", ["redact_names"]),
    ("identifying-mapping", L, "  redact_names: []", "  redact_names: {a: 1}", ["redact_names"]),
    ("inputs-list", L, "  excerpts: raw/excerpts.csv", "  excerpts: [raw/excerpts.csv]", ["inputs.excerpts"]),
    ("tab-indent", S, "\n  year: 2023", "\n\tyear: 2023", ["study.yml"]),
    ("bad-yaml", L, "  year: 2025", "  year: [2025", ["study.yml"]),
]
for name, study, old, new, expect in Y:
    case(f"yml-{name}", "study.yml", study, sub(study, YML, old, new), ["study.yml", *expect], OVER)
case("yml-empty", "study.yml", S, write(S, YML, b""), ["study.yml"])
case("yml-list", "study.yml", S, write(S, YML, b"- a\n- b\n"), ["study.yml"])
case("yml-nul", "study.yml", L, sub(L, YML, "  year: 2025", "  year: 20\x0025"), ["study.yml"])
case(
    "yml-latin1",
    "study.yml",
    L,
    lambda r: _p(r, L, YML).write_bytes(_p(r, L, YML).read_bytes() + b"# caf\xe9\n"),
    ["study.yml", "UTF-8"],
)
case("yml-binary", "study.yml", S, write(S, YML, bytes(range(256))), ["study.yml"])
case("yml-no-items", "study.yml", L, lambda r: _cut_items(r), ["item"], OVER)


def _cut_items(root):
    p = _p(root, L, YML)
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("  items:\n")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  demographics:"))
    p.write_text("".join(lines[:start] + ["  items: []\n"] + lines[end:]), encoding="utf-8")


# --- survey exports (Qualtrics for lancashire, an online form for surrey) ------------------------
for study, fmt in ((L, "qualtrics"), (S, "form")):
    t = f"survey-{fmt}"
    case(f"{t}-stray-quote", "survey", study, append(study, SURVEY, '"unclosed,' + "x," * 5), ["survey.csv"], CLEAN)
    case(
        f"{t}-nul",
        "survey",
        study,
        lambda r, s=study: _p(r, s, SURVEY).write_bytes(
            _p(r, s, SURVEY).read_bytes().replace(b"Strongly agree", b"Strongly\x00agree", 1)
        ),
        ["survey.csv"],
        CLEAN,
    )
    case(f"{t}-latin1", "survey", study, recode(study, SURVEY, "latin-1"), ["survey.csv"], CLEAN)
    case(f"{t}-utf16", "survey", study, recode(study, SURVEY, "utf-16-le"), ["survey.csv"], CLEAN)
    case(f"{t}-empty", "survey", study, write(study, SURVEY, b""), ["survey.csv"], CLEAN)
    case(f"{t}-binary", "survey", study, write(study, SURVEY, bytes(range(256)) * 4), ["survey.csv"], CLEAN)
    case(
        f"{t}-header-only",
        "survey",
        study,
        lambda r, s=study: _p(r, s, SURVEY).write_bytes(_p(r, s, SURVEY).read_bytes().split(b"\n")[0] + b"\n"),
        ["survey.csv"],
        CLEAN,
    )
    case(f"{t}-dup-column", "survey", study, lambda r, s=study: _dup_header(r, s), ["survey.csv"], CLEAN)
    case(
        f"{t}-bad-label",
        "survey",
        study,
        sub(study, SURVEY, "Strongly agree", "Strongly agreeish"),
        ["survey.csv", "Strongly agreeish"],
        CLEAN,
    )
    case(f"{t}-ragged", "survey", study, append(study, SURVEY, "a,b"), ["survey.csv"], CLEAN)
    case(
        f"{t}-control",
        "survey",
        study,
        sub(study, SURVEY, "Strongly agree", "Strongly\x1bagree"),
        ["survey.csv"],
        CLEAN,
    )


def _dup_header(root, study):
    p = _p(root, study, SURVEY)
    data = p.read_bytes()
    first, rest = data.split(b"\n", 1)
    cols = first.split(b",")
    cols[-1] = cols[-2]
    p.write_bytes(b",".join(cols) + b"\n" + rest)


# --- excerpts, codings, participants, codebook (04) ------------------------------------------------
for study in (L, S):
    tag = study[:4]
    case(
        f"excerpts-{tag}-stray-quote",
        "excerpts",
        study,
        append(study, EXC, 'X-999,Sec,"open quote,,,,text'),
        ["excerpts.csv"],
        QUAL,
    )
    case(f"excerpts-{tag}-latin1", "excerpts", study, recode(study, EXC, "latin-1"), ["excerpts.csv"], QUAL)
    case(f"excerpts-{tag}-cp1252", "excerpts", study, recode(study, EXC, "cp1252"), ["excerpts.csv"], QUAL)
    case(f"excerpts-{tag}-nul", "excerpts", study, sub(study, EXC, "\n", "\n\x00", 2), ["excerpts.csv"], QUAL)
    case(f"excerpts-{tag}-dup-id", "excerpts", study, lambda r, s=study: _dup_row(r, s, EXC), ["excerpts.csv"], QUAL)
    case(
        f"excerpts-{tag}-no-text-column",
        "excerpts",
        study,
        sub(study, EXC, ",text,", ",words,"),
        ["excerpts.csv", "text"],
        QUAL,
    )
    case(f"excerpts-{tag}-empty", "excerpts", study, write(study, EXC, b""), ["excerpts.csv"], QUAL)
    case(
        f"codings-{tag}-stray-quote",
        "codings",
        study,
        append(study, COD, '"L-001,experiences,report'),
        ["codings.csv"],
        QUAL,
    )
    case(
        f"codings-{tag}-unknown-code",
        "codings",
        study,
        lambda r, s=study: _codings_row(r, s, COD, code="no_such_code"),
        ["codings.csv", "no_such_code"],
        QUAL,
    )
    case(
        f"codings-{tag}-unknown-excerpt",
        "codings",
        study,
        lambda r, s=study: _codings_row(r, s, COD, excerpt="Z-999"),
        ["codings.csv", "Z-999"],
        QUAL,
    )
    case(
        f"codings-{tag}-no-column",
        "codings",
        study,
        sub(study, COD, "excerpt_id,code_id", "excerpt,code_id"),
        ["codings.csv", "row 1", "expected"],
        QUAL,
    )
    case(
        f"codings-{tag}-nul",
        "codings",
        study,
        lambda r, s=study: _codings_row(r, s, COD, coder="rep\x00ort"),
        ["codings.csv"],
        QUAL,
    )
    case(f"codings-{tag}-latin1", "codings", study, recode(study, COD, "latin-1"), ["codings.csv"], QUAL)
    case(
        f"participants-{tag}-stray-quote",
        "participants",
        study,
        append(study, PART, '"Someone,x,y'),
        ["participants.csv"],
        QUAL,
    )
    case(
        f"codebook-{tag}-dup-key",
        "codebook",
        study,
        sub(study, BOOK, "themes:", "themes: []\nthemes:"),
        ["codebook.yml", "themes"],
        QUAL,
    )
    case(
        f"codebook-{tag}-alias",
        "codebook",
        study,
        sub(study, BOOK, "themes:", "x: &a 1\ny: *a\nthemes:"),
        ["codebook.yml"],
        QUAL,
    )
    case(f"codebook-{tag}-list", "codebook", study, write(study, BOOK, b"- a\n"), ["codebook.yml"], QUAL)
    case(f"codebook-{tag}-dup-id", "codebook", study, lambda r, s=study: _dup_theme(r, s), ["codebook.yml"], QUAL)
case(
    "codings2-unknown-code",
    "codings",
    S,
    lambda r: _codings_row(r, S, COD2, code="no_such_code"),
    ["codings_second_coder.csv", "no_such_code"],
    QUAL,
)
case("codings2-stray-quote", "codings", S, append(S, COD2, '"S-001,x,y'), ["codings_second_coder.csv"], QUAL)


def _dup_row(root, study, rel):
    p = _p(root, study, rel)
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    p.write_text("".join(lines + [lines[1] if lines[1].endswith("\n") else "\n" + lines[1]]), encoding="utf-8")


def _codings_row(root, study, rel, excerpt=None, code=None, coder=None):
    p = _p(root, study, rel)
    lines = p.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = dict(zip(header, lines[1].split(",")))
    if excerpt:
        row["excerpt_id"] = excerpt
    if code:
        row["code_id"] = code
    if coder and "coder" in row:
        row["coder"] = coder
    lines.append(",".join(row[h] for h in header))
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _dup_theme(root, study):
    import yaml  # noqa: PLC0415 - only this mutation parses YAML

    p = _p(root, study, BOOK)
    book = yaml.safe_load(p.read_text(encoding="utf-8"))
    book["themes"].append(book["themes"][0])
    p.write_text(yaml.safe_dump(book), encoding="utf-8")


# --- triangulation and recommendations (05) -----------------------------------------------------
for study in (L, S):
    tag = study[:4]
    case(
        f"tri-{tag}-unknown-excerpt",
        "triangulation",
        study,
        sub(study, TRI, "excerpts: [", "excerpts: [NO-SUCH, "),
        ["triangulation.yml", "NO-SUCH"],
        TRIS,
    )
    case(
        f"tri-{tag}-dup-key",
        "triangulation",
        study,
        sub(study, TRI, "findings:", "findings: []\nfindings:"),
        ["triangulation.yml", "findings"],
        TRIS,
    )
    case(
        f"tri-{tag}-alias",
        "triangulation",
        study,
        sub(study, TRI, "findings:", "a: &x 1\nb: *x\nfindings:"),
        ["triangulation.yml"],
        TRIS,
    )
    case(
        f"tri-{tag}-title-list",
        "triangulation",
        study,
        sub(study, TRI, "    title: ", "    title: [x] #"),
        ["triangulation.yml", "title"],
        TRIS,
    )
    case(
        f"tri-{tag}-unknown-theme",
        "triangulation",
        study,
        sub(study, TRI, "themes: [", "themes: [no_such_theme, "),
        ["triangulation.yml", "no_such_theme"],
        TRIS,
    )
    case(
        f"tri-{tag}-not-mapping", "triangulation", study, write(study, TRI, b"just text\n"), ["triangulation.yml"], TRIS
    )
case(
    "rec-unknown-finding",
    "recommendations",
    L,
    sub(L, REC, "findings: [", "findings: [no_such_finding, "),
    ["recommendations.yml", "no_such_finding"],
    TRIS,
)
case(
    "rec-dup-key",
    "recommendations",
    L,
    sub(L, REC, "recommendations:", "recommendations: []\nrecommendations:"),
    ["recommendations.yml"],
    TRIS,
)
case(
    "rec-text-list",
    "recommendations",
    L,
    sub(L, REC, "    text: ", "    text: [x] #"),
    ["recommendations.yml", "row"],
    TRIS,
)
case("rec-not-list", "recommendations", L, write(L, REC, b"recommendations: 5\n"), ["recommendations.yml"], TRIS)

# --- published figures ----------------------------------------------------------------------------
PUBROW = "summary.1,Executive summary,summary,year the Serious Violence Strategy was published,,,2018,year,,,Serious Violence Strategy of 2018,"
P = [
    ("inf", "2018,year,,,", "inf,year,,,", ["value"]),
    ("nan-text", "2018,year,,,", "NaN,year,,,", ["value"]),
    ("value-text", "2018,year,,,", "lots,year,,,", ["value"]),
    ("unit-bad", "2018,year,,,", "2018,furlongs,,,", ["unit"]),
    ("restates-dangling", "2018,year,,,", "2018,year,,no.such.figure,", ["restates", "no.such.figure"]),
    ("restates-self", "2018,year,,,", "2018,year,,summary.1,", ["restates"]),
]
for name, old, new, expect in P:
    case(f"pub-{name}", "published", L, sub(L, PUB, old, new), ["figures.csv", *expect], OVER)
case("pub-stray-quote", "published", L, append(L, PUB, '"x.1,Somewhere,text,m,,,1,count,,,'), ["figures.csv"], OVER)
case("pub-dup-id", "published", L, append(L, PUB, PUBROW), ["figures.csv", "summary.1"], OVER)
case("pub-no-column", "published", L, sub(L, PUB, "figure_id,", "figure,"), ["figures.csv", "figure_id"], OVER)
case("pub-latin1", "published", L, recode(L, PUB, "latin-1"), ["figures.csv"], OVER)
case("pub-nul", "published", L, sub(L, PUB, "Executive summary", "Executive\x00summary"), ["figures.csv"], OVER)
case("pub-cycle", "published", L, lambda r: _restates_cycle(r), ["figures.csv", "restates"], OVER)
case("pub-empty", "published", S, write(S, PUB, b""), ["figures.csv"], OVER)


def _restates_cycle(root):
    p = _p(root, L, PUB)
    text = p.read_text(encoding="utf-8")
    text += "x.1,Somewhere,table,participants,,,5,count,,x.2,5,\nx.2,Somewhere,table,participants,,,5,count,,x.1,5,\n"
    p.write_text(text, encoding="utf-8")


# --- REFI-QDA projects (codings given as a .qdpx) ----------------------------------------------------
XXE = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project name="&x;"/>'
BOMB = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Project name="&c;"/>'
Q = [
    ("xxe", {"project.qde": XXE}),
    ("bomb", {"project.qde": BOMB}),
    ("no-project", {"Sources/a.txt": b"text"}),
    ("not-xml", {"project.qde": b"this is not xml"}),
    ("wrong-root", {"project.qde": b'<?xml version="1.0"?><Other/>'}),
    ("zip-slip", {"../../evil.qde": b"x", "project.qde": b"<Project/>"}),
]
for name, entries in Q:
    case(f"qdpx-{name}", "qdpx", S, qdpx(S, entries), ["codings.qdpx"], QUAL)
case(
    "qdpx-not-zip",
    "qdpx",
    S,
    both(
        write(S, "raw/codings.qdpx", b"PK not a zip"),
        sub(S, YML, "codings: raw/codings.csv", "codings: raw/codings.qdpx"),
    ),
    ["codings.qdpx"],
    QUAL,
)


LONG = "x" * 2_000_000


def long_cell(study, rel, column, extra=LONG, row=1, encoding="utf-8"):
    """Data row ``row``'s ``column`` with ``extra`` appended (a pasted document), the file saved in ``encoding``."""

    def change(root):
        import csv  # noqa: PLC0415 - only these mutations rewrite a CSV
        import io  # noqa: PLC0415

        p = _p(root, study, rel)
        rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig"), newline="")))
        rows[row][rows[0].index(column)] += " " + extra
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows(rows)
        p.write_bytes(out.getvalue().replace("’", "'").encode(encoding))

    return change


# --- declared encodings (survey.encoding, inputs.encoding) -------------------------------------------
def declare(study, section, encoding):
    """Declare ``<section>.encoding`` in study.yml (section: survey or inputs)."""
    return sub(study, YML, f"\n{section}:\n", f"\n{section}:\n  encoding: {encoding}\n")


for study in (L, S):
    tag = study[:4]
    case(f"enc-{tag}-survey-latin1-undeclared", "survey", study, recode(study, SURVEY, "latin-1"),
         ["survey.csv", "expected UTF-8 text", "survey.encoding: cp1252", "at offset"], CLEAN)  # fmt: skip
    case(f"enc-{tag}-excerpts-cp1252-undeclared", "excerpts", study, recode(study, EXC, "cp1252"),
         ["excerpts.csv", "row", "expected UTF-8 text", "inputs.encoding: cp1252", "at offset"], QUAL)  # fmt: skip
    case(f"enc-{tag}-excerpts-cp1252-declared", "excerpts", study,
         both(long_cell(study, EXC, "text", "café – naïve", encoding="cp1252"), declare(study, "inputs", "cp1252")),
         (), QUAL)  # fmt: skip
    case(f"enc-{tag}-excerpts-utf16-declared", "excerpts", study,
         both(long_cell(study, EXC, "text", "café", encoding="utf-16"), declare(study, "inputs", "utf-16"),
              *(recode_all(study, rel, "utf-16") for rel in (COD, COD2, PART, PUB))),
         (), QUAL)  # fmt: skip
    free, first = ("Q9_TEXT", 3) if study == L else ("what_surprised", 1)
    case(f"enc-{tag}-survey-latin1-declared", "survey", study,
         both(long_cell(study, SURVEY, free, "café", row=first, encoding="latin-1"),
              declare(study, "survey", "latin-1")), (), CLEAN)  # fmt: skip
case("enc-survey-cp1252-bad-byte", "survey", S,
     both(lambda r: _p(r, S, SURVEY).write_bytes(_p(r, S, SURVEY).read_bytes().replace(b"Strongly agree", b"Strongly\x81agree", 1)),
          declare(S, "survey", "cp1252")),
     ["survey.csv", "expected cp1252 text (survey.encoding)", "byte 0x81"], CLEAN)  # fmt: skip
case("enc-codings-utf16-undeclared", "codings", L, recode(L, COD, "utf-16"),
     ["codings.csv", "this is UTF-16: declare inputs.encoding: utf-16"], QUAL)  # fmt: skip
case("enc-published-utf16-no-bom", "published", L,
     both(recode(L, PUB, "utf-16-le"), declare(L, "inputs", "utf-16")), ["figures.csv", "byte-order mark"], OVER)  # fmt: skip
case("enc-unknown", "study.yml", L, declare(L, "inputs", "ebcdic"), ["study.yml", "inputs.encoding", "ebcdic"])
case("enc-list", "study.yml", S, declare(S, "survey", "[utf-8]"), ["study.yml", "survey.encoding", "text"])


# --- BOM, CRLF, empty, header-only, duplicated header, long cells ------------------------------------
def bom_crlf(study, rel):
    def change(root):
        p = _p(root, study, rel)
        data = p.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        p.write_bytes(b"\xef\xbb\xbf" + data)

    return change


def header_only(study, rel):
    def change(root):
        p = _p(root, study, rel)
        p.write_bytes(p.read_bytes().split(b"\n")[0] + b"\n")

    return change


for study in (L, S):
    tag = study[:4]
    for rel, kind, steps in ((EXC, "excerpts", QUAL), (COD, "codings", QUAL), (PUB, "published", OVER),
                             (SURVEY, "survey", CLEAN)):  # fmt: skip
        case(f"bom-crlf-{tag}-{kind}", kind, study, bom_crlf(study, rel), (), steps)
    case(f"header-only-{tag}-codings", "codings", study, header_only(study, COD),
         ["codings.csv", "row 2", "at least one coding", "a header only"], QUAL)  # fmt: skip
    case(f"header-only-{tag}-excerpts", "excerpts", study, header_only(study, EXC),
         ["codings.csv", "an excerpt id of raw/excerpts.csv"], QUAL)  # fmt: skip
    case(f"header-only-{tag}-published", "published", study, header_only(study, PUB), [], OVER)
    case(f"empty-{tag}-codings", "codings", study, write(study, COD, b""), ["codings.csv"], QUAL)
    case(f"dup-header-{tag}-excerpts", "excerpts", study, sub(study, EXC, "excerpt_id,section", "excerpt_id,text,section"),
         ["excerpts.csv", "row 1", "each column name once", "'text' twice"], QUAL)  # fmt: skip
    case(f"dup-header-{tag}-published", "published", study, sub(study, PUB, "figure_id,location,", "figure_id,value,location,"),
         ["figures.csv", "row 1", "'value' twice"], OVER)  # fmt: skip
    case(f"dup-header-{tag}-codings", "codings", study, sub(study, COD, "excerpt_id,code_id,coder", "excerpt_id,code_id,code_id"),
         ["codings.csv", "row 1"], QUAL)  # fmt: skip
case("long-cell-excerpt", "excerpts", L, long_cell(L, EXC, "text"), (), QUAL)
case("long-cell-note", "published", S, long_cell(S, PUB, "note"), (), OVER)
case("long-cell-survey-label", "survey", S, sub(S, SURVEY, "Strongly agree", "Strongly agree" + LONG),
     ["survey.csv", "expected one of"], CLEAN)  # fmt: skip
case(
    "long-cell-code",
    "codings",
    L,
    lambda r: _codings_row(r, L, COD, code="c" * 1_000_000),
    ["codings.csv", "code_id"],
    QUAL,
)


# --- NaN and inf in every numeric field ----------------------------------------------------------------
for i, bad in enumerate(["nan", "inf", "-inf", "1e999", "NaN", "Infinity"]):
    case(f"nonfinite-pub-value-{i}", "published", L, sub(L, PUB, "2018,year,,,", f"{bad},year,,,"),
         ["figures.csv", "row 2", "value", "a finite number"], OVER)  # fmt: skip
    case(f"nonfinite-pub-base-{i}", "published", S, sub(S, PUB, ",10,count,10,", f",10,count,{bad},"),
         ["figures.csv", "base", "a finite number"], OVER)  # fmt: skip
for i, (old, new, key) in enumerate([
    ('{code: 1, label: "Strongly disagree"', '{code: .nan, label: "Strongly disagree"', "levels[0].code"),
    ('{code: 1, label: "Strongly disagree"', '{code: -.inf, label: "Strongly disagree"', "levels[0].code"),
    ("year: 2025", "year: .inf", "report.year"),
]):  # fmt: skip
    case(f"nonfinite-yml-{i}", "study.yml", L, sub(L, YML, old, new), ["study.yml", key], OVER)
case(
    "nonfinite-flow-n-nan",
    "study.yml",
    S,
    sub(S, YML, "n: 23}", "n: .nan}"),
    ["study.yml", "design.flow", "finite"],
    OVER,
)

# --- Unicode control and bidirectional characters in names and ids -----------------------------------
for i, ch in enumerate(["\u202e", "\u2066", "\u202a"]):
    case(f"bidi-excerpt-speaker-{i}", "excerpts", L, sub(L, EXC, "Youth Work 1,", f"Youth {ch}Work 1,"),
         ["excerpts.csv", "bidirectional", f"U+{ord(ch):04X}"], QUAL)  # fmt: skip
case(
    "bidi-coder", "codings", S, lambda r: _codings_row(r, S, COD, coder="rep\u202eort"), ["codings.csv", "U+202E"], QUAL
)
case("bidi-yml-title", "study.yml", L, sub(L, YML, 'title: "Trauma Informed', 'title: "Trauma \u202eInformed'),
     ["study.yml", "U+202E"], OVER)  # fmt: skip
case("bidi-codebook", "codebook", S, sub(S, BOOK, "themes:", "# \u2067x\nthemes:"), ["codebook.yml", "U+2067"], QUAL)
case(
    "control-published",
    "published",
    L,
    sub(L, PUB, "Executive summary", "Executive\x1bsummary"),
    ["figures.csv", "\\x1b"],
    OVER,
)
case("control-excerpt-text", "excerpts", S, sub(S, EXC, "\n", "\n\x07", 2), ["excerpts.csv", "\\x07"], QUAL)

# --- symlinks under raw/ pointing outside the study ---------------------------------------------------
case(
    "symlink-excerpts-out",
    "excerpts",
    L,
    symlink(L, EXC, "/etc/hostname"),
    ["inputs.excerpts", "inside the study folder"],
    raw=False,
)
case("symlink-codings-other-study", "codings", S, lambda r: symlink(S, COD, str(_p(r, L, COD)))(r),
     ["inputs.codings", "inside the study folder"], raw=False)  # fmt: skip
case("symlink-raw-folder-out", "survey", S,
     both(lambda r: os.symlink(r / "data" / L / "raw", _p(r, S, "raw/other")),
          sub(S, YML, "file: raw/survey.csv", "file: raw/other/survey.csv")),
     ["survey.file", "inside the study folder"], raw=False)  # fmt: skip

# --- identifying values given as coder names ------------------------------------------------------------
for i, (coder, shown) in enumerate([("jane.doe@example.org", "[email]"), ("07700 900123", "[phone]"),
                                    ("https://example.org/jane", "[url]")]):  # fmt: skip
    case(f"coder-identifying-{i}", "codings", L, lambda r, c=coder: _codings_row(r, L, COD, coder=c),
         ["codings.csv", "column coder", "not identifying data", shown], QUAL, secrets=(coder,))  # fmt: skip
case("coder-redacted-name", "codings", S, lambda r: _codings_row(r, S, COD, coder="Nicola"),
     ["codings.csv", "column coder", "[name]"], QUAL, secrets=("Nicola",))  # fmt: skip
case("coder2-email", "codings", S, lambda r: _codings_row(r, S, COD2, coder="second.coder@example.org"),
     ["codings_second_coder.csv", "[email]"], QUAL, secrets=("second.coder@example.org",))  # fmt: skip


def _qdpx_coder(root, name: str) -> None:
    """The project our own step exported, its first user renamed ``name``, given as the codings."""
    exported = root / "outputs" / S / "04_qualitative" / f"{S}.qdpx"
    with zipfile.ZipFile(exported) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    qde = entries["project.qde"].decode("utf-8")
    start = qde.index("<User ")
    at = qde.index('name="', start) + len('name="')
    entries["project.qde"] = (qde[:at] + name + qde[qde.index('"', at) :]).encode("utf-8")
    qdpx(S, entries)(root)


case("qdpx-coder-email", "qdpx", S, lambda r: _qdpx_coder(r, "jane.doe@example.org"),
     ["codings.qdpx", "column coder", "[email]"], QUAL, secrets=("jane.doe@example.org",))  # fmt: skip


# --- zip bombs and huge members in .qdpx -------------------------------------------------------------
def _declared_size(study, size: int):
    """A .qdpx whose one source declares ``size`` bytes uncompressed (the central directory says so;
    zipfile would stop the member there), as a zip bomb does, without writing those bytes."""

    def change(root):
        qdpx(study, {"project.qde": b"<Project/>", "Sources/a.txt": b"tiny"})(root)
        p = _p(root, study, "raw/codings.qdpx")
        data = bytearray(p.read_bytes())
        at = data.index(b"PK\x01\x02", data.index(b"Sources/a.txt") + 1)
        while not data[at + 46 : at + 46 + 13] == b"Sources/a.txt":
            at = data.index(b"PK\x01\x02", at + 1)
        data[at + 24 : at + 28] = size.to_bytes(4, "little")
        p.write_bytes(bytes(data))

    return change


case(
    "qdpx-huge-member",
    "qdpx",
    S,
    _declared_size(S, 3 << 30),
    ["codings.qdpx", "Sources/a.txt", "zip bomb", "MB uncompressed"],
    QUAL,
)
case("qdpx-many-members", "qdpx", S, _declared_size(S, 300 << 20), ["codings.qdpx", "zip bomb"], QUAL)

# --- restates ------------------------------------------------------------------------------------------
case("pub-restates-text", "published", L, append(L, PUB, "x.1,Somewhere,text,m,,,5,percent,,summary.1,5,"),
     ["figures.csv", "restates", "a table cell", "summary.1"], OVER)  # fmt: skip
case("pub-quantifier-restates-year", "published", L,
     append(L, PUB, "x.1,Somewhere,text,all of them,,,100,quantifier,,summary.1,All of them,"),
     ["figures.csv", "restates", "count, n or percent this quantifier claim quantifies"], OVER)  # fmt: skip
case("pub-restates-each-other", "published", S, lambda r: _restates_pair(r), ["figures.csv", "restates"], OVER)


def _restates_pair(root):
    p = _p(root, S, PUB)
    text = p.read_text(encoding="utf-8")
    text += "t9.a,Table 9,table,m,,,5,count,,t9.b,5,\nt9.b,Table 9,table,m,,,5,count,,t9.a,5,\n"
    p.write_text(text, encoding="utf-8")


# --- survey exports saved as XLSX: formula cells, hidden and extra sheets, merged cells (issue 18) ------
XLSX = "raw/survey.xlsx"
FREE = {L: "Q9_TEXT", S: "what_surprised"}
ITEM = {L: "Q1_1", S: "met_expectations"}
HEADER_ROWS = {L: 3, S: 1}


def as_xlsx(study, edit=None, before=(), after=(), hidden=(), sheet=None):
    """The study's survey.csv saved as raw/survey.xlsx (sheet 'Responses', every cell text as Excel
    keeps a CSV it opened) and named in study.yml (``sheet``: also as survey.sheet).  ``edit(ws, col)``
    changes the data sheet (``col(name)``: the 1-based column of a header name); ``before`` and
    ``after`` are (title, rows) of other sheets around it; ``hidden``: the titles hidden."""

    def change(root):
        import csv  # noqa: PLC0415
        import io  # noqa: PLC0415

        import openpyxl  # noqa: PLC0415

        text = _p(root, study, SURVEY).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, other in before:
            ws = book.create_sheet(title)
            for row in other:
                ws.append(row)
        ws = book.create_sheet("Responses")
        for row in rows:
            ws.append([c if c != "" else None for c in row])
        for cell in (c for r in ws.iter_rows() for c in r):  # a text starting with '=' is text, as read from CSV
            if cell.data_type == "f":
                cell.data_type = "s"
        if edit:
            edit(ws, lambda name: rows[0].index(name) + 1)
        for title, other in after:
            extra = book.create_sheet(title)
            for row in other:
                extra.append(row)
        for title in hidden:
            book[title].sheet_state = "hidden"
        book.save(_p(root, study, XLSX))
        _p(root, study, SURVEY).unlink()
        new = f"file: {XLSX}" + (f"\n  sheet: {sheet}" if sheet else "")
        sub(study, YML, f"file: {SURVEY}", new)(root)

    return change


def _first_answered(ws, column: int) -> int:
    """The first spreadsheet row (below row 1) whose cell in ``column`` holds a text."""
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, column).value and r > 3)


def _formulas(study):
    """A formula a spreadsheet wrote in a free-text cell (=HYPERLINK, never computed: no cached value)
    and in an answer cell (=1+1), and a free text typed as '=1+1' (a text cell starting with '=')."""

    def edit(ws, col):
        free = col(FREE[study])
        first = _first_answered(ws, free)
        ws.cell(first, free).value = '=HYPERLINK("http://x.example/","click")'
        ws.cell(first, free).data_type = "f"
        second = next(r for r in range(first + 1, ws.max_row + 1) if ws.cell(r, free).value)
        ws.cell(second, free).value = "=1+1"
        ws.cell(second, free).data_type = "s"
        ws.cell(first, col(ITEM[study])).value = "=1+1"
        ws.cell(first, col(ITEM[study])).data_type = "f"

    return edit


for study in (L, S):
    tag = study[:4]
    case(f"xlsx-{tag}-plain", "survey", study, as_xlsx(study), (), CLEAN)
    case(f"xlsx-{tag}-formula-cells", "survey", study, as_xlsx(study, _formulas(study)), (), CLEAN,
         warns=("3 formula cell(s) in survey.xlsx, sheet 'Responses' (cells ",),
         written=("'=1+1",))  # fmt: skip
    case(f"xlsx-{tag}-hidden-first-sheet", "survey", study,
         as_xlsx(study, before=[("Old export", [["respondent_id", "x"], ["1", "=2+2"]])], hidden=("Old export",)),
         (), CLEAN)  # fmt: skip
    case(f"xlsx-{tag}-two-visible-sheets", "survey", study, as_xlsx(study, after=[("Summary", [["n", 3]])]),
         ["survey.xlsx", "one visible sheet", "survey.sheet in study.yml", "'Responses', 'Summary'"], CLEAN)  # fmt: skip
    case(f"xlsx-{tag}-hidden-extra-sheet", "survey", study,
         as_xlsx(study, after=[("Lookup", [["code", "label"]])], hidden=("Lookup",)), (), CLEAN)  # fmt: skip
    case(f"xlsx-{tag}-named-hidden-sheet", "survey", study,
         as_xlsx(study, before=[("Cover", [["About this export"]])], hidden=("Responses",), sheet="Responses"),
         (), CLEAN)  # fmt: skip
    case(f"xlsx-{tag}-hidden-sheet-unnamed", "survey", study,
         as_xlsx(study, before=[("Cover", [["About this export"]])], hidden=("Responses",)),
         ["survey.xlsx"], CLEAN)  # fmt: skip
    case(f"xlsx-{tag}-sheet-not-there", "survey", study, as_xlsx(study, sheet="Data"),
         ["survey.xlsx", "a sheet named 'Data'", "survey.sheet"], CLEAN)  # fmt: skip
    case(f"xlsx-{tag}-merged-answers", "survey", study,
         as_xlsx(study, lambda ws, col, s=study: ws.merge_cells(start_row=5, start_column=col(ITEM[s]), end_row=6,
                                                                end_column=col(ITEM[s]) + 1)),
         ["survey.xlsx", "row 5", "sheet 'Responses' merges", "found 'merged cells"], CLEAN)  # fmt: skip
    case(f"xlsx-{tag}-merged-across-header", "survey", study,
         as_xlsx(study, lambda ws, col, s=study: ws.merge_cells(start_row=HEADER_ROWS[s], start_column=col(FREE[s]),
                                                                end_row=HEADER_ROWS[s] + 1, end_column=col(FREE[s]))),
         ["survey.xlsx", f"row {HEADER_ROWS[study] + 1}", "merges", "found 'merged cells"], CLEAN)  # fmt: skip


def _merge_question_texts(ws, col):
    """Qualtrics header row 2 (question texts) merged over the Q1 sub-item columns, as a hand-tidied
    workbook does: the texts below the top-left read as empty, so the merge is filled along the row."""
    first = col("Q1_1")
    ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=first + 2)


case("xlsx-lanc-merged-header", "survey", L, as_xlsx(L, _merge_question_texts), (), CLEAN)
case("xlsx-surr-merged-header-duplicates", "survey", S,
     as_xlsx(S, lambda ws, col: ws.merge_cells(start_row=1, start_column=col("barriers"), end_row=1,
                                               end_column=col("barriers") + 1)),
     ["survey.xlsx", "barriers"], CLEAN)  # fmt: skip

# --- bidirectional controls in survey free text and quotations (issue 18) --------------------------------
SURREY_FREE = "I really enjoyed learning about the types of quest"
case("bidi-survey-free-open", "survey", S, sub(S, SURVEY, SURREY_FREE, "I really \u202eenjoyed learning about the types of quest"),
     ["survey.csv", "row 2", "column what_surprised", "U+202E", "never closed"], CLEAN)  # fmt: skip
case("bidi-survey-free-stray-closer", "survey", S, sub(S, SURVEY, SURREY_FREE, "I really enjoyed\u2069 learning about the types of quest"),
     ["survey.csv", "row 2", "column what_surprised", "U+2069", "with nothing open"], CLEAN)  # fmt: skip
case("bidi-survey-free-balanced", "survey", S,
     sub(S, SURVEY, SURREY_FREE, "I really \u2067enjoyed\u2069 learning \u200fabout the types of quest"), (), CLEAN,
     written=("I really \u2067enjoyed\u2069 learning \u200fabout",))  # fmt: skip
case("bidi-survey-xlsx-open", "survey", S,
     as_xlsx(S, lambda ws, col: setattr(ws.cell(2, col(FREE[S])), "value", "x \u2066y")),
     ["survey.xlsx", "row 2", "column what_surprised", "U+2066"], CLEAN)  # fmt: skip
case("bidi-excerpt-text-open", "excerpts", S, sub(S, EXC, "Thank you so much", "Thank you \u202bso much"),
     ["excerpts.csv", "row 2", "column text", "U+202B", "never closed"], QUAL)  # fmt: skip
case("bidi-excerpt-text-misnested", "excerpts", L, lambda r: _excerpt_text(r, L, "\u2067a \u202bb\u2069 c\u202c"),
     ["excerpts.csv", "column text", "U+2069", "closing the U+202B"], QUAL)  # fmt: skip
case("bidi-excerpt-text-balanced", "excerpts", S,
     sub(S, EXC, "Thank you so much", "Thank you \u202bso much\u202c \u061c\u200e"), (), QUAL)  # fmt: skip


def _excerpt_text(root, study, text):
    """The first excerpt's text replaced by ``text`` (quoted)."""
    import csv  # noqa: PLC0415
    import io  # noqa: PLC0415

    p = _p(root, study, EXC)
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig"), newline="")))
    rows[1][rows[0].index("text")] = text
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    p.write_text(out.getvalue(), encoding="utf-8")
