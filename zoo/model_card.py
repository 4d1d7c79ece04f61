"""Model cards: what a published model was trained on, how well it does, how to cite it.

A card is JSON in `assets.extra/model_card.json` of every exported version (Kipoi's
`model.yaml` and DeepBind's model table are the examples followed).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from deepmotif.core.sequences import ALPHABET
from deepmotif.core import atomic

CARD_FILE = "model_card.json"
LICENSE = "MIT (weights and code); ENCODE and JASPAR data are public and unrestricted"
CITATION = (
    "Lanchantin J, Singh R, Wang B, Qi Y. Deep Motif Dashboard: Visualizing and Understanding "
    "Genomic Sequences Using Deep Neural Networks. Pacific Symposium on Biocomputing 22:254-265 (2017). "
    "doi:10.1142/9789813207813_0025"
)
DATA_CITATIONS = {
    "encode_tfbs": (
        "Alipanahi B, Delong A, Weirauch MT, Frey BJ. Predicting the sequence specificities of DNA- and "
        "RNA-binding proteins by deep learning. Nature Biotechnology 33:831-838 (2015). doi:10.1038/nbt.3300"
    ),
    "synthetic_tfbs": "Castro-Mondragon JA et al. JASPAR 2022. Nucleic Acids Research 50:D165-D173 (2022).",
}
PROVENANCE = {
    "encode_tfbs": (
        "ENCODE ChIP-seq peaks (101 bp around the summit) as distributed with DeepBind's supplementary "
        "data and the DeMo code; negatives are dinucleotide-preserving shuffles of the peaks; test set "
        "is DeepBind's held-out _B set (500 peaks + 500 shuffles)."
    ),
    "synthetic_tfbs": (
        "Synthetic sequences with JASPAR vertebrate CORE motifs planted in random background "
        "(deepmotif.datasets synthetic_tfbs); ground-truth motif positions are known."
    ),
    "user_tfbs": "User-supplied FASTA (positives, and negatives or dinucleotide shuffles).",
}
SIGNATURES = {
    "serving_default": {"inputs": {"one_hot": "float32 (batch, L, 4)"}, "outputs": {"probability": "float32 (batch, 1)"}},
    "predict_sequences": {"inputs": {"sequences": "string (batch,)"}, "outputs": {"probability": "float32 (batch, 1)"}},
}


def _dataset_metadata(dataset: str | None) -> dict:
    if not dataset:
        return {}
    try:
        from deepmotif.datasets import dataset_metadata
    except ImportError:
        return {}
    try:
        return dict(dataset_metadata(dataset))
    except Exception:  # noqa: BLE001  a card must not fail because a dataset was not built here
        return {}


def _command(config: dict) -> str | None:
    for key in ("command", "command_line", "cmd", "argv"):
        value = config.get(key)
        if value:
            return " ".join(value) if isinstance(value, (list, tuple)) else str(value)
    return None


def card_from_run(config: dict, metrics: dict, source: str | None = None) -> dict:
    """A card's training and metrics sections from a run's `config.json` and `metrics.json`."""
    dataset = config.get("dataset")
    family = dataset.split("/")[0] if dataset else None
    meta = _dataset_metadata(dataset)
    model_cfg = config.get("model") if isinstance(config.get("model"), dict) else {}
    arch = config.get("arch") or model_cfg.get("arch")
    card_metrics = {split: metrics[split] for split in ("test", "validation") if isinstance(metrics.get(split), dict)}
    for key in ("deepbind_star_auroc", "deepbind_auroc"):
        if meta.get(key) is not None:
            card_metrics[key] = meta[key]
    return {
        "architecture": arch,
        "hyperparameters": model_cfg or {k: v for k, v in config.items() if k in ("filters", "kernel_sizes", "lstm_units", "dropout", "batch_norm", "reverse_complement")},
        "training": {
            "dataset": dataset,
            "dataset_description": meta.get("description"),
            "provenance": PROVENANCE.get(family),
            "data_citation": DATA_CITATIONS.get(family),
            "tf": meta.get("tf"),
            "cell_line": meta.get("cell_line"),
            "recipe": config.get("recipe"),
            "epochs": config.get("epochs"),
            "batch_size": config.get("batch_size"),
            "seed": config.get("seed"),
            "precision": config.get("precision"),
            "finetuned_from": config.get("finetuned_from"),
            "command": _command(config),
            "run_dir": source,
            "train_seconds": metrics.get("train_seconds"),
        },
        "metrics": card_metrics,
    }


def complete_card(card: dict, model, name: str, version: int) -> dict:
    """Fill in what the exported model itself tells: name, version, shapes, signatures."""
    import keras
    import tensorflow as tf

    full = {
        "name": name,
        "version": int(version),
        "architecture": card.get("architecture") or model.name,
        "seq_len": int(model.input_shape[1]),
        "alphabet": ALPHABET,
        "encoding": "one-hot (batch, L, 4), channels A C G T, N = all-zero row; strings are uppercased",
        "output": "probability that the sequence is bound (sigmoid of layer `logit`)",
        "signatures": SIGNATURES,
        "parameters": int(model.count_params()),
        "license": LICENSE,
        "citation": CITATION,
        "exported": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": {"tensorflow": tf.__version__, "keras": keras.__version__},
    }
    full.update({k: v for k, v in card.items() if k not in full or v is not None})
    full["name"], full["version"] = name, int(version)
    return full


def write_card(directory, card: dict) -> Path:
    path = Path(directory) / CARD_FILE
    atomic.write_json(path, card)
    return path


def read_card(version_dir) -> dict:
    """The card of an exported version directory (`<name>/<version>/`)."""
    return json.loads((Path(version_dir) / "assets.extra" / CARD_FILE).read_text())
