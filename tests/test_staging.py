def test_a_link_made_meanwhile_by_a_parallel_step_is_accepted(tmp_path, monkeypatch):
    import os
    from pathlib import Path

    from tieval import staging

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
