"""Dinucleotide-preserving shuffles (Altschul & Erickson 1985), the negatives DeepBind and DeMo use.

A sequence is an Eulerian path through the multigraph whose vertices are letters and whose edges are
its dinucleotides. A uniformly random Eulerian path with the same start and end gives a shuffle with
exactly the same dinucleotide counts, first and last letter: pick a random spanning arborescence of
"last exits" into the final letter (Wilson's algorithm), permute every other out-edge freely, walk.
Every character is a letter of its own, so `N` and soft-masked lowercase are kept as they are.
"""

from __future__ import annotations

import collections
import hashlib

import numpy as np

from deepmotif.datasets.readers import SHUFFLE_SUFFIX, Record


def dinucleotide_counts(sequence: str) -> collections.Counter:
    """Counter of the `len(sequence) - 1` overlapping 2-mers."""
    return collections.Counter(sequence[i : i + 2] for i in range(len(sequence) - 1))


def dinucleotide_shuffle(sequence: str, rng: np.random.Generator) -> str:
    """A uniformly random sequence with the same dinucleotide counts, first and last character."""
    if len(sequence) <= 2:
        return sequence
    edges: dict[str, list[str]] = collections.defaultdict(list)
    for a, b in zip(sequence, sequence[1:]):
        edges[a].append(b)
    last = sequence[-1]
    # Wilson's algorithm: loop-erased random walks give a uniform arborescence rooted at `last`;
    # each vertex's tree edge is the last edge it leaves by.
    in_tree = {last: True}
    exit_index: dict[str, int] = {}
    for start in edges:
        u = start
        while not in_tree.get(u, False):
            exit_index[u] = int(rng.integers(len(edges[u])))
            u = edges[u][exit_index[u]]
        u = start
        while not in_tree.get(u, False):
            in_tree[u] = True
            u = edges[u][exit_index[u]]
    order: dict[str, list[str]] = {}
    for v, out in edges.items():
        if v in exit_index:
            keep = out[exit_index[v]]
            rest = out[: exit_index[v]] + out[exit_index[v] + 1 :]
            order[v] = [rest[i] for i in rng.permutation(len(rest))] + [keep]
        else:  # the end letter: no last-exit constraint
            order[v] = [out[i] for i in rng.permutation(len(out))]
    position = dict.fromkeys(order, 0)
    walk, u = [sequence[0]], sequence[0]
    for _ in range(len(sequence) - 1):
        v = order[u][position[u]]
        position[u] += 1
        walk.append(v)
        u = v
    return "".join(walk)


def stable_seed(*parts) -> int:
    """A 64-bit integer from `parts`, the same in every process (unlike `hash`)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def shuffled_negatives(records: list[Record], seed: int) -> list[Record]:
    """One dinucleotide-shuffled negative per positive, id `<id>_shuf`, seeded per record id."""
    return [
        Record(r.id + SHUFFLE_SUFFIX, dinucleotide_shuffle(r.sequence, np.random.default_rng([seed, stable_seed(r.id)])), 0, True)
        for r in records
        if r.label == 1
    ]


def link_shuffles(records: list[Record]) -> list[Record]:
    """Rename each negative that is a dinucleotide shuffle of a positive to `<positive id>_shuf`.

    DeMo FASTA gives no names; linking them lets splits keep a peak and its shuffle together.
    Negatives with no matching positive keep their id.
    """
    def key(sequence):
        return sequence[0], sequence[-1], tuple(sorted(dinucleotide_counts(sequence).items()))

    unmatched: dict[tuple, list[str]] = collections.defaultdict(list)
    for r in records:
        if r.label == 1:
            unmatched[key(r.sequence)].append(r.id)
    for ids in unmatched.values():
        ids.reverse()  # pop() then takes positives in file order
    out = []
    for r in records:
        if r.label == 0 and not r.id.endswith(SHUFFLE_SUFFIX):
            ids = unmatched.get(key(r.sequence))
            if ids:
                r = r._replace(id=ids.pop() + SHUFFLE_SUFFIX, is_shuffled=True)
        out.append(r)
    return out
