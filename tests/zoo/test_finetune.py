"""Fine-tuning a pretrained model on a user's TF: weights, frozen convolution, test auROC."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deepmotif.core.errors import UnknownNameError
from deepmotif.zoo.model_loading import ModelNotFoundError
from deepmotif.zoo.fine_tuning import finetune
from deepmotif.zoo.model_loading import load_run
from deepmotif.zoo.layer_walk import all_layers, weighted_layer
from deepmotif.zoo.training import train

SMALL = dict(filters=[8, 8, 8], kernel_sizes=[9, 5, 3])


def conv_weights(model) -> list[np.ndarray]:
    return [w for layer in all_layers(model) if layer.name.startswith("conv") for w in layer.get_weights()]


def test_auroc(model, dataset, data_dir) -> float:
    from sklearn.metrics import roc_auc_score

    from deepmotif.datasets import load_arrays, one_hot

    test = load_arrays(dataset, "test", data_dir=data_dir)
    return float(roc_auc_score(test["label"], model.predict(one_hot(test["tokens"]), verbose=0).ravel()))


test_auroc.__test__ = False  # a helper, not a test


@pytest.fixture(scope="module")
def setup(tfds_data_dir, tmp_path_factory):
    """A CNN pretrained on synthetic GATA1 and a user dataset of a related motif (AGATAA in 101 bp)."""
    from deepmotif.datasets import build_dataset

    root = tmp_path_factory.mktemp("finetune")
    source = root / "source"
    train("synthetic_tfbs/tiny", "cnn", source, epochs=2, data_dir=tfds_data_dir, verbose=0, **SMALL)
    rng = np.random.default_rng(1)
    records = []
    for i in range(600):
        s = list(rng.choice(list("ACGT"), size=101))
        at = rng.integers(0, 95)
        s[at : at + 6] = "AGATAA"
        records.append(f">peak{i}\n{''.join(s)}\n")
    fasta = root / "positives.fa"
    fasta.write_text("".join(records))
    build_dataset("user_tfbs/ft_test", data_dir=tfds_data_dir, positives=str(fasta))
    return {"source": source, "data_dir": tfds_data_dir, "root": root}


def test_finetune_frozen_conv_changes_head_and_auroc(setup):
    out = setup["root"] / "ft_conv"
    summary = finetune(setup["source"], "user_tfbs/ft_test", out, freeze="conv", epochs=2,
                       learning_rate=1e-2, data_dir=setup["data_dir"], verbose=0)
    for name in ("config.json", "model.keras", "metrics.json", "history.csv", "predictions_test.npz"):
        assert (out / name).exists(), name
    config = json.loads((out / "config.json").read_text())
    assert config["freeze"] == "conv" and config["initial_weights_from"] == str(setup["source"])
    assert config["dataset"] == "user_tfbs/ft_test" and config["model"]["filters"] == SMALL["filters"]

    source, _ = load_run(setup["source"])
    tuned, _ = load_run(out)
    for a, b in zip(conv_weights(source), conv_weights(tuned), strict=True):
        np.testing.assert_array_equal(a, b)  # the motif detectors stayed as pretrained
    assert not np.allclose(weighted_layer(source, "logit").get_weights()[0], weighted_layer(tuned, "logit").get_weights()[0])
    before = test_auroc(source, "user_tfbs/ft_test", setup["data_dir"])
    assert summary["test"]["auroc"] == pytest.approx(test_auroc(tuned, "user_tfbs/ft_test", setup["data_dir"]), abs=1e-6)
    assert abs(summary["test"]["auroc"] - before) > 1e-4


def test_finetune_from_registry_name_trains_everything(setup, monkeypatch):
    from deepmotif.zoo.saved_models import export

    base = setup["root"] / "exported_models"
    export(setup["source"], "gata1_tiny.cnn", base_dir=base)
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(base))
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(setup["root"] / "cache"))
    out = setup["root"] / "ft_none"
    finetune("gata1_tiny.cnn", "user_tfbs/ft_test", out, freeze="none", epochs=1, max_train_examples=200,
             data_dir=setup["data_dir"], verbose=0, offline=True)
    source, _ = load_run(setup["source"])
    tuned, config = load_run(out)
    assert config["n_train"] == 200 and config["freeze"] == "none"
    assert "gata1_tiny.cnn" in config["initial_weights_from"]
    assert not all(np.array_equal(a, b) for a, b in zip(conv_weights(source), conv_weights(tuned)))


def test_finetune_bad_input(setup):
    with pytest.raises(UnknownNameError, match="freeze"):
        finetune(setup["source"], "user_tfbs/ft_test", setup["root"] / "x", freeze="dense")
    with pytest.raises(ModelNotFoundError, match="no such file"):
        finetune("runs/../nowhere", "user_tfbs/ft_test", setup["root"] / "y")
    assert not (setup["root"] / "x").exists() and not (setup["root"] / "y").exists()
