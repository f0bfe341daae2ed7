"""A survey's .qsf named in study.yml (``survey.definition``) proves what a numeric export's codes mean.

Fixtures: tests/fixtures/init/wellbeing.qsf (recode values out of scale order: 1,2,3,5,4,6,7 and
"Somewhat" 6, 7) and its numeric export wellbeing_numeric.csv (README.md there); the study.yml is
the init draft with every ``recode`` removed, so only the definition can give the codes' meaning.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tieval.config import load_study
from tieval.errors import ConfigError, InputError
from tieval.integrity import write_manifest
from tieval.survey.clean import validate_file
from tieval.tools.init import init_study

FIX = Path(__file__).parent / "fixtures" / "init"
QSF = FIX / "wellbeing.qsf"
NUMERIC = FIX / "wellbeing_numeric.csv"


def _study(tmp_path, definition: str | None = "raw/wellbeing.qsf", edit=lambda t: t):
    path = init_study(QSF, "wellbeing", NUMERIC, root=tmp_path)
    text = re.sub(r", recode: \d+", "", path.read_text(encoding="utf-8"))
    if definition:
        text = text.replace("  id_column: ResponseId\n", f"  id_column: ResponseId\n  definition: {definition}\n")
    path.write_text(edit(text), encoding="utf-8")
    shutil.copy(QSF, path.parent / "raw" / QSF.name)
    write_manifest(path.parent / "raw")
    return load_study(path.parent)


def _labels(v, item: str) -> dict[str, str]:
    decoded = v.items[item]
    return dict(zip(v.ids, decoded.per_record(decoded.label)))


def test_without_recodes_or_definition_numeric_codes_stop(tmp_path):
    study = _study(tmp_path, definition=None)
    with pytest.raises(InputError, match="numeric codes"):
        validate_file(study.path("survey"), study)


def test_definition_recodes_decode_the_numeric_export(tmp_path):
    study = _study(tmp_path)
    assert all(lv.recode is None for lv in study.scales["agree7"].levels)
    v = validate_file(study.path("survey"), study)
    q2_2 = _labels(v, "Q2_2")
    assert q2_2["R_1fixtureAAAA"] == "Somewhat disagree"  # code 6 in the export
    assert q2_2["R_2fixtureBBBB"] == "Neither agree nor disagree"  # code 3
    assert _labels(v, "Q2_1")["R_2fixtureBBBB"] == "Agree"  # code 5, not "Strongly agree"
    assert _labels(v, "Q2_4")["R_2fixtureBBBB"] == "Not relevant to my role"  # code 8
    assert v.demographics["Q3"].per_record(v.demographics["Q3"].label)[1] == "Other"  # recode 9
    assert [lv.recode for lv in v.study.scales["agree7"].levels] == [1, 2, 6, 3, 7, 5, 4]


def test_a_recode_that_disagrees_with_the_definition_is_named(tmp_path):
    def wrong(text):
        return text.replace(
            'label: "Somewhat disagree", category: disagree}',
            'label: "Somewhat disagree", category: disagree, recode: 3}',
        )

    study = _study(tmp_path, edit=wrong)
    with pytest.raises(ConfigError) as err:
        validate_file(study.path("survey"), study)
    message = str(err.value)
    assert "key instrument.scales.agree7.levels[2].recode" in message
    assert "the recode the survey definition gives 'Somewhat disagree' (6" in message and "found '3'" in message


def test_the_definition_must_be_a_listed_raw_file(tmp_path):
    study = _study(tmp_path)
    manifest = study.root / "raw" / "MANIFEST.sha256"
    lines = [ln for ln in manifest.read_text().splitlines() if "wellbeing.qsf" not in ln]
    manifest.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="key survey.definition: expected a raw file listed in raw/MANIFEST"):
        validate_file(study.path("survey"), study)


def test_the_definition_must_lie_under_raw(tmp_path):
    study = _study(tmp_path, definition="study.yml")
    with pytest.raises(ConfigError, match="key survey.definition: expected a file under the study's raw/ folder"):
        validate_file(study.path("survey"), study)
