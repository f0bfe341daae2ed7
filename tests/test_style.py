"""The plot style is applied on the first figure, so a step that draws nothing never loads matplotlib."""

from __future__ import annotations

import subprocess
import sys

from tieval.report import style


def test_steps_that_draw_nothing_do_not_load_matplotlib_or_seaborn():
    code = (
        "import sys\n"
        "import tieval.steps.clean, tieval.steps.qualitative, tieval.steps.audit, tieval.report.present\n"
        "print(sorted(m for m in ('matplotlib', 'seaborn') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_theme_is_applied_once_before_drawing():
    plt = style.pyplot()
    assert plt.rcParams["svg.hashsalt"] == "tieval"
    assert plt.rcParams["axes.grid"]  # seaborn's whitegrid
    plt.rcParams["svg.hashsalt"] = "changed"
    style.apply()  # already applied: the process's settings are left alone
    assert plt.rcParams["svg.hashsalt"] == "changed"
    plt.rcParams["svg.hashsalt"] = "tieval"
