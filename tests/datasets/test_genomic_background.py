"""`deepmotif.datasets.genomic_background` (and the interval index it avoids) on the synthetic genome."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.datasets.genome import open_genome
from deepmotif.datasets.genomic_background import BackgroundError, gc_fraction, matched_background
from deepmotif.datasets.interval_index import IntervalIndex
from deepmotif.datasets.peak_windows import Window
from deepmotif.datasets.peaks import read_peaks


def test_interval_index_overlaps():
    index = IntervalIndex([("chr1", 100, 200), ("chr1", 150, 300), ("1", 500, 510), ("chr2", 0, 5)])
    assert len(index) == 3  # chr1's first two merge; "1" and "chr1" are one contig
    starts = np.array([0, 99, 299, 300, 505, 510, 90])
    ends = np.array([100, 101, 301, 400, 506, 600, 600])
    assert index.overlaps("chr1", starts, ends).tolist() == [False, True, True, False, True, False, True]
    assert index.overlaps("chr3", 0, 10).tolist() == [False]
    assert IntervalIndex().overlaps("chr1", [0], [10]).tolist() == [False]


def _positive_windows(genome, peaks, contigs, seq_len=101):
    windows = []
    for p in peaks:
        if p.chrom in contigs and p.end <= genome.contigs[p.chrom]:
            start = p.summit - seq_len // 2
            sequence = genome.fetch(p.chrom, start, start + seq_len)
            if sequence.count("N") < seq_len // 2:
                windows.append(Window(p.chrom, start, start + seq_len, sequence, p.line))
    return windows


def test_matched_background_is_gc_matched_and_avoids_peaks(synthetic_genome):
    peaks = read_peaks(synthetic_genome.peaks)
    exclude = IntervalIndex((p.chrom, p.start - 101, p.end + 101) for p in peaks)
    contigs = ["chr1", "chr2", "chrX"]
    with open_genome(synthetic_genome.genome) as genome:
        positives = _positive_windows(genome, peaks, contigs)
        negatives = matched_background(genome, positives, contigs, exclude, 101, seed=3)
    assert len(negatives) == len(positives) > 100
    gc_pos = np.mean([gc_fraction(w.sequence) for w in positives])
    gc_neg = np.mean([gc_fraction(w.sequence) for w in negatives])
    assert abs(gc_pos - gc_neg) < 0.01
    assert {w.chrom for w in negatives} <= set(contigs)
    for chrom in contigs:
        mine = sorted(w.start for w in negatives if w.chrom == chrom)
        assert all(b - a >= 101 for a, b in zip(mine, mine[1:]))  # no two background windows overlap
        starts = np.array(mine)
        assert not exclude.overlaps(chrom, starts, starts + 101).any()
    assert all(w.sequence.count("N") <= 10 and len(w.sequence) == 101 for w in negatives)


def test_empty_gc_bin_is_a_loud_error(synthetic_genome):
    with open_genome(synthetic_genome.genome) as genome:
        rich = Window("chr4", 0, 101, "GC" * 50 + "G", 1)  # GC 1.0: no i.i.d. window comes close
        usual = Window("chr4", 200, 301, genome.fetch("chr4", 200, 301), 2)
        with pytest.raises(BackgroundError) as error:
            matched_background(genome, [rich, usual], ["chr4"], IntervalIndex(), 101, label="validation",
                               max_candidates=5000)
    message = str(error.value)
    assert "for the validation split ran out: 1 GC bin(s)" in message and "on chr4" in message
    assert "GC 0.95-1.00:      1 positives,      0 background windows" in message
    assert "--background shuffle" in message
