"""What interpretation reads: sequences (FASTA or a dataset split) and a model (run dir,
`.keras` file or registry name), validated at the boundary so the methods can assume
one-hot `(n, L, 4)` float32 of the model's length."""

from __future__ import annotations

import numpy as np

from deepmotif.core import fasta
from deepmotif.core.errors import DeepMotifError, SequenceFormatError
from deepmotif.core.sequences import one_hot, tokenize
from deepmotif.interpret.errors import InputShapeError
from deepmotif.zoo import model_loading


def read_fasta(path, seq_len: int | None = None) -> tuple[list[str], np.ndarray]:
    """A FASTA file (plain or gzip) as the sequences to explain.

    Parameters
    ----------
    path : str or pathlib.Path
        FASTA file; multi-line records are joined, case is ignored, `N` is allowed.
    seq_len : int, optional
        The length every record must have (the model's); default: the first record's.

    Returns
    -------
    ids : list of str
        Each record's header text (`seq<i>` for an empty header).
    tokens : numpy.ndarray, shape (n, L), uint8
        A0 C1 G2 T3 N4.

    Raises
    ------
    SequenceFormatError
        Naming the file and line: see `deepmotif.core.fasta.read_fasta`, plus a record of another length.
    """
    ids, sequences, want = [], [], seq_len
    for record in fasta.read_fasta(path):
        want = len(record.sequence) if want is None else want
        if len(record.sequence) != want:
            why = "the model takes" if seq_len is not None else "the first record has"
            raise SequenceFormatError(path, record.line,
                                      f"record {record.header!r} is {len(record.sequence)} bases long; {why} {want}")
        ids.append(record.header or f"seq{len(ids)}")
        sequences.append(record.sequence)
    return ids, np.stack([tokenize(s) for s in sequences])


def dataset_sequences(name: str, split: str = "test", n: int | None = None, positives_only: bool = False,
                      **load_kwargs) -> dict:
    """The first `n` examples of a dataset split (`deepmotif.datasets.load_arrays`), as a dict
    with `tokens (n, L)`, `label`, `id` and, for synthetic data, `motifs` ground truth."""
    from deepmotif.datasets import load_arrays

    if n is not None and (isinstance(n, bool) or int(n) != n or n < 1):
        raise DeepMotifError(f"n must be a positive integer (or None for all), got {n!r}")  # [:0], [:-1] surprise
    arrays = load_arrays(name, split, **load_kwargs)
    keep = np.arange(len(arrays["tokens"]))
    if positives_only:
        keep = keep[np.asarray(arrays["label"]) == 1]
    keep = keep[:n] if n is not None else keep
    out = {}
    for key, value in arrays.items():
        if isinstance(value, np.ndarray) and len(value) == len(arrays["tokens"]):
            out[key] = value[keep]
        elif isinstance(value, list) and len(value) == len(arrays["tokens"]):
            out[key] = [value[i] for i in keep]
        else:
            out[key] = value
    return out


def as_one_hot(x) -> np.ndarray:
    """Tokens `(n, L)` or one-hot `(n, L, 4)` -> float32 one-hot `(n, L, 4)`."""
    x = np.asarray(x)
    if x.ndim == 2 and np.issubdtype(x.dtype, np.integer):
        return one_hot(x)
    return x.astype(np.float32, copy=False)


def check_input(model, x) -> np.ndarray:
    """Validate `x` for `model`: returns float32 `(n, L, 4)` or raises `InputShapeError`."""
    x = as_one_hot(x)
    if x.ndim != 3 or x.shape[-1] != 4:
        raise InputShapeError(f"expected one-hot sequences (n, L, 4), got shape {tuple(x.shape)}")
    from deepmotif.zoo.architectures import recorded_window  # keras: only once a model is at hand

    want = recorded_window(model)
    if want is not None and x.shape[1] != want:
        raise InputShapeError(f"sequences are {x.shape[1]} bases long; model {model.name!r} takes {want}")
    return x


def load_model(ref, offline: bool = False):
    """The model to explain: a run directory, `.keras` file, exported version directory (or folder
    of versions) or registry name, loaded by `deepmotif.zoo.model_loading.load_model` (`safe_mode`).

    Raises `ModelNotFoundError` (lists the paths tried) or `ModelFileError` (a file that does not load).
    """
    return model_loading.load_model(ref, offline=offline)
