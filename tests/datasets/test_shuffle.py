"""Dinucleotide shuffle: exact counts kept, uniform over all valid shuffles, seeded, process-independent."""

from __future__ import annotations

import collections
import itertools
import os
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from deepmotif.datasets.readers import Record
from deepmotif.datasets.shuffle import dinucleotide_counts, dinucleotide_shuffle, link_shuffles, shuffled_negatives


@settings(max_examples=200, deadline=None)
@given(sequence=st.text(alphabet="ACGTNacgtn", min_size=0, max_size=120), seed=st.integers(0, 2**32))
def test_shuffle_keeps_dinucleotides_and_ends(sequence, seed):
    out = dinucleotide_shuffle(sequence, np.random.default_rng(seed))
    assert dinucleotide_counts(out) == dinucleotide_counts(sequence)
    assert len(out) == len(sequence) and out[:1] == sequence[:1] and out[-1:] == sequence[-1:]


def test_dinucleotide_counts():
    assert dinucleotide_counts("AACGN") == collections.Counter({"AA": 1, "AC": 1, "CG": 1, "GN": 1})
    assert dinucleotide_counts("A") == collections.Counter()


def test_shuffle_is_uniform_over_all_valid_shuffles():
    # Altschul-Erickson samples every sequence with the same dinucleotide counts and ends equally often.
    sequence = "AGCAACGGA"
    target = dinucleotide_counts(sequence)
    valid = {
        "".join(p)
        for p in set(itertools.permutations(sequence))
        if p[0] == sequence[0] and p[-1] == sequence[-1] and dinucleotide_counts("".join(p)) == target
    }
    assert len(valid) > 5
    rng = np.random.default_rng(0)
    n = 200 * len(valid)
    seen = collections.Counter(dinucleotide_shuffle(sequence, rng) for _ in range(n))
    assert set(seen) == valid
    expected = n / len(valid)
    chi2 = sum((c - expected) ** 2 / expected for c in seen.values())
    assert chi2 < len(valid) - 1 + 5 * np.sqrt(2 * (len(valid) - 1))  # mean + 5 sd of chi2(k-1)


def test_shuffle_is_seeded():
    s = "ACGTTGCAAGCTTAGCNNACGTacgt" * 4
    assert dinucleotide_shuffle(s, np.random.default_rng(7)) == dinucleotide_shuffle(s, np.random.default_rng(7))
    assert len({dinucleotide_shuffle(s, np.random.default_rng(k)) for k in range(20)}) > 15


def test_shuffled_negatives_one_per_positive():
    records = [Record("p1", "ACGTACGGTCA", 1, False), Record("n1", "ACGTACGGTCA", 0, False), Record("p2", "TTGACCA", 1, False)]
    negatives = shuffled_negatives(records, seed=3)
    assert [(r.id, r.label, r.is_shuffled) for r in negatives] == [("p1_shuf", 0, True), ("p2_shuf", 0, True)]
    assert negatives == shuffled_negatives(records, seed=3)
    assert negatives != shuffled_negatives(records, seed=4)
    # each record's shuffle depends on its own id, not on its position in the list
    assert shuffled_negatives(records[::-1], seed=3) == negatives[::-1]


_SCRIPT = """
from deepmotif.datasets.readers import Record
from deepmotif.datasets.shuffle import shuffled_negatives
rs = [Record(f"seq_{i}", "ACGTTGCAAGCTTAGCACGATCGATCGGATC" * 3, 1, False) for i in range(20)]
print("".join(r.sequence for r in shuffled_negatives(rs, seed=11)))
"""


def test_shuffled_negatives_same_in_every_process():
    outs = {
        subprocess.run(
            [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": str(h)},
        ).stdout
        for h in (1, 2)
    }
    assert len(outs) == 1 and len(outs.pop()) > 100


def test_link_shuffles_pairs_demo_negatives_with_their_peaks():
    rng = np.random.default_rng(0)
    peaks = ["".join(rng.choice(list("ACGT"), 50)) for _ in range(4)]
    records = [Record(f"f:{i}", s, 1, False) for i, s in enumerate(peaks)]
    records += [Record(f"f:{4 + i}", dinucleotide_shuffle(s, rng), 0, True) for i, s in enumerate(peaks[::-1])]
    records.append(Record("f:8", "A" * 50, 0, True))  # a negative that shuffles no peak keeps its id
    linked = link_shuffles(records)
    assert [r.id for r in linked[4:]] == ["f:3_shuf", "f:2_shuf", "f:1_shuf", "f:0_shuf", "f:8"]
    assert [r.sequence for r in linked] == [r.sequence for r in records]
