"""The appendices' plot style, applied once per process just before the first figure is drawn.

matplotlib, seaborn and (through seaborn) scipy.stats take about 1.4 s to import, so a step that
draws nothing (cleaning, the qualitative analysis, the audit) never loads them.  Every drawing
function of tieval starts with :func:`pyplot` (or :func:`apply` when it builds a
``matplotlib.figure.Figure`` itself); a notebook that draws its own figures before any of
tieval's calls :func:`apply` first to get the same look.

The theme is seaborn's ``whitegrid`` in the ``notebook`` context with the ``colorblind``
palette, plus fixed resolutions and an SVG hash salt so the same figure gives the same bytes.
"""

from __future__ import annotations

__all__ = ["apply", "pyplot"]

#: rcParams set on top of the seaborn theme.
RC = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (8, 4.5),
    "svg.hashsalt": "tieval",
    "svg.fonttype": "none",
}

_applied = False


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython  # noqa: PLC0415 - IPython: only inside a notebook
    except ImportError:
        return False
    return get_ipython() is not None


def apply() -> None:
    """Set the appendices' theme (once per process): the Agg backend outside a notebook, seaborn's
    theme and :data:`RC`."""
    global _applied  # noqa: PLW0603 - one theme per process, set on first use
    if _applied:
        return
    import matplotlib  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    if not _in_ipython():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415 - after the backend is chosen
    import seaborn as sns  # noqa: PLC0415 - seaborn: heavy, loaded only to draw

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind", font_scale=0.95)
    plt.rcParams.update(RC)
    _applied = True


def pyplot():
    """``matplotlib.pyplot``, with the appendices' theme applied."""
    apply()
    import matplotlib.pyplot as plt  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    return plt
