"""A tiny CNN trained on windows of `deepmotif.datasets.synthetic_genome`'s genome (chr1-chr3), for scanning
and variant tests: positives hold a planted GATA1 or CTCF site somewhere inside, negatives none.
chr4 and chrX are held out. Nothing here is a test."""

from __future__ import annotations

import numpy as np

WINDOW = 51
TRAIN_CHROMS = ("chr1", "chr2", "chr3")
HELD_OUT = ("chr4", "chrX")


def training_windows(genome, sites, window: int = WINDOW, copies: int = 10, seed: int = 0):
    """`(tokens (n, window) uint8, labels (n,) float32)` from the training contigs."""
    rng = np.random.default_rng(seed)
    positives, negatives = [], []
    by_chrom = {c: sorted((s.start, s.end) for s in sites if s.chrom == c) for c in TRAIN_CHROMS}
    for chrom in TRAIN_CHROMS:
        length, spans = genome.contigs[chrom], by_chrom[chrom]
        wanted = len(negatives) + len(spans) * copies
        for start, end in spans:
            for _ in range(copies):  # the site anywhere inside the window
                at = start - int(rng.integers(0, window - (end - start) + 1))
                positives.append(genome.fetch_tokens(chrom, at, at + window))
        while len(negatives) < wanted:  # as many windows clear of every site, without N
            at = int(rng.integers(0, length - window))
            if any(s < at + window and at < e for s, e in spans):
                continue
            tokens = genome.fetch_tokens(chrom, at, at + window)
            if (tokens < 4).all():
                negatives.append(tokens)
    x = np.stack(positives + negatives).astype(np.uint8)
    y = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))]).astype(np.float32)
    order = rng.permutation(len(y))
    return x[order], y[order]


def train_genome_model(genome_path, sites, epochs: int = 12, seed: int = 0, **overrides):
    """A small `cnn` (built by `deepmotif.zoo.build`, so it records its window) fitted on the windows."""
    import keras

    from deepmotif.core.sequences import one_hot
    from deepmotif.datasets.genome import open_genome
    from deepmotif.zoo.architectures import build

    with open_genome(genome_path) as genome:
        x, y = training_windows(genome, sites)
    keras.utils.set_random_seed(seed)
    model = build("cnn", seq_len=WINDOW, **{"filters": [24, 24, 24], "kernel_sizes": [9, 5, 3], "dropout": 0.1,
                                            **overrides})
    model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy")
    model.fit(one_hot(x), y, batch_size=64, epochs=epochs, verbose=0)
    return model
