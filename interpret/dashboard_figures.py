"""The Deep Motif Dashboard's figures: one PNG per panel, each comparing the architectures.

Inputs are plain numpy arrays, so every figure can be drawn (and tested) without a model:
one-hot sequences `(L, 4)`, per-position saliency `(L,)`, temporal scores `(L,)`, PWMs `(w, 4)`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: the dashboard never opens a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from deepmotif.interpret.plots import draw_logo, save_figure  # noqa: E402

ARCH_COLORS = {"cnn": "#1f77b4", "rnn": "#ff7f0e", "cnn_rnn": "#2ca02c"}
DPI = 100


def _save(fig, path: Path) -> Path:
    """Write `fig` to `path` as PNG (`plots.save_figure`: atomic) and close it."""
    return save_figure(fig, Path(path).with_suffix(""), formats=("png",), dpi=DPI)[0]


def _logo(ax, matrix: np.ndarray, information: bool = False) -> None:
    """`plots.draw_logo` without axis ticks: the dashboard's panels label positions elsewhere."""
    draw_logo(ax, matrix, information=information)
    ax.set_xticks([])
    ax.set_yticks([])


def _shade_motifs(ax, motifs, label: bool = False) -> None:
    """Shade ground-truth spans: `motifs` is a list of dicts with `start`, `end` (0-based, end exclusive)."""
    for m in motifs or ():
        ax.axvspan(m["start"] - 0.5, m["end"] - 0.5, color="#bbbbbb", alpha=0.35, lw=0, zorder=-1)
        if label:
            strand = "+" if int(m.get("strand", 1)) > 0 else "-"
            decoy = " decoy" if m.get("role") == "decoy" else ""
            ax.text((m["start"] + m["end"]) / 2 - 0.5, 1.02, f"{m.get('motif_name', '')}({strand}){decoy}",
                    ha="center", va="bottom", fontsize=8, transform=ax.get_xaxis_transform())


def _sequence_panel(ax, x: np.ndarray, motifs, title: str) -> None:
    """The top panel of the saliency and temporal figures: `x (L, 4)` as a logo, planted motifs shaded."""
    _logo(ax, x)
    _shade_motifs(ax, motifs, label=True)
    ax.set_xlim(-0.5, x.shape[0] - 0.5)
    if title:
        ax.set_title(title, fontsize=9, loc="left", pad=14 if motifs else 4)


