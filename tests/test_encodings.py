"""Declared text encodings (``survey.encoding``, ``inputs.encoding`` in study.yml): UTF-8 by default,
another encoding read only when declared, and an undeclared file that is not UTF-8 refused with one
line naming the file, the row and byte offset, and the key that declares an encoding."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tieval.config import ENCODINGS, load_study
from tieval.errors import ConfigError, InputError
from tieval.qual.excerpts import load_excerpts
from tieval.store import checked_text

ROOT = Path(__file__).resolve().parents[1]
QUALFIX = ROOT / "tests" / "fixtures" / "qual" / "qualfix"
ACCENTED = "E-9,Learning,interview,Youth Work 1,1 month,(Youth Work 1),Café – it’s early days,\n"


def _study(tmp_path: Path, encoding: str | None, line_encoding: str):
    dest = tmp_path / "qualfix"
    shutil.copytree(QUALFIX, dest)
    excerpts = dest / "raw" / "excerpts.csv"
    text = excerpts.read_text(encoding="utf-8") + ACCENTED
    excerpts.write_bytes(text.encode(line_encoding))
    if encoding is not None:
        yml = dest / "study.yml"
        yml.write_text(yml.read_text().replace("inputs:\n", f"inputs:\n  encoding: {encoding}\n"), encoding="utf-8")
    return load_study(dest, check_files=False)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8"])
def test_a_declared_encoding_is_read(tmp_path, encoding):
    study = _study(tmp_path, encoding, encoding)
    frame = load_excerpts(study)
    assert frame["text"].iloc[-1] == "Café – it’s early days"
    assert study.text_options("excerpts") == {"encoding": encoding, "declared": "inputs.encoding"}


def test_latin_1_is_read_when_declared(tmp_path):
    dest = _study(tmp_path, "latin-1", "utf-8").root
    excerpts = dest / "raw" / "excerpts.csv"
    excerpts.write_bytes(excerpts.read_bytes().replace("Café – it’s".encode(), "Café; it's".encode("latin-1")))
    assert load_excerpts(load_study(dest, check_files=False))["text"].iloc[-1] == "Café; it's early days"


def test_an_undeclared_windows_1252_file_is_one_line_naming_row_offset_and_key(tmp_path):
    study = _study(tmp_path, None, "cp1252")
    with pytest.raises(InputError) as info:
        load_excerpts(study)
    line = info.value.one_line()
    size = (QUALFIX / "raw" / "excerpts.csv").stat().st_size
    rows = (QUALFIX / "raw" / "excerpts.csv").read_bytes().count(b"\n")
    assert f"raw/excerpts.csv, row {rows + 1}: expected UTF-8 text" in line
    assert f"found 'byte 0xE9 at offset {size + ACCENTED.index('é')}'" in line
    assert "inputs.encoding: cp1252" in line and "\n" not in line


def test_an_undeclared_utf16_file_names_utf16(tmp_path):
    with pytest.raises(InputError, match="this is UTF-16: declare inputs.encoding: utf-16"):
        load_excerpts(_study(tmp_path, None, "utf-16"))


def test_utf16_without_a_byte_order_mark_is_refused(tmp_path):
    study = _study(tmp_path, "utf-16", "utf-16-le")
    with pytest.raises(InputError, match="UTF-16 text with a byte-order mark"):
        load_excerpts(study)


def test_a_byte_the_declared_encoding_lacks_is_named(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n1,\x81\n")
    with pytest.raises(InputError) as info:
        checked_text(path, "cp1252", "inputs.encoding")
    assert "row 2: expected cp1252 text, as inputs.encoding declares; found 'byte 0x81 at offset 6'" in str(info.value)


def test_an_unknown_encoding_is_refused_by_the_schema(tmp_path):
    dest = tmp_path / "qualfix"
    shutil.copytree(QUALFIX, dest)
    yml = dest / "study.yml"
    yml.write_text(yml.read_text().replace("inputs:\n", "inputs:\n  encoding: ebcdic\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_study(dest, check_files=False)
    assert "key inputs.encoding: expected one of " + ", ".join(ENCODINGS) in str(info.value)
    assert "found 'ebcdic'" in str(info.value)


def test_the_encoding_key_is_not_an_input_path(tmp_path):
    study = _study(tmp_path, "cp1252", "cp1252")
    assert "encoding" not in study.inputs


def test_a_survey_without_items_is_refused_naming_the_items(tmp_path):
    dest = tmp_path / "mini-nomad"
    shutil.copytree(ROOT / "tests" / "fixtures" / "studies" / "mini-nomad", dest)
    yml = dest / "study.yml"
    lines = yml.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("  items:\n")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  ") and not lines[i].startswith("   "))
    yml.write_text("".join(lines[:start] + ["  items: []\n"] + lines[end:]), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_study(dest, check_files=False)
    assert "key instrument.items: expected at least one rated item" in str(info.value)
    assert "response" not in str(info.value)
