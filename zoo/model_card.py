"""Model cards: what a published model was trained on, how well it does, how to cite it.

A card is JSON in `assets.extra/model_card.json` of every exported version (Kipoi's
`model.yaml` and DeepBind's model table are the examples followed).
"""

from __future__ import annotations

import datetime
import json
import os
import shlex
from pathlib import Path

from deepmotif.core.sequences import ALPHABET
from deepmotif.core import atomic
from deepmotif.datasets.jaspar import CITATION as JASPAR_CITATION, LICENSE as JASPAR_LICENSE
from deepmotif.zoo.intervals import bootstrap_intervals, versus

CARD_FILE = "model_card.json"
LICENSE = "MIT (code and trained weights; see LICENSE). The training data keep their own terms: data_licenses"
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
    "synthetic_tfbs": JASPAR_CITATION,
}
# The project's MIT licence is not the data's: each dataset family's data come under these terms.
DATA_LICENSES = {
    "encode_tfbs": [
        "ENCODE data: free to use without restriction under the ENCODE data use policy; cite the ENCODE "
        "Project Consortium (Nature 489:57-74, 2012) and the experiments used "
        "(https://www.encodeproject.org/help/citing-encode/)",
        "DeepBind's preprocessed ENCODE sets: cite Alipanahi et al. 2015 (data_citation)",
    ],
    "synthetic_tfbs": [f"JASPAR motifs planted in the synthetic sequences: {JASPAR_LICENSE}; cite {JASPAR_CITATION}"],
    "user_tfbs": ["the user's own data: the terms of whoever supplied the FASTA files"],
}
PROVENANCE = {
    "encode_tfbs": (
        "ENCODE ChIP-seq peaks (101 bp around the summit) as distributed with DeepBind's supplementary "
        "data and the DeMo code; negatives are dinucleotide-preserving shuffles of the peaks; test set: {test_set}."
    ),
    "synthetic_tfbs": (
        "Synthetic sequences with JASPAR vertebrate CORE motifs planted in random background "
        "(deepmotif.datasets synthetic_tfbs); ground-truth motif positions are known."
    ),
    "user_tfbs": "User-supplied FASTA (positives, and negatives or dinucleotide shuffles).",
}
SIGNATURES = {  # W = seq_len, the trained window (zoo/saved_models.py)
    "serving_default": {"inputs": {"one_hot": "float32 (batch, W, 4)"}, "outputs": {"probability": "float32 (batch, 1)"}},
    "predict_sequences": {"inputs": {"sequences": "string (batch,), each of length >= W"},
                          "outputs": {"probability": "float32 (batch, 1): the best window's",
                                      "position": "int64 (batch,): 0-based start of the best window"}},
    "scan_sequences": {"inputs": {"sequences": "string (batch,), each of length >= W"},
                       "outputs": {"probability": "float32 (batch, max_windows): window j starts at j, 0-padded",
                                   "windows": "int64 (batch,): length - W + 1"}},
    "predict_logits": {"inputs": {"one_hot": "float32 (batch, W, 4)"}, "outputs": {"logit": "float32 (batch, 1)"}},
}


def _dataset_metadata(dataset: str | None, data_dir=None) -> dict:
    if not dataset:
        return {}
    try:
        from deepmotif.datasets import dataset_metadata
    except ImportError:
        return {}
    try:
        return dict(dataset_metadata(dataset, data_dir=data_dir))
    except Exception:  # noqa: BLE001  a card must not fail because a dataset was not built here
        return {}


def portable_path(path: str, cwd=None, home=None) -> str:
    """An absolute path as another machine can read it: relative to `cwd` (default: the current
    directory) when inside it, `~/...` when inside `home` (default: the user's), else relative to
    `cwd` with `..`. Relative paths are returned unchanged; nothing is resolved on disk."""
    if not os.path.isabs(path):
        return path
    target = os.path.normpath(path)
    cwd = os.path.normpath(str(cwd or os.getcwd()))
    home = os.path.normpath(str(home or Path.home()))
    if os.path.commonpath([target, cwd]) == cwd:
        return os.path.relpath(target, cwd)
    if os.path.commonpath([target, home]) == home:
        rest = os.path.relpath(target, home)
        return "~" if rest == "." else "~/" + rest
    return os.path.relpath(target, cwd)


def portable_command(command: str, cwd=None, home=None) -> str:
    """A command line with every absolute path made portable (`portable_path`), also in `--opt=/path`,
    and an absolute program path reduced to its name: a card never shows the training machine's paths."""
    try:
        tokens = shlex.split(command)
    except ValueError:  # unbalanced quotes: keep the words as they are
        tokens = command.split()
    out = []
    for i, token in enumerate(tokens):
        if i == 0 and os.path.isabs(token):
            token = os.path.basename(token)
        elif token.startswith("-") and "=" in token:
            option, _, value = token.partition("=")
            token = f"{option}={portable_path(value, cwd, home)}"
        else:
            token = portable_path(token, cwd, home)
        out.append(token)
    # `~/` stays outside the quotes so that a shell still expands it
    return " ".join("~/" + shlex.quote(t[2:]) if t.startswith("~/") else shlex.quote(t) for t in out)