def metrics_figure(curves: list[tuple[str, np.ndarray, np.ndarray]], path: Path) -> Path:
    """ROC and precision-recall curves side by side; `curves` holds `(label, y_true (n,), y_score (n,))`."""
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(10, 4.2))
    for label, y_true, y_score in curves:
        color = ARCH_COLORS.get(label)
        fpr, tpr, _ = roc_curve(y_true, y_score)
        roc_ax.plot(fpr, tpr, color=color, label=f"{label} (auROC {roc_auc_score(y_true, y_score):.3f})")
        precision, recall, _ = precision_recall_curve(y_true, y_score)
        pr_ax.plot(recall, precision, color=color,
                   label=f"{label} (auPRC {average_precision_score(y_true, y_score):.3f})")
    roc_ax.plot([0, 1], [0, 1], color="#999999", ls=":", lw=1)
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (test)",
               xlim=(0, 1), ylim=(0, 1.01))
    if curves:
        pr_ax.axhline(float(np.mean(curves[0][1])), color="#999999", ls=":", lw=1)
    pr_ax.set(xlabel="recall", ylabel="precision", title="Precision-recall (test)", xlim=(0, 1), ylim=(0, 1.01))
    for ax in (roc_ax, pr_ax):
        ax.legend(loc="lower right" if ax is roc_ax else "lower left", fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def saliency_figure(x: np.ndarray, maps: list[tuple[str, np.ndarray]], path: Path,
                    motifs=None, title: str = "") -> Path:
    """The paper's saliency figure: the sequence `x (L, 4)` as a logo, each architecture's
    saliency `(L,)` as a heatmap row under it (each row scaled to its own maximum)."""
    length = x.shape[0]
    fig, axes = plt.subplots(1 + len(maps), 1, figsize=(min(2 + 0.11 * length, 16), 1.1 + 0.55 * len(maps)),
                             gridspec_kw={"height_ratios": [1.4] + [0.6] * len(maps)}, squeeze=False)
    axes = axes[:, 0]
    _sequence_panel(axes[0], x, motifs, title)
    for ax, (label, values) in zip(axes[1:], maps):
        values = np.asarray(values, dtype=np.float64)
        scaled = values / values.max() if values.max() > 0 else values
        ax.imshow(scaled[None, :], aspect="auto", cmap="Reds", vmin=0, vmax=1,
                  extent=(-0.5, length - 0.5, 0, 1), interpolation="nearest")
        ax.set_yticks([0.5])
        ax.set_yticklabels([label], fontsize=9)
        ax.set_xticks([])
    axes[-1].set_xticks(np.arange(0, length, 10))
    axes[-1].tick_params(axis="x", labelsize=7)
    fig.subplots_adjust(hspace=0.08)
    return _save(fig, path)


def temporal_figure(x: np.ndarray, rows: list[tuple[str, np.ndarray, np.ndarray]], path: Path,
                    motifs=None, title: str = "") -> Path:
    """Forward and reverse temporal output scores under the sequence `x (L, 4)`.

    `rows` holds `(label, forward (L,), reverse (L,))` probabilities in [0, 1]; forward[t] is the
    score given the prefix up to t, reverse[t] given the suffix from t."""
    length = x.shape[0]
    n_rows = 2 * len(rows)
    fig, axes = plt.subplots(1 + n_rows, 1, figsize=(min(2 + 0.11 * length, 16), 1.1 + 0.45 * n_rows),
                             gridspec_kw={"height_ratios": [1.4] + [0.5] * n_rows}, squeeze=False)
    axes = axes[:, 0]
    _sequence_panel(axes[0], x, motifs, title)
    image = None
    for i, (label, forward, reverse) in enumerate(rows):
        for ax, values, direction in ((axes[1 + 2 * i], forward, "fwd"), (axes[2 + 2 * i], reverse, "rev")):
            image = ax.imshow(np.asarray(values, np.float64)[None, :], aspect="auto", cmap="viridis", vmin=0, vmax=1,
                              extent=(-0.5, length - 0.5, 0, 1), interpolation="nearest")
            ax.set_yticks([0.5])
            ax.set_yticklabels([f"{label} {direction}"], fontsize=8)
            ax.set_xticks([])
    axes[-1].set_xticks(np.arange(0, length, 10))
    axes[-1].tick_params(axis="x", labelsize=7)
    if image is not None:
        fig.colorbar(image, ax=list(axes[1:]), fraction=0.015, pad=0.01, label="P(bound)")
    return _save(fig, path)


def optimization_figure(pwm: np.ndarray, path: Path, window: tuple[int, int] | None = None,
                        title: str = "") -> Path:
    """Class-optimization result `pwm (L, 4)` as an information logo; `window` (start, end) is shaded."""
    length = pwm.shape[0]
    fig, ax = plt.subplots(figsize=(min(2 + 0.11 * length, 16), 1.8))
    _logo(ax, pwm, information=True)
    ax.set_xlim(-0.5, length - 0.5)
    if window is not None:
        ax.axvspan(window[0] - 0.5, window[1] - 0.5, color="#ffd54f", alpha=0.35, lw=0, zorder=-1)
    ax.set_xticks(np.arange(0, length, 10))
    ax.tick_params(axis="x", labelsize=7)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return _save(fig, path)


def motif_grid_figure(motifs: list[tuple[str, np.ndarray]], path: Path, columns: int = 4) -> Path:
    """A grid of small information logos; `motifs` holds `(caption, pwm (w, 4))`."""
    n = max(len(motifs), 1)
    rows = -(-n // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 1.35 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (caption, pwm) in zip(axes.ravel(), motifs):
        ax.axis("on")
        _logo(ax, pwm, information=True)
        ax.set_title(caption, fontsize=8)
    fig.tight_layout()
    return _save(fig, path)
