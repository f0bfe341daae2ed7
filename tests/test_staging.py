"""Stage links (tieval.staging): steps of one study run in parallel by make -j share them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tieval import staging


def test_a_link_made_meanwhile_by_a_parallel_step_is_accepted(tmp_path, monkeypatch):
    target = tmp_path / "pyproject.toml"
    target.write_text("")
    link = tmp_path / "stage" / "pyproject.toml"
    link.parent.mkdir()
    real = Path.symlink_to

    def racing(self, to, *args, **kwargs):
        real(self, to)  # the other step wins the race
        raise FileExistsError(17, "File exists", str(to))

    monkeypatch.setattr(Path, "symlink_to", racing)
    staging._link(target, link)
    assert os.readlink(link) == os.path.relpath(target, link.parent)


def test_a_different_file_in_the_way_is_still_an_error(tmp_path, monkeypatch):
    target = tmp_path / "pyproject.toml"
    target.write_text("")
    link = tmp_path / "stage" / "pyproject.toml"
    link.parent.mkdir()

    def racing(self, to, *args, **kwargs):
        self.write_text("not a link")
        raise FileExistsError(17, "File exists", str(to))

    monkeypatch.setattr(Path, "symlink_to", racing)
    with pytest.raises(FileExistsError):
        staging._link(target, link)
