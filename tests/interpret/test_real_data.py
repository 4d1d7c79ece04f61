"""On real ENCODE data (GATA1, K562): a one-layer CNN (DeepBind-like) learns filters whose best
JASPAR match is a GATA motif. Untrained, the same filters' best GATA match has q ~ 3e-3."""

from __future__ import annotations

import numpy as np

from deepmotif.datasets.readers import read_demo_fasta
from deepmotif.core.sequences import one_hot_strings
from deepmotif.interpret import filter_motifs, match_jaspar
from deepmotif.zoo.architectures import build

EXPERIMENT = "GATA1_K562_GATA-1_USC"


def _arrays(path):
    records = read_demo_fasta(path, expected_length=101)
    return one_hot_strings([r.sequence for r in records]), np.array([r.label for r in records], np.float32)


def test_gata1_filters_match_a_gata_motif(shared_data, jaspar_targets):
    import keras

    folder = shared_data / "encode" / EXPERIMENT
    x, y = _arrays(folder / "train.fa")
    test_x, test_y = _arrays(folder / "test.fa")
    keras.utils.set_random_seed(0)
    model = build("cnn", 101, filters=[16], kernel_sizes=[11], dropout=0.1)
    model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy")
    model.fit(x, y, batch_size=128, epochs=3, verbose=0)
    motifs = [m for m in filter_motifs(model, test_x[test_y == 1]) if m["n_sites"] >= 10]
    matches = match_jaspar([m["pwm"] for m in motifs], top=5, targets=jaspar_targets)
    best = [found[0] for found in matches]
    gata = [m for m in best if m["name"].upper().startswith("GATA") and m["q_value"] < 1e-4]
    assert gata, [(m["name"], m["q_value"]) for m in best]
