"""The plot style is applied on the first figure, so a step that draws nothing never loads
matplotlib, and drawing never loads seaborn: the theme is seaborn's, written out and checked here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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


# rcParams and colour codes of a fresh process after ``setup``, as JSON-able text.
_DUMP = """
import json, matplotlib
matplotlib.use("Agg")
{setup}
import matplotlib.colors as mc
rc = {{k: repr(v) for k, v in matplotlib.rcParams.items() if k != "image.cmap"}}
codes = {{k: mc.to_rgba(k) for k in "bgrmyck"}}
print(json.dumps({{"rc": rc, "codes": codes}}))
"""


def _settings(setup: str) -> dict:
    code = _DUMP.format(setup=setup)
    return json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def test_the_written_out_theme_is_seaborns_set_theme():
    ours = _settings("from tieval.report import style\nstyle.apply()")
    seaborns = _settings(
        "import seaborn as sns\n"
        "from tieval.report import style\n"
        'sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", font_scale=0.95)\n'
        "matplotlib.rcParams.update(style.RC)"
    )
    differing = sorted(k for k in seaborns["rc"] if ours["rc"].get(k) != seaborns["rc"][k])
    assert differing == []
    assert ours["codes"] == seaborns["codes"]


def test_drawing_does_not_import_seaborn_or_scipy(tmp_path):
    code = (
        "import sys\n"
        "from tieval.report import style\n"
        "plt = style.pyplot()\n"
        "fig, ax = plt.subplots(); ax.bar(['a', 'b'], [1, 2]); fig.savefig(sys.argv[1] + '/f.svg')\n"
        "print(sorted(m for m in ('seaborn', 'scipy.stats') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("n", [2, 3, 4, 6, 7, 9, 11])
def test_diverging_colours_sample_puor_as_seaborn_does(n):
    sns = pytest.importorskip("seaborn")
    from tieval.report import charts

    expected = [f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}" for r, g, b in sns.color_palette("PuOr", n)]
    if n % 2 == 1:
        expected[n // 2] = charts.NEUTRAL_COLOUR
    assert charts.diverging_colours(n) == expected
