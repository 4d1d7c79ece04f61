"""DNA alphabet, tokens and one-hot encoding: the one source of truth for all three packages.

Sequences are stored compactly as uint8 tokens (A=0, C=1, G=2, T=3, N=4) and turned
into one-hot `(L, 4)` float32 only in the input pipeline. `N` becomes an all-zero row.
Channel order ACGT means the complement of a one-hot row is the row reversed.
"""

from __future__ import annotations

import numpy as np

ALPHABET = "ACGT"
TOKEN_N = 4
DEFAULT_SEQ_LEN = 101
ALLOWED_CHARACTERS = frozenset("ACGTNacgtn")

# bytes -> token; 255 marks a character that is not a nucleotide.
_TOKEN_TABLE = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(ALPHABET):
    _TOKEN_TABLE[ord(_c)] = _i
    _TOKEN_TABLE[ord(_c.lower())] = _i  # lowercase = soft-masked, same base
_TOKEN_TABLE[ord("N")] = TOKEN_N
_TOKEN_TABLE[ord("n")] = TOKEN_N
_ONE_HOT_TABLE = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), np.float32)])


def first_invalid_character(sequence: str) -> int | None:
    """Index of the first character outside ACGTN (either case), or None."""
    tokens = _TOKEN_TABLE[np.frombuffer(sequence.encode("latin-1", "replace"), dtype=np.uint8)]
    bad = np.flatnonzero(tokens == 255)
    return int(bad[0]) if bad.size else None


def tokenize(sequence: str) -> np.ndarray:
    """`str` of length L -> `(L,)` uint8 tokens. Callers validate first (see readers)."""
    tokens = _TOKEN_TABLE[np.frombuffer(sequence.encode("latin-1", "replace"), dtype=np.uint8)]
    if (tokens == 255).any():
        raise ValueError(f"not a DNA sequence (ACGTN): {sequence[:60]!r}")
    return tokens


def tokenize_batch(sequences: list[str]) -> np.ndarray:
    """Equal-length strings -> `(n, L)` uint8 tokens."""
    if not sequences:
        return np.zeros((0, 0), np.uint8)
    return np.stack([tokenize(s) for s in sequences])


def detokenize(tokens: np.ndarray) -> str:
    """`(L,)` tokens -> string."""
    return "".join("ACGTN"[int(t)] for t in tokens)


def one_hot(tokens: np.ndarray) -> np.ndarray:
    """`(..., L)` uint8 tokens -> `(..., L, 4)` float32 one-hot, `N` as zeros."""
    return _ONE_HOT_TABLE[np.asarray(tokens, dtype=np.intp)]


def one_hot_strings(sequences: list[str]) -> np.ndarray:
    """Equal-length DNA strings -> `(n, L, 4)` float32."""
    return one_hot(tokenize_batch(list(sequences)))


def reverse_complement_tokens(tokens: np.ndarray) -> np.ndarray:
    """Reverse complement of `(..., L)` tokens (N stays N)."""
    rc = np.where(tokens < TOKEN_N, 3 - tokens.astype(np.int16), TOKEN_N).astype(np.uint8)
    return rc[..., ::-1]