def _command(config: dict) -> str | None:
    for key in ("command", "command_line", "cmd", "argv"):
        value = config.get(key)
        if value:
            text = shlex.join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
            return portable_command(text, cwd=config.get("cwd"))
    return None


def _intervals_from_predictions(run_dir) -> dict:
    """95% bootstrap intervals from a run's `predictions_test.npz` (runs scored before metrics.json held them)."""
    path = Path(run_dir) / "predictions_test.npz"
    if not path.is_file():
        return {}
    import numpy as np

    with np.load(path, allow_pickle=False) as saved:
        y_true, y_score = saved["y_true"], saved["y_score"]
    if len(np.unique(y_true)) < 2:
        return {}
    return bootstrap_intervals(y_true, y_score)


def _split_summary(meta: dict) -> dict | None:
    """How the dataset was split: held-out chromosomes for peak datasets, else the hold-out fractions."""
    if meta.get("test_chroms") or meta.get("split_preset"):
        return {"by": "chromosome", "preset": meta.get("split_preset"), "test_chroms": meta.get("test_chroms"),
                "valid_chroms": meta.get("valid_chroms"), "sizes": meta.get("splits")}
    if meta.get("splits"):
        return {"by": "record", "sizes": meta.get("splits"), "test_fraction": meta.get("test_fraction"),
                "validation_fraction": meta.get("validation_fraction")}
    return None


def card_from_run(config: dict, metrics: dict, source: str | None = None) -> dict:
    """A card's training and metrics sections from a run's `config.json` and `metrics.json`."""
    dataset = config.get("dataset")
    family = dataset.split("/")[0] if dataset else None
    meta = _dataset_metadata(dataset, config.get("data_dir"))
    model_cfg = config.get("model") if isinstance(config.get("model"), dict) else {}
    arch = config.get("arch") or model_cfg.get("arch")
    card_metrics = {split: dict(metrics[split]) for split in ("test", "validation")
                    if isinstance(metrics.get(split), dict)}
    test = card_metrics.get("test")
    if test is not None and "auroc_ci" not in test and source:
        test.update(_intervals_from_predictions(source))
    for key, label in (("deepbind_star_auroc", "DeepBind*"), ("deepbind_auroc", "DeepBind")):
        if meta.get(key) is not None:
            card_metrics[key] = meta[key]
            if test is not None and "auroc_ci" in test:  # "above" only when the whole interval is above
                card_metrics.setdefault("test_auroc_versus_published", {})[label] = versus(
                    test["auroc_ci"], float(meta[key]))
    provenance = PROVENANCE.get(family)
    if family == "encode_tfbs":
        provenance = provenance.format(test_set=meta.get("test_set") or (
            "the experiment's held-out file, DeepBind's `_B.seq.gz` or DeMo's `test.fa` (which one is recorded "
            "when the dataset is built here; it was not)"))
    return {
        "architecture": arch,
        "hyperparameters": model_cfg or {k: v for k, v in config.items() if k in ("filters", "kernel_sizes", "lstm_units", "dropout", "batch_norm", "reverse_complement")},
        "training": {
            "dataset": dataset,
            "dataset_description": meta.get("description"),
            "provenance": provenance,
            "test_file": meta.get("test_file"),
            "data_citation": DATA_CITATIONS.get(family),
            "data_licenses": DATA_LICENSES.get(family),
            "tf": meta.get("tf"),
            "cell_line": meta.get("cell_line"),
            "assembly": meta.get("assembly"),
            "genome": portable_path(meta["genome"]) if meta.get("genome") else None,
            "split": _split_summary(meta),
            "recipe": config.get("recipe"),
            "epochs": config.get("epochs"),
            "batch_size": config.get("batch_size"),
            "seed": config.get("seed"),
            "precision": config.get("precision"),
            # off / augment / average; runs from before the option record only the model's flag
            "reverse_complement": config.get("reverse_complement") or (
                "average" if model_cfg.get("reverse_complement") else None),
            "finetuned_from": config.get("finetuned_from"),
            "command": _command(config),
            "run_dir": portable_path(source, cwd=config.get("cwd")) if source else None,
            "train_seconds": metrics.get("train_seconds"),
        },
        "metrics": card_metrics,
    }


def complete_card(card: dict, model, name: str, version: int) -> dict:
    """Fill in what the exported model itself tells: name, version, shapes, signatures."""
    import keras
    import tensorflow as tf

    from deepmotif.zoo.scanning import window_of

    full = {
        "name": name,
        "version": int(version),
        "architecture": card.get("architecture") or model.name,
        "seq_len": window_of(model),
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
