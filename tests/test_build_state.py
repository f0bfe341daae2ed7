"""The build's own JSON records under .make/ (caches, stamps) are read back forgivingly: anything
unreadable means "redo everything", never an error."""

from __future__ import annotations

from tieval.atomic import read_build_state


def test_a_record_is_read_back_and_anything_unreadable_is_empty(tmp_path):
    path = tmp_path / "state.json"
    assert read_build_state(None) == {} and read_build_state(path) == {}  # none, missing
    path.write_text('{"a": [1, 2]}\n', encoding="utf-8")
    assert read_build_state(path) == {"a": [1, 2]}
    for text in ("checked\n", "{not json", "[1, 2]", ""):
        path.write_text(text, encoding="utf-8")
        assert read_build_state(path) == {}, text
    path.write_bytes(b"\xff\xfe{")  # not UTF-8
    assert read_build_state(path) == {}
    path.unlink()
    path.mkdir()  # a folder where the file should be
    assert read_build_state(path) == {}
