"""Scanning speed: base pairs scored per second (stride 1, one window per bp) by
`deepmotif.zoo.scan` (Keras, through the one batched predict) and by the exported SavedModel's
`scan_sequences` signature (strings in, one probability per window out).
"""

from __future__ import annotations

import numpy as np

from timing import seconds, stats


def available() -> bool:
    """Whether this tree has scanning (`deepmotif.zoo.scanning.scan`)."""
    try:
        from deepmotif.zoo.scanning import scan  # noqa: F401
    except ImportError:
        return False
    return True


def measure_arch(arch: str, length: int, rounds: int) -> dict:
    """bp/s of `scan` over one random sequence of `length` bp, and of `scan_sequences` over the same
    sequence cut into 4 strings (medians of `rounds`)."""
    import tensorflow as tf

    from deepmotif.zoo.scanning import scan
    from exports import exported

    model, signatures = exported(arch)
    tokens = np.random.default_rng(0).integers(0, 4, length, dtype=np.uint8)
    scan(model, [tokens[:2000]])  # trace once
    keras_rates = [length / seconds(lambda: scan(model, [tokens])) for _ in range(rounds)]
    out = {"scan_bp_per_s": stats(keras_rates)["median"], "length_bp": length}
    signature = signatures.get("scan_sequences")
    if signature is not None:
        letters = np.frombuffer(b"ACGTN", np.uint8)
        strings = tf.constant([letters[part].tobytes() for part in np.array_split(tokens, 4)])
        signature(sequences=strings[:1])  # first call
        rates = [length / seconds(lambda: signature(sequences=strings)["probability"].numpy()) for _ in range(rounds)]
        out["savedmodel_scan_bp_per_s"] = stats(rates)["median"]
    return out


def measure(archs, length: int, rounds: int, log=print) -> dict:
    """`measure_arch` for each architecture, or `{"skipped": why}` when scanning is absent."""
    if not available():
        return {"skipped": "deepmotif.zoo.scanning.scan is not in this tree"}
    out = {}
    for arch in archs:
        log(f"scanning: {arch}")
        out[arch] = measure_arch(arch, length, rounds)
    return out
