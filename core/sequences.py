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
    """A DNA string to uint8 tokens (A0 C1 G2 T3 N4); lowercase (soft-masked) bases count as uppercase.

    Parameters
    ----------
    sequence : str
        Of length L. Readers validate with `first_invalid_character` first, naming file and line.

    Returns
    -------
    numpy.ndarray, shape (L,), uint8

    Raises
    ------
    ValueError
        A character other than A, C, G, T, N.
    """
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
    """Tokens to one-hot, the layout every model takes.

    Parameters
    ----------
    tokens : numpy.ndarray, shape (..., L), integer
        A0 C1 G2 T3 N4 (`tokenize`).

    Returns
    -------
    numpy.ndarray, shape (..., L, 4), float32
        Channels ACGT; `N` is an all-zero row.
    """
    return _ONE_HOT_TABLE[np.asarray(tokens, dtype=np.intp)]


def one_hot_tensor(tokens):
    """The in-graph one-hot (TensorFlow): what `tf.data` pipelines run on each batch.

    Parameters
    ----------
    tokens : tf.Tensor, shape (..., L), any integer dtype
        A0 C1 G2 T3 N4.

    Returns
    -------
    tf.Tensor, shape (..., L, 4), float32
        Rows of the same table `one_hot` uses: `N` is an all-zero row.
    """
    import tensorflow as tf  # here, not at the top: deepmotif.core never imports TensorFlow on import

    return tf.gather(tf.constant(_ONE_HOT_TABLE), tf.cast(tokens, tf.int32))  # a lookup beats one_hot + slice


def tokens_tensor(codes):
    """The in-graph tokenizer (TensorFlow): ASCII codes to tokens, by the same table as `tokenize`.

    Parameters
    ----------
    codes : tf.Tensor, any shape, integer dtype
        Byte values (e.g. from `tf.io.decode_raw`). Anything but A, C, G, T (either case) becomes N;
        callers that must refuse other letters check them first (as the SavedModel signatures do).

    Returns
    -------
    tf.Tensor, same shape, int32
        A0 C1 G2 T3 N4.
    """
    import tensorflow as tf  # here, not at the top: deepmotif.core never imports TensorFlow on import

    table = np.where(_TOKEN_TABLE == 255, TOKEN_N, _TOKEN_TABLE).astype(np.int32)
    return tf.gather(tf.constant(table), tf.cast(codes, tf.int32))


def one_hot_strings(sequences: list[str]) -> np.ndarray:
    """DNA strings to one-hot.

    Parameters
    ----------
    sequences : list of str
        Equal-length strings of A, C, G, T, N (either case).

    Returns
    -------
    numpy.ndarray, shape (n, L, 4), float32
        Channels ACGT; `N` is an all-zero row.
    """
    return one_hot(tokenize_batch(list(sequences)))


def reverse_complement_tokens(tokens: np.ndarray) -> np.ndarray:
    """Reverse complement of `(..., L)` tokens (N stays N)."""
    rc = np.where(tokens < TOKEN_N, 3 - tokens.astype(np.int16), TOKEN_N).astype(np.uint8)
    return rc[..., ::-1]
