"""The appendices' plot style, applied once per process just before the first figure is drawn.

matplotlib takes about 0.45 s to import, so a step that draws nothing (cleaning, the qualitative
analysis, the audit) never loads it.  Every drawing function of tieval starts with :func:`pyplot`
(or :func:`apply` when it builds a ``matplotlib.figure.Figure`` itself); a notebook that draws its
own figures before any of tieval's calls :func:`apply` first to get the same look.

The theme is seaborn's ``whitegrid`` style in the ``notebook`` context with the ``colorblind``
palette and a font scale of 0.95, written out here as :data:`THEME` and :data:`COLOUR_CODES`
so that drawing does not import seaborn (and, through it, ``scipy.stats``: about 1.2 s more).
``tests/test_style.py`` checks them against ``seaborn.set_theme`` (seaborn 0.13), so the two
cannot drift apart.  On top of the theme, :data:`RC` fixes resolutions and an SVG hash salt so
the same figure gives the same bytes.
"""

from __future__ import annotations

__all__ = ["COLOURBLIND", "COLOUR_CODES", "RC", "THEME", "apply", "pyplot"]

#: seaborn's ``colorblind`` palette: the colour cycle of every figure.
COLOURBLIND = (
    "#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC",
    "#CA9161", "#FBAFE4", "#949494", "#ECE133", "#56B4E9",
)  # fmt: skip

#: matplotlib's one-letter colour codes as seaborn's ``colorblind`` palette redefines them.
COLOUR_CODES = {
    "b": "#0173B2", "g": "#029E73", "r": "#D55E00", "m": "#CC78BC",
    "y": "#ECE133", "c": "#56B4E9", "k": (0.1, 0.1, 0.1),
}  # fmt: skip

_FONT_SCALE = 0.95

#: The rcParams ``seaborn.set_theme(context="notebook", style="whitegrid",
#: palette="colorblind", font_scale=0.95)`` changes, except its colour cycle (from
#: :data:`COLOURBLIND`) and ``image.cmap`` (seaborn's own "rocket" map, which no figure of
#: tieval uses: the word cloud is an RGB image and the convergence grid names its colours).
THEME = {
    # style "whitegrid"
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "grid.color": ".8",
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "ytick.color": ".15",
    "ytick.left": False,
    # context "notebook": line widths and tick sizes
    "axes.linewidth": 1.25,
    "grid.linewidth": 1.0,
    "xtick.major.size": 6.0,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0,
    "ytick.major.size": 6.0,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4.0,
    "ytick.minor.width": 1.0,
    # context "notebook": font sizes, times the font scale
    "font.size": 12 * _FONT_SCALE,
    "axes.labelsize": 12 * _FONT_SCALE,
    "axes.titlesize": 12 * _FONT_SCALE,
    "legend.title_fontsize": 12 * _FONT_SCALE,
    "legend.fontsize": 11 * _FONT_SCALE,
    "xtick.labelsize": 11 * _FONT_SCALE,
    "ytick.labelsize": 11 * _FONT_SCALE,
}

#: rcParams set on top of the theme.
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
    """Set the appendices' theme (once per process): the Agg backend outside a notebook,
    :data:`THEME` with the :data:`COLOURBLIND` cycle and :data:`COLOUR_CODES`, then :data:`RC`."""
    global _applied  # noqa: PLW0603 - one theme per process, set on first use
    if _applied:
        return
    import matplotlib  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    if not _in_ipython():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415 - after the backend is chosen
    from cycler import cycler  # noqa: PLC0415 - comes with matplotlib
    from matplotlib.colors import colorConverter, to_rgb  # noqa: PLC0415 - comes with matplotlib

    plt.rcParams.update(THEME)
    plt.rcParams["axes.prop_cycle"] = cycler("color", [to_rgb(c) for c in COLOURBLIND])
    for code, colour in COLOUR_CODES.items():
        colorConverter.colors[code] = to_rgb(colour)
    plt.rcParams.update(RC)
    _applied = True


def pyplot():
    """``matplotlib.pyplot``, with the appendices' theme applied."""
    apply()
    import matplotlib.pyplot as plt  # noqa: PLC0415 - matplotlib: heavy, loaded only to draw

    return plt
