"""What interpretation reads: sequences (FASTA or a dataset split) and a model (run dir,
`.keras` file or registry name), validated at the boundary so the methods can assume
one-hot `(n, L, 4)` float32 of the model's length."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

from deepmotif.core.errors import SequenceFormatError
from deepmotif.core.sequences import first_invalid_character, one_hot, tokenize
from deepmotif.interpret.errors import InputShapeError, ModelFileError


def read_fasta(path, seq_len: int | None = None) -> tuple[list[str], np.ndarray]:
    """FASTA file -> (`ids`, tokens `(n, L)` uint8). Multi-line records are joined.

    Raises `SequenceFormatError` naming the file and line of a character outside ACGTN,
    of text before the first header, or of a record whose length is not `seq_len`.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such FASTA file")
    ids, seqs, starts = [], [], []
    with open(path, encoding="latin-1") as handle:
        for lineno, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith(">"):
                ids.append(line[1:].strip() or f"seq{len(ids)}")
                seqs.append([])
                starts.append(lineno)
                continue
            if not seqs:
                raise SequenceFormatError(path, lineno, "sequence before the first '>' header", line)
            bad = first_invalid_character(line)
            if bad is not None:
                raise SequenceFormatError(
                    path, lineno, f"character {line[bad]!r} at column {bad + 1} is not one of ACGTN", line)
            seqs[-1].append(line)
    if not ids:
        raise SequenceFormatError(path, None, "no FASTA records ('>' headers) found")
    joined = ["".join(parts) for parts in seqs]
    want = seq_len if seq_len is not None else len(joined[0])
    for text, lineno, name in zip(joined, starts, ids):
        if len(text) != want:
            why = "the model takes" if seq_len is not None else "the first record has"
            raise SequenceFormatError(path, lineno, f"record {name!r} is {len(text)} bases long; {why} {want}")
    return ids, np.stack([tokenize(s) for s in joined])


def dataset_sequences(name: str, split: str = "test", n: int | None = None, positives_only: bool = False,
                      **load_kwargs) -> dict:
    """The first `n` examples of a dataset split (`deepmotif.datasets.load_arrays`), as a dict
    with `tokens (n, L)`, `label`, `id` and, for synthetic data, `motifs` ground truth."""
    from deepmotif.datasets import load_arrays

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
    want = model.inputs[0].shape[1]
    if want is not None and x.shape[1] != want:
        raise InputShapeError(f"sequences are {x.shape[1]} bases long; model {model.name!r} takes {want}")
    return x


def load_model(ref):
    """A Keras model from a run directory (`model.keras` inside), an exported version directory
    (`assets.extra/model.keras`), a `.keras` file, or a published model name
    (`deepmotif.zoo.load`). Raises `ModelFileError` for a path that is none of these."""
    import keras

    import deepmotif.zoo.architectures  # noqa: F401  (registers custom layers)

    path = Path(str(ref))
    if path.is_dir():
        inside = [path / "model.keras", path / "assets.extra" / "model.keras"]
        found = [p for p in inside if p.is_file()]
        if not found:
            raise ModelFileError(f"{path}: not a run directory (no {' or '.join(str(p) for p in inside)})")
        path = found[0]
    if path.is_file():
        try:
            return keras.saving.load_model(path, compile=False)
        except Exception as err:  # keras raises ValueError, zipfile/OSError, ... on a bad file
            raise ModelFileError(f"{path}: not a Keras model file ({type(err).__name__}: {err})") from None
    zoo = _optional("deepmotif.zoo")
    looks_like_path = path.suffix == ".keras" or str(ref).startswith((".", "/", "~"))
    if not looks_like_path and zoo is not None and hasattr(zoo, "load"):
        return zoo.load(str(ref))  # registry names; its errors suggest close names
    raise ModelFileError(f"{ref}: no such run directory or .keras file")


def _optional(module: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        return None
