"""study.yml loading: good configs load; every kind of mistake gives one line naming the file and key."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tieval.config import load_study, normalise_label
from tieval.errors import ConfigError
from tieval.paths import discover_studies

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ["lancashire-tiat", "surrey-als"]


def test_discovers_both_seed_studies():
    assert set(STUDIES) <= set(discover_studies(ROOT))


@pytest.mark.parametrize("sid", STUDIES)
def test_seed_configs_load(sid):
    study = load_study(sid, ROOT, check_files=False)
    assert study.id == sid
    assert study.items and study.scales
    for item in study.items:
        assert item.scale in study.scales


def test_lancashire_instrument_is_nomad_shaped():
    study = load_study("lancashire-tiat", ROOT, check_files=False)
    by_construct = {c: [i.id for i in items] for c, items in study.items_by_construct().items()}
    assert len(by_construct["coherence"]) == 4
    assert len(by_construct["cognitive_participation"]) == 4
    assert len(by_construct["collective_action"]) == 7
    assert len(by_construct["reflexive_monitoring"]) == 5
    assert [i.id for i in study.items if i.reverse] == ["D2"]
    agreement = study.scales["agreement"]
    assert agreement.categories == ["disagree", "neutral", "agree", "not_relevant"]
    assert agreement.label_lookup()[normalise_label("neither agree or disagree")][0] == 3
    assert study.constructs["coherence"].reference_alpha == 0.71


def _copy_study(tmp_path: Path, sid: str = "surrey-als") -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    dest = tmp_path / "data" / sid
    shutil.copytree(ROOT / "data" / sid, dest)
    return dest


def _edit(folder: Path, change) -> None:
    path = folder / "study.yml"
    cfg = yaml.safe_load(path.read_text())
    change(cfg)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))


CASES = [
    ("unknown top-level key", lambda c: c.update(instruments={}), "key instruments: expected one of the keys"),
    ("unknown item key", lambda c: c["instrument"]["items"][0].update(colum="x"), "key instrument.items[0].colum"),
    (
        "unknown scale",
        lambda c: c["instrument"]["items"][1].update(scale="agree"),
        "key instrument.items[1].scale: expected one of the scales",
    ),
    (
        "duplicate item id",
        lambda c: c["instrument"]["items"][1].update(id=c["instrument"]["items"][0]["id"]),
        "key instrument.items[1].id: expected an item id used once",
    ),
    ("missing title", lambda c: c["report"].pop("title"), "key report.title: expected a value"),
    ("wrong id", lambda c: c.update(id="other"), "key id: expected the study folder's name"),
    (
        "scale type",
        lambda c: c["instrument"]["scales"]["agreement"].update(type="likert"),
        "key instrument.scales.agreement.type: expected one of ordinal",
    ),
    (
        "alias to unknown code",
        lambda c: c["instrument"]["scales"]["agreement"].update(aliases={"Agree-ish": 9}),
        "aliases.Agree-ish: expected a code of one of the scale's levels",
    ),
    (
        "survey format",
        lambda c: c["survey"].update(format="stata"),
        "key survey.format: expected one of qualtrics, form, auto, surveymonkey",
    ),
    (
        "missing input file",
        lambda c: c["inputs"].update(excerpts="raw/nope.csv"),
        "key inputs.excerpts: expected an existing file",
    ),
    (
        "reverse on a binary scale",
        lambda c: c["instrument"]["items"][-1].update(reverse=True, scale="yes_no"),
        "reverse: expected reverse scoring only on an ordinal scale",
    ),
]


@pytest.mark.parametrize("name,change,message", CASES, ids=[c[0] for c in CASES])
def test_config_errors_name_file_and_key(tmp_path, name, change, message):
    folder = _copy_study(tmp_path)
    _edit(folder, change)
    with pytest.raises(ConfigError) as info:
        load_study(folder, check_files=(name == "missing input file"))
    text = str(info.value)
    assert "study.yml" in text and message in text
    assert "\n" not in text


def test_yaml_syntax_error_names_the_line(tmp_path):
    folder = _copy_study(tmp_path)
    path = folder / "study.yml"
    lines = path.read_text().splitlines()
    lines.insert(3, "report: [unclosed")
    path.write_text("\n".join(lines))
    with pytest.raises(ConfigError) as info:
        load_study(folder, check_files=False)
    assert "study.yml" in str(info.value) and "valid YAML" in str(info.value)


def test_cli_gives_one_line_not_a_traceback(tmp_path):
    folder = _copy_study(tmp_path)
    _edit(folder, lambda c: c["instrument"]["items"][0].update(scale="nope"))
    proc = subprocess.run(
        [sys.executable, "-m", "tieval", "check-config", "surrey-als"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: data/surrey-als/study.yml, key instrument.items[0].scale")
