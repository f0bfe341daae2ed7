"""The fuzz suite runs only when asked for (``make fuzz``, ``pytest -m fuzz``): it needs a built project
and takes minutes, so the unit and build test runs leave it out."""

import pytest


def pytest_collection_modifyitems(config, items):
    if "fuzz" in (config.getoption("-m") or "") and "not fuzz" not in config.getoption("-m"):
        return
    skip = pytest.mark.skip(reason="fuzz suite: run `make fuzz` (pytest -m fuzz)")
    for item in items:
        if "fuzz" in item.keywords:
            item.add_marker(skip)
