"""The conda environment and the pip requirements pin the same packages at the same versions."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.txt: {line!r} is not pinned with =="
            pins[name.lower().replace("_", "-")] = version
    return pins


def _environment() -> tuple[str, dict[str, str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pins = {}
    for line in pip:
        if line.startswith("-e"):
            continue
        name, _, version = line.partition("==")
        pins[name.lower().replace("_", "-")] = version
    return python, pins


def test_environment_matches_requirements():
    python, env_pins = _environment()
    req = _requirements()
    assert env_pins == req, {
        k: (req.get(k), env_pins.get(k)) for k in set(req) | set(env_pins) if req.get(k) != env_pins.get(k)
    }


def test_python_is_pinned():
    python, _ = _environment()
    assert python.startswith("python=3.11")


def test_stack_of_the_design_card_is_pinned():
    req = _requirements()
    for package in ("jupyterlab", "papermill", "pandas", "seaborn", "nbconvert", "pytest", "nbval"):
        assert package in req, package
