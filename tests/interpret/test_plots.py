from __future__ import annotations

import numpy as np

from deepmotif.interpret import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _x(n, length):
    return np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (n, length))]


def _check(paths):
    png, svg = paths
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 3000
    assert b"<svg" in svg.read_bytes()[:2000]


def test_every_figure_writes_png_and_svg(tmp_path):
    x = _x(2, 30)
    rng = np.random.default_rng(1)
    _check(plots.save_figure(plots.plot_saliency(x, rng.random((2, 30, 4)) * x, ["s1", "s2"], [[(5, 14)], []]),
                             tmp_path / "saliency"))
    _check(plots.save_figure(plots.plot_saliency(x, rng.normal(size=(2, 30, 4)) * x), tmp_path / "signed"))
    _check(plots.save_figure(plots.plot_temporal(x, rng.random((2, 30)), rng.random((2, 30))), tmp_path / "temporal"))
    _check(plots.save_figure(plots.plot_ism(x, rng.normal(size=(2, 30, 4))), tmp_path / "ism"))
    pwms = rng.dirichlet(np.ones(4), (2, 20)).astype(np.float32)
    match = {"matrix_id": "MA0035.5", "name": "GATA1", "p_value": 1e-6, "q_value": 1e-4, "e_value": 1e-3,
             "strand": "-", "offset": 0, "overlap": 7}
    _check(plots.save_figure(plots.plot_class_optimization(pwms, np.array([3.0, 2.0]), [[match]] * 2, [(0, 9)] * 2), tmp_path / "optimize"))
    _check(plots.save_figure(plots.plot_motif_matches([pwms[0, :9], pwms[1, :9]], [[match], []]), tmp_path / "motifs"))


def test_blank_information_logo_draws_without_warnings(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = plots.plt.subplots()
        plots.draw_logo(ax, np.full((20, 4), 0.25), information=True)  # uniform: 0 bits, no letter to draw
        assert ax.get_ylim() == (0.0, 2.0) and ax.get_xlim() == (-0.5, 19.5)
        paths = plots.save_figure(fig, tmp_path / "blank", formats=("png",))
    assert paths == [tmp_path / "blank.png"] and paths[0].stat().st_size > 0
