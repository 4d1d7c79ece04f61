"""The paper's hyperparameters of the three architectures, as plain data (no Keras, no TensorFlow),
so the command line can list them without importing a backend."""

from __future__ import annotations

from deepmotif.core.errors import UnknownNameError
from deepmotif.core.sequences import DEFAULT_SEQ_LEN

# The paper's hyperparameters (DeMo code); every one can be overridden by name. `reverse_complement`
# (the model averages a sequence's and its reverse complement's logits) is what training's option
# `reverse_complement="average"` (`deepmotif train --reverse-complement average`) sets; that option
# is the one to use, and it is recorded in the run config and model card.
DEFAULTS = {
    "cnn": {
        "filters": [128, 128, 128],
        "kernel_sizes": [9, 5, 3],
        "pool_size": 2,
        "dropout": 0.5,
        "batch_norm": False,
        "reverse_complement": False,
    },
    "rnn": {
        "lstm_units": 32,
        "dropout": 0.5,
        "reverse_complement": False,
    },
    "cnn_rnn": {
        "filters": [128],
        "kernel_sizes": [9],
        "lstm_units": 32,
        "dropout": 0.5,
        "batch_norm": False,
        "reverse_complement": False,
    },
}
ARCHITECTURES = tuple(DEFAULTS)


def architecture_config(arch: str, seq_len: int = DEFAULT_SEQ_LEN, **overrides) -> dict:
    """The full hyperparameters of `arch`: the paper's defaults merged with `overrides`."""
    if arch not in DEFAULTS:
        raise UnknownNameError("architecture", arch, ARCHITECTURES)
    unknown = set(overrides) - set(DEFAULTS[arch])
    if unknown:
        raise UnknownNameError(f"hyperparameter of {arch}", sorted(unknown)[0], DEFAULTS[arch])
    return {"arch": arch, "seq_len": int(seq_len), **DEFAULTS[arch], **overrides}
