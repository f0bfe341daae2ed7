"""The declarative schema (tieval.spec) of the five YAML inputs: one-line errors, strict YAML, docs, migrate.

Fixtures are copies of the shipped study ``surrey-als`` (study.yml), of the small
qualitative fixture ``tests/fixtures/qual/qualfix`` (codebook, triangulation,
recommendations) and of ``lancashire-tiat``'s reconstruction.yml, each edited in one
place.  The YAML cases reproduce what real hand-written configs do: a key pasted twice
(YAML keeps the second silently), anchors copied from a tutorial, ``.inf`` typed for
"no limit", an alias bomb (a "billion laughs" document: 9 levels of 10 aliases).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tieval.config import load_study
from tieval.errors import ConfigError
from tieval.mixed import findings as fd
from tieval.mixed import recommendations as rc
from tieval.qual import codebook as cb
from tieval.qual import codings as qc
from tieval.qual import excerpts as qe
from tieval.spec import load_yaml
from tieval.tools import reconstruct, schema_docs
from tieval.tools.migrate import migrate_study
from tieval.tools.template import create_study

ROOT = Path(__file__).resolve().parents[1]
QUALFIX = ROOT / "tests" / "fixtures" / "qual" / "qualfix"


# --------------------------------------------------------------------------- helpers
def _copy_study(tmp_path: Path, sid: str = "surrey-als") -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("")
    dest = tmp_path / "data" / sid
    shutil.copytree(ROOT / "data" / sid, dest)
    return dest


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _message(call) -> str:
    with pytest.raises(ConfigError) as info:
        call()
    text = str(info.value)
    assert "\n" not in text
    return text


def _study_error(tmp_path, change) -> str:
    folder = _copy_study(tmp_path)
    _edit(folder / "study.yml", change)
    return _message(lambda: load_study(folder, check_files=False))


def _qual_parts(folder: Path):
    study = load_study(folder, check_files=False)
    codebook = cb.load_codebook(study)
    excerpts = qe.load_excerpts(study)
    codings = qc.load_codings(study, codebook, excerpts)
    return study, codebook, excerpts, codings


def _qual_error(tmp_path, name: str, change) -> str:
    folder = tmp_path / "qualfix"
    shutil.copytree(QUALFIX, folder)
    _edit(folder / "analysis" / name, change)

    def load():
        study, codebook, excerpts, codings = _qual_parts(folder)
        tri = fd.load_triangulation(study, codebook, excerpts, codings)
        rc.load_recommendations(study, tri)

    return _message(load)


# --------------------------------------------------------------------------- study.yml
STUDY_CASES = [
    (
        "unknown key",
        lambda c: c["survey"].update(formt="form"),
        "study.yml, key survey.formt: expected one of the keys definition, encoding, file, format, id_column, identifying_columns, "
        "keep_columns, link_key, redact_names, sheet; found 'formt'",
    ),
    (
        "wrong type",
        lambda c: c["report"].update(title=["a", "list"]),
        "study.yml, key report.title: expected text; found 'a list'",
    ),
    (
        "wrong type deep",
        lambda c: c["instrument"]["scales"]["agreement"]["levels"][0].update(code="one"),
        "study.yml, key instrument.scales.agreement.levels[0].code: expected a number; found 'one'",
    ),
    (
        "anchors as a list",
        lambda c: c["instrument"]["scales"]["agreement"].update(anchors=["low", "high"]),
        "study.yml, key instrument.scales.agreement.anchors: expected a mapping; found 'a list'",
    ),
    (
        "dangling scale",
        lambda c: c["instrument"]["items"][2].update(scale="agree"),
        "study.yml, key instrument.items[2].scale: expected one of the scales agreement, yes_no, "
        "suggestion_category, text; found 'agree'",
    ),
    (
        "non-finite number",
        lambda c: c["design"]["flow"][0].update(n=float("inf")),
        "study.yml, key design.flow[0].n: expected a finite number; found 'inf'",
    ),
    (
        "yes unquoted as a category",
        lambda c: c["instrument"]["scales"]["yes_no"]["levels"][0].update(category=True),
        "study.yml, key instrument.scales.yes_no.levels[0].category: expected text; found 'True'",
    ),
    (
        "non-string key",
        lambda c: c["instrument"]["scales"]["agreement"].update(aliases={3: 3}),
        "study.yml, key instrument.scales.agreement.aliases.3: expected a text key (quote it); found '3'",
    ),
    (
        "bad id",
        lambda c: c["instrument"]["items"][0].update(id="met expectations"),
        "study.yml, key instrument.items[0].id: expected an id of letters, digits, '_', '-' or '.'; "
        "found 'met expectations'",
    ),
]


@pytest.mark.parametrize("name,change,message", STUDY_CASES, ids=[c[0] for c in STUDY_CASES])
def test_study_errors(tmp_path, name, change, message):
    assert message in _study_error(tmp_path, change)


def test_inline_reconstruction_block_asks_for_migrate(tmp_path):
    text = _study_error(tmp_path, lambda c: c.update(reconstruction={"seed": 1}))
    assert "study.yml, key reconstruction: expected the reconstruction parameters in reconstruction.yml" in text
    assert "python -m tieval migrate surrey-als" in text


# --------------------------------------------------------------------------- codebook, triangulation, recommendations
QUAL_CASES = [
    (
        "codebook unknown key",
        "codebook.yml",
        lambda c: c["themes"][0].update(colour="red"),
        "codebook.yml, key themes[0].colour: expected one of the keys case, children, construct, description, "
        "id, items, label, report_count, subconstruct; found 'colour'",
    ),
    (
        "codebook wrong type",
        "codebook.yml",
        lambda c: c["themes"][0].update(items="B1"),
        "codebook.yml, key themes[0].items: expected a list; found 'B1'",
    ),
    (
        "codebook dangling reference",
        "codebook.yml",
        lambda c: c["themes"][0]["children"][0].update(items=["Z9"]),
        "codebook.yml, key themes[0].children[0].items[0]: expected an item id of study.yml; found 'Z9'",
    ),
    (
        "codebook subconstruct needs construct",
        "codebook.yml",
        lambda c: c["themes"][1].update(subconstruct="initiation"),
        "codebook.yml, key themes[1].subconstruct: expected a construct beside the sub-construct; found 'initiation'",
    ),
    (
        "triangulation unknown key",
        "triangulation.yml",
        lambda c: c["findings"][0]["qualitative"].update(theme=["learning"]),
        "triangulation.yml, key findings[0].qualitative.theme: expected one of the keys excerpts, quote, sources, "
        "themes; found 'theme'",
    ),
    (
        "triangulation wrong type",
        "triangulation.yml",
        lambda c: c["findings"][0].update(quantitative={"item": "B1"}),
        "triangulation.yml, key findings[0].quantitative: expected a list; found 'a mapping'",
    ),
    (
        "triangulation dangling reference",
        "triangulation.yml",
        lambda c: c["findings"][0]["qualitative"].update(excerpts=["E-1", "E-9"]),
        "triangulation.yml, key findings[0].qualitative.excerpts[1]: expected an excerpt id of raw/excerpts.csv; "
        "found 'E-9'",
    ),
    (
        "triangulation excerpt without the theme",
        "triangulation.yml",
        lambda c: c["findings"][0]["qualitative"].update(excerpts=["E-4"], quote="E-4"),
        "triangulation.yml, key findings[0].qualitative.excerpts[0]: expected an excerpt coded with one of this "
        "finding's themes (learning); it carries barrier_time, barriers",
    ),
    (
        "recommendations unknown key",
        "recommendations.yml",
        lambda c: c["recommendations"][0].update(page="3"),
        "recommendations.yml, key recommendations[0].page: expected one of the keys findings, id, report_pages, "
        "text; found 'page'",
    ),
    (
        "recommendations wrong type",
        "recommendations.yml",
        lambda c: c["recommendations"][0].update(findings="f_learn"),
        "recommendations.yml, key recommendations[0].findings: expected a list of at least one finding id; "
        "found 'f_learn'",
    ),
    (
        "recommendations dangling reference",
        "recommendations.yml",
        lambda c: c["recommendations"][0].update(findings=["f_nope"]),
        "recommendations.yml, key recommendations[0].findings[0]: expected a finding id of triangulation.yml; "
        "found 'f_nope'",
    ),
]


@pytest.mark.parametrize("name,file,change,message", QUAL_CASES, ids=[c[0] for c in QUAL_CASES])
def test_analysis_file_errors(tmp_path, name, file, change, message):
    assert message in _qual_error(tmp_path, file, change)


# --------------------------------------------------------------------------- reconstruction.yml
def _params_error(change) -> str:
    study = load_study("lancashire-tiat", ROOT, check_files=False)
    path = reconstruct.params_file(study)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    return _message(lambda: reconstruct.parse_params(raw, path, study))


RECON_CASES = [
    ("unknown key", lambda r: r.update(sead=1), "reconstruction.yml, key sead: expected one of the keys"),
    ("wrong type", lambda r: r.update(seed="twenty"), "reconstruction.yml, key seed: expected a whole number"),
    (
        "wrong type nested",
        lambda r: r["latent"].update(item_noise_sd=True),
        "reconstruction.yml, key latent.item_noise_sd: expected a number; found 'True'",
    ),
    (
        "dangling reference",
        lambda r: r["invented_free_text"].update(nope=["x"]),
        "reconstruction.yml, key invented_free_text.nope: expected a free_text question id; found 'nope'",
    ),
    (
        "dangling item in a story",
        lambda r: r["story"][1].update(through="Z9"),
        "reconstruction.yml, key story[1].through: expected 'all', 'none' or an item id; found 'Z9'",
    ),
    (
        "share out of range",
        lambda r: r["extreme_share"].update(agree=1.5),
        "reconstruction.yml, key extreme_share.agree: expected a share between 0 and 1; found '1.5'",
    ),
]


@pytest.mark.parametrize("name,change,message", RECON_CASES, ids=[c[0] for c in RECON_CASES])
def test_reconstruction_errors(name, change, message):
    assert message in _params_error(change)


def test_shipped_params_are_read():
    study = load_study("surrey-als", ROOT, check_files=False)
    p = reconstruct.read_params(study)
    assert (p.seed, p.n_records, p.fieldwork_days, p.remainder_low_below) == (20230630, 10, 100, -2.0)
    assert p.story[0] == reconstruct.Group("respondents", 10, "all", False, True)
    assert p.three_words == {"question": "three_words", "words_per_answer": 3, "most_frequent_count": 5}
    assert p.profiles[0]["rank"] == 1 and p.free_text_requires["impact"] == {"impact_examples": "yes"}


# --------------------------------------------------------------------------- strict YAML
def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_key_is_refused_with_line_and_key(tmp_path):
    path = _write(tmp_path, "survey:\n  redact_names: [Sam]\n  file: a.csv\n  redact_names: []\n")
    text = _message(lambda: load_yaml(path))
    assert text.endswith(
        "x.yml, row 4, key survey.redact_names: expected each key once in its mapping "
        "(the second would replace the first); found 'redact_names'"
    )


def test_duplicate_key_in_a_list_item(tmp_path):
    path = _write(tmp_path, "items:\n  - {id: A1, text: x}\n  - {id: A2, id: A3}\n")
    assert "row 3, key items[1].id: expected each key once" in _message(lambda: load_yaml(path))


def test_alias_is_refused(tmp_path):
    path = _write(tmp_path, "a: &x [1, 2]\nb: *x\n")
    text = _message(lambda: load_yaml(path))
    assert "x.yml, row 1, key a: expected no YAML anchors or aliases (write each value out); found '&x'" in text


def test_alias_bomb_does_not_expand(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, 10):
        lines.append(f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 10) + "]")
    path = _write(tmp_path, "\n".join(lines) + "\n")
    assert "expected no YAML anchors or aliases" in _message(lambda: load_yaml(path))


def test_duplicate_key_in_a_real_study(tmp_path):
    folder = _copy_study(tmp_path)
    path = folder / "study.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '  redact_names: ["Nick", "Nicola"]', '  redact_names: ["Nick", "Nicola"]\n  redact_names: []'
        ),
        encoding="utf-8",
    )
    text = _message(lambda: load_study(folder, check_files=False))
    assert "study.yml, row" in text and "key survey.redact_names: expected each key once" in text


def test_non_finite_numbers_are_refused_where_numbers_are_expected(tmp_path):
    study = load_study("lancashire-tiat", ROOT, check_files=False)
    path = reconstruct.params_file(study)
    raw = load_yaml(path)
    raw["latent"]["construct_sd"] = float("nan")
    text = _message(lambda: reconstruct.parse_params(raw, path, study))
    assert "key latent.construct_sd: expected a finite number; found 'nan'" in text


def test_several_documents_are_refused(tmp_path):
    path = _write(tmp_path, "a: 1\n---\na: 2\n")
    assert "x.yml" in _message(lambda: load_yaml(path))


# --------------------------------------------------------------------------- extension points
def test_extension_points_load(tmp_path):
    """Waves with per-wave exports, a link key, multi-select and text fields, subscales with a
    reverse-scored 0-10 item, instrument-level reference values: declared and checked now."""
    folder = _copy_study(tmp_path)
    (folder / "raw" / "baseline.csv").write_text("x\n")
    (folder / "raw" / "followup_a.csv").write_text("x\n")
    (folder / "raw" / "followup_b.csv").write_text("x\n")

    def change(c):
        c["design"]["waves"] = [
            {"id": "baseline", "label": "Baseline", "timing": "before", "survey": {"file": "raw/baseline.csv"}},
            {"id": "followup", "label": "3 months", "survey": {"files": ["raw/followup_a.csv", "raw/followup_b.csv"]}},
        ]
        c["survey"].pop("file")
        c["survey"]["link_key"] = "code"
        scales = c["instrument"]["scales"]
        scales["zero_ten"] = {"type": "numeric", "min": 0, "max": 10}
        scales["seven"] = {"type": "ordinal", "levels": [{"code": k, "label": f"L{k}"} for k in range(1, 8)]}
        scales["channels"] = {
            "type": "multi_select",
            "layout": "joined",
            "separator": ";",
            "options": [{"label": "Email"}, {"label": "Phone"}],
        }
        items = c["instrument"]["items"]
        items.append({"id": "conf", "text": "Confidence", "scale": "zero_ten", "reverse": True})
        items.append({"id": "seven1", "text": "Seven", "scale": "seven", "reverse": True})
        items.append({"id": "chan", "text": "Channels", "scale": "channels"})
        c["instrument"]["text_fields"] = [
            {"id": "code", "text": "Your code", "kind": "participant_code"},
            {"id": "chan_other", "text": "Other", "kind": "other_specify", "other_of": "chan"},
        ]
        c["instrument"]["subscales"] = {"confidence": {"label": "Confidence", "items": ["conf", "seven1"]}}
        c["instrument"]["reference"] = [{"of": "confidence", "statistic": "alpha", "value": 0.8, "source": "x"}]

    _edit(folder / "study.yml", change)
    study = load_study(folder)
    assert [w.id for w in study.waves] == ["baseline", "followup"]
    assert study.waves[1].survey.files == ("raw/followup_a.csv", "raw/followup_b.csv")
    assert study.survey.link_key == "code" and study.survey.file == ""
    assert study.scales["channels"].layout == "joined" and [o.label for o in study.scales["channels"].options] == [
        "Email",
        "Phone",
    ]
    assert study.scales["zero_ten"].reversed_code(3) == 7
    assert study.scales["seven"].reversed_code(2) == 6
    assert study.scales["agreement"].reversed_code(1) == 5
    assert study.subscales["confidence"].items == ("conf", "seven1")
    assert study.reference_values("alpha") == {"confidence": 0.8}
    assert [t.kind for t in study.text_fields] == ["participant_code", "other_specify"]


def test_reference_alpha_from_instrument_reference(tmp_path):
    folder = _copy_study(tmp_path, "lancashire-tiat")

    def change(c):
        c["instrument"]["constructs"]["coherence"].pop("reference_alpha")
        c["instrument"]["reference"] = [{"of": "coherence", "statistic": "alpha", "value": 0.71}]

    _edit(folder / "study.yml", change)
    assert load_study(folder, check_files=False).constructs["coherence"].reference_alpha == 0.71


EXTENSION_ERRORS = [
    (
        "wave without export",
        lambda c: c["design"].update(waves=[{"id": "w1", "label": "W1", "survey": {}}]),
        "key design.waves[0].survey: expected either file or files",
    ),
    (
        "link key with one wave",
        lambda c: c["survey"].update(link_key="code"),
        "key survey.link_key: expected two or more design.waves to link; found 'code'",
    ),
    (
        "subscale item unknown",
        lambda c: c["instrument"].update(subscales={"s": {"items": ["zz"]}}),
        "key instrument.subscales.s.items[0]: expected an item id of the instrument; found 'zz'",
    ),
    (
        "reference of nothing",
        lambda c: c["instrument"].update(reference=[{"of": "zz", "statistic": "alpha", "value": 0.7}]),
        "key instrument.reference[0].of: expected a construct, subscale or item id of the instrument; found 'zz'",
    ),
    (
        "reference statistic",
        lambda c: c["instrument"].update(reference=[{"of": "recommend", "statistic": "kappa", "value": 0.7}]),
        "key instrument.reference[0].statistic: expected one of alpha, omega, mean, sd, median, item_total",
    ),
    (
        "multi_select without options",
        lambda c: c["instrument"]["scales"].update(m={"type": "multi_select"}),
        "key instrument.scales.m.options: expected the options of a multi_select scale",
    ),
    (
        "layout",
        lambda c: c["instrument"]["scales"].update(
            m={"type": "multi_select", "layout": "wide", "options": [{"label": "a"}]}
        ),
        "key instrument.scales.m.layout: expected one of split, joined; found 'wide'",
    ),
]


@pytest.mark.parametrize("name,change,message", EXTENSION_ERRORS, ids=[c[0] for c in EXTENSION_ERRORS])
def test_extension_errors(tmp_path, name, change, message):
    assert message in _study_error(tmp_path, change)


# --------------------------------------------------------------------------- docs and migrate
def test_readme_key_tables_match_the_schema():
    path = schema_docs.readme_path(ROOT)
    text = path.read_text(encoding="utf-8")
    assert schema_docs.render(text, path) == text, "data/README.md drifted: run python -m tieval schema-docs"
    for name in schema_docs.SPECS:
        assert f"<!-- schema:{name} -->" in text
    assert "| `instrument.items[].scale` | text | **required** |" in text
    for csv_file in ("raw/codings.csv", "raw/participants.csv", "raw/excerpts.csv", "published/figures.csv"):
        assert f"## `{csv_file}`" in text


def test_schema_docs_check_fails_on_drift(tmp_path):
    (tmp_path / "data").mkdir()
    readme = tmp_path / "data" / "README.md"
    readme.write_text(
        (ROOT / "data" / "README.md").read_text(encoding="utf-8").replace("| `seed` | whole number", "| `seed` | text")
    )
    assert schema_docs.main(check=True, root=tmp_path) == 1
    assert schema_docs.main(root=tmp_path) == 0
    assert schema_docs.main(check=True, root=tmp_path) == 0


def test_migrate_moves_an_inline_reconstruction_block(tmp_path):
    folder = _copy_study(tmp_path, "lancashire-tiat")
    params = (folder / "reconstruction.yml").read_text(encoding="utf-8")
    body = "".join(line.split("#")[0].rstrip() + "\n" for line in params.splitlines() if not line.startswith("#"))
    old = (folder / "study.yml").read_text(encoding="utf-8") + "reconstruction:   # parameters\n"
    old += "".join(("  " + line if line.strip() else line) for line in body.splitlines(keepends=True))
    (folder / "study.yml").write_text(old, encoding="utf-8")
    (folder / "reconstruction.yml").unlink()
    with pytest.raises(ConfigError, match="migrate"):
        load_study(folder, check_files=False)

    proc = subprocess.run(
        [sys.executable, "-m", "tieval", "migrate", "lancashire-tiat"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert (folder / "study.yml").read_bytes() == (ROOT / "data" / "lancashire-tiat" / "study.yml").read_bytes()
    study = load_study(folder, check_files=False)
    assert reconstruct.read_params(study) == reconstruct.read_params(load_study("lancashire-tiat", ROOT))
    assert migrate_study(folder) == []  # already current


def test_template_study_loads(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    folder = create_study("my-study", tmp_path)
    study = load_study(folder)
    assert study.id == "my-study" and not (folder / "reconstruction.yml").exists()
