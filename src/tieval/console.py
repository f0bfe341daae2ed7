"""What a successful build prints: one aligned line per step (study, step, seconds).

Kept apart from :mod:`tieval.pipeline` so that the build's light commands (``publish``,
``index``, ``pdf``) print the same line without loading the notebook runner.
"""

from __future__ import annotations

__all__ = ["step_line"]


def step_line(study: str, step: str, seconds: float) -> str:
    """The one line a successful step prints: ``lancashire-tiat   03_tables           4.2 s``."""
    return f"{study:<18} {step:<18} {seconds:5.1f} s"
