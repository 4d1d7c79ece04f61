"""bench/plot_claim_table.py: compare's results.csv files merged by experiment and drawn."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import plot_claim_table  # noqa: E402


def test_tables_of_several_architectures_merge_by_experiment_and_draw(tmp_path):
    seeded = tmp_path / "claims.csv"
    seeded.write_text(
        "experiment,cnn_rnn,cnn,DeepBind*,DeepBind,cnn_rnn_low,cnn_rnn_high,cnn_rnn_vs_DeepBind*,cnn_low,cnn_high,"
        "cnn_vs_DeepBind*,cnn_rnn_sd,cnn_sd\n"
        "GATA1_K562_GATA-1_USC,0.9690,0.9610,0.9600,0.9540,0.9600,0.9770,above,0.9500,0.9700,level,0.003,0.002\n"
        "mean,0.9690,0.9610,0.9600,0.9540,0.9650,0.9730,above,,,,,\n")
    single = tmp_path / "rnn.csv"
    single.write_text("experiment,rnn,DeepBind*,DeepBind,rnn_low,rnn_high,rnn_vs_DeepBind*\n"
                      "GATA1_K562_GATA-1_USC,0.9555,0.9600,0.9540,0.9430,0.9670,level\n")

    archs, rows = plot_claim_table.read_tables([seeded, single])

    assert archs == ["cnn_rnn", "cnn", "rnn"]
    gata1 = rows["GATA1_K562_GATA-1_USC"]
    assert gata1["cnn_rnn"] == (0.969, 0.96, 0.977) and gata1["rnn"] == (0.9555, 0.943, 0.967)
    assert gata1["DeepBind*"] == 0.96 and rows["mean"]["cnn"] == (0.961, None, None)  # no interval, no bar
    assert plot_claim_table.short_name("GATA1_K562_GATA-1_USC") == "GATA1 K562"
    out = tmp_path / "claims.png"
    assert plot_claim_table.main(["--tables", str(seeded), str(single), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
