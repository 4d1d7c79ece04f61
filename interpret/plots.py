"""Figures for each method (matplotlib, seaborn, logomaker); `save_figure` writes PNG and SVG.

The one place for letter colours, logos (`draw_logo`) and figure files (`save_figure`): the
dashboard's figures (`dashboard_figures.py`) draw and save through these too.

Inputs are numpy arrays: one-hot `x (n, L, 4)`, attributions `(n, L, 4)`, temporal scores
`(n, L)`, PWMs `(w, 4)` probabilities, and `match_jaspar` results.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from deepmotif.core.atomic import atomic_path  # noqa: E402
from deepmotif.core.motif_math import information_heights  # noqa: E402
from deepmotif.core.sequences import ALPHABET  # noqa: E402

LETTER_COLORS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}
MIN_GLYPH_BITS = 0.02  # letters shorter than this are not drawn


def save_figure(fig, stem, formats=("png", "svg"), dpi: int = 120) -> list[Path]:
    """Write `fig` once per format, each atomically (a page never shows half an image), and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    stem : str or pathlib.Path
        Output path without its suffix: `stem.png`, `stem.svg`, ...
    formats : sequence of str, default ("png", "svg")
    dpi : int, default 120

    Returns
    -------
    list of pathlib.Path
        The files written, in `formats` order.
    """
    paths = []
    for fmt in formats:
        path = Path(f"{stem}.{fmt}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths


def _frame(matrix):
    import pandas as pd

    return pd.DataFrame(np.asarray(matrix, np.float64), columns=list(ALPHABET))


def draw_logo(ax, matrix, information: bool = False, title: str | None = None) -> None:
    """Draw a sequence logo on `ax` (logomaker), letters coloured by `LETTER_COLORS`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    matrix : array_like, shape (w, 4)
        Letter heights (ACGT), e.g. one-hot `x` times saliency; with `information=True`, probabilities.
    information : bool, default False
        Scale each column to its information content (`core.motif_math.information_heights`,
        0-2 bits) and label the y axis in bits.
    title : str, optional
        Shown at the top left.
    """
    import logomaker

    matrix = np.asarray(matrix, np.float64)
    if information:
        matrix = information_heights(matrix)
        matrix[matrix < MIN_GLYPH_BITS] = 0.0  # invisible glyphs; logomaker skips zeros, which makes long logos fast
    if matrix.any():  # an empty logo (no letter tall enough to see) is blank axes, not a logomaker warning
        logomaker.Logo(_frame(matrix), ax=ax, color_scheme=LETTER_COLORS, show_spines=False, vpad=0.02)
    else:
        ax.set_xlim(-0.5, len(matrix) - 0.5)
        for side in ax.spines.values():
            side.set_visible(False)
    if information:
        ax.set_ylim(0, 2)
        ax.set_ylabel("bits", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9, loc="left")


def _width(seq_len: int) -> float:
    return float(min(24.0, max(8.0, 0.14 * seq_len)))


def _letters_axis(ax, x_row: np.ndarray) -> None:
    """Sequence letters as x tick labels (short sequences) or positions every 10 (long ones)."""
    seq_len = len(x_row)
    if seq_len <= 120:
        letters = ["ACGT"[int(i)] if r.sum() > 0 else "N" for i, r in zip(x_row.argmax(-1), x_row)]
        ax.set_xticks(np.arange(seq_len) + 0.5, letters, fontsize=6, rotation=0, family="monospace")
    else:
        ticks = np.arange(0, seq_len, max(10, seq_len // 20))
        ax.set_xticks(ticks + 0.5, [str(t) for t in ticks], fontsize=7, rotation=0)


def plot_saliency(x, attributions, names=None, sites=None, title: str = "Saliency"):
    """The paper's layout, per sequence: the sequence as a logo, letters scaled by saliency,
    with the per-position saliency heatmap under it. `sites`: per sequence a list of
    `(start, end)` spans to mark (e.g. planted motifs)."""
    import seaborn as sns

    x, attributions = np.asarray(x), np.asarray(attributions, np.float32)
    n, seq_len = x.shape[:2]
    per_position = attributions.sum(-1) if attributions.ndim == 3 else attributions
    signed = bool((per_position < 0).any())
    fig, axes = plt.subplots(2 * n, 1, figsize=(_width(seq_len), 1.9 * n + 0.4),
                             gridspec_kw={"height_ratios": [2, 1] * n}, squeeze=False)
    for i in range(n):
        logo_ax, heat_ax = axes[2 * i, 0], axes[2 * i + 1, 0]
        draw_logo(logo_ax, x[i] * per_position[i][:, None])
        logo_ax.set_xlim(-0.5, seq_len - 0.5)
        logo_ax.set_xticks([])
        logo_ax.set_yticks([])
        name = names[i] if names is not None else f"sequence {i}"
        logo_ax.set_title(f"{title}: {name}", fontsize=9, loc="left")
        scale = float(np.abs(per_position[i]).max()) or 1.0
        sns.heatmap(per_position[i][None, :], ax=heat_ax, cmap="RdBu_r" if signed else "Reds",
                    vmin=-scale if signed else 0.0, vmax=scale, cbar=False, yticklabels=False)
        _letters_axis(heat_ax, x[i])
        for start, end in (sites[i] if sites is not None else ()):
            for ax, lo in ((logo_ax, -0.5), (heat_ax, 0.0)):
                ax.axvspan(start + lo, end + lo, color="#777777", alpha=0.15, lw=0)
    fig.tight_layout(h_pad=0.3)
    return fig


def plot_temporal(x, forward, reverse, names=None):
    """Forward and reverse temporal output heatmaps, one pair of rows per sequence:
    `forward[t]` = probability from the prefix up to t, `reverse[t]` from the suffix from t."""
    import seaborn as sns

    x, forward, reverse = np.asarray(x), np.asarray(forward), np.asarray(reverse)
    n, seq_len = forward.shape
    fig, axes = plt.subplots(n, 1, figsize=(_width(seq_len), 1.25 * n + 0.8), squeeze=False)
    for i in range(n):
        ax = axes[i, 0]
        sns.heatmap(np.stack([forward[i], reverse[i]]), ax=ax, cmap="viridis", vmin=0.0, vmax=1.0,
                    cbar=i == 0, cbar_kws={"label": "P(bound)", "shrink": 0.8} if i == 0 else None)
        ax.set_yticks([0.5, 1.5], ["forward", "reverse"], rotation=0, fontsize=8)
        _letters_axis(ax, x[i])
        ax.set_title(f"Temporal output scores: {names[i] if names is not None else f'sequence {i}'}",
                     fontsize=9, loc="left")
    fig.tight_layout()
    return fig


def plot_ism(x, deltas, names=None):
    """ISM: a heatmap (4 bases x L) of logit changes per sequence, observed bases outlined by letters."""
    import seaborn as sns

    x, deltas = np.asarray(x), np.asarray(deltas)
    n, seq_len = x.shape[:2]
    fig, axes = plt.subplots(n, 1, figsize=(_width(seq_len), 1.5 * n + 0.6), squeeze=False)
    for i in range(n):
        ax = axes[i, 0]
        scale = float(np.abs(deltas[i]).max()) or 1.0
        sns.heatmap(deltas[i].T, ax=ax, cmap="RdBu_r", vmin=-scale, vmax=scale,
                    cbar_kws={"label": "Δ logit", "shrink": 0.8})
        ax.set_yticks(np.arange(4) + 0.5, list(ALPHABET), rotation=0, fontsize=8)
        _letters_axis(ax, x[i])
        ax.set_title(f"In-silico mutagenesis: {names[i] if names is not None else f'sequence {i}'}",
                     fontsize=9, loc="left")
    fig.tight_layout()
    return fig


def _match_label(match: dict) -> str:
    return f"{match['name']} {match['matrix_id']} (p={match['p_value']:.1e}, q={match['q_value']:.1e})"


def plot_class_optimization(pwms, scores, matches=None, windows=None, top: int = 3):
    """Class-optimization PWMs `(r, L, 4)` (best `top` restarts) as information logos, each
    titled with its score and its best JASPAR matches; `windows[i] = (start, end)` is shaded."""
    pwms, scores = np.asarray(pwms), np.asarray(scores)
    shown = min(top, len(pwms))
    fig, axes = plt.subplots(shown, 1, figsize=(_width(pwms.shape[1]), 1.8 * shown + 0.2), squeeze=False)
    for i in range(shown):
        ax = axes[i, 0]
        names = "; ".join(_match_label(m) for m in (matches[i][:3] if matches else []))
        draw_logo(ax, pwms[i], information=True,
                  title=f"restart {i + 1}: logit {scores[i]:.2f}" + (f" | JASPAR: {names}" if names else ""))
        if windows is not None:
            ax.axvspan(windows[i][0] - 0.5, windows[i][1] - 0.5, color="#777777", alpha=0.15, lw=0)
    fig.tight_layout()
    return fig


def plot_motif_matches(pwms, matches, labels=None):
    """Each motif `(w, 4)` beside the logo of its best JASPAR match (reverse-complemented when
    TOMTOM matched the other strand), with its name, p- and q-value."""
    from deepmotif.datasets.jaspar import load_motif

    n = len(pwms)
    fig, axes = plt.subplots(n, 2, figsize=(9, 1.5 * n + 0.3), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1]})
    for i in range(n):
        label = labels[i] if labels is not None else f"motif {i}"
        draw_logo(axes[i, 0], pwms[i], information=True, title=label)
        if matches and matches[i]:
            best = matches[i][0]
            target = np.asarray(load_motif(best["matrix_id"]).probabilities)
            if best["strand"] == "-":
                target = target[::-1, ::-1]
            draw_logo(axes[i, 1], target, information=True, title=_match_label(best))
        else:
            axes[i, 1].axis("off")
    fig.tight_layout()
    return fig
