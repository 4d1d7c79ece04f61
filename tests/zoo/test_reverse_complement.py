"""`--reverse-complement off|augment|average`: one training option, recorded in the run config and the
model card; `average` lives inside the model, so local prediction and the exported SavedModel both
give a sequence and its reverse complement one score."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.cli.main import build_parser
from deepmotif.core.errors import UnknownNameError
from deepmotif.core.sequences import detokenize, reverse_complement_tokens
from deepmotif.zoo import model_card, runs
from deepmotif.zoo.architectures import averages_strands
from deepmotif.zoo.model_loading import load_run
from deepmotif.zoo.prediction import predict
from deepmotif.zoo.saved_models import export
from deepmotif.zoo.training import train

SYNTH = "synthetic_tfbs/gata1"
TINY = dict(epochs=2, batch_size=64, max_train_examples=300, verbose=0, seed=1, filters=[16, 16, 16])


def _tokens(n=64, length=101, seed=0):
    return np.random.default_rng(seed).integers(0, 4, (n, length)).astype(np.uint8)


def test_average_is_recorded_and_agrees_locally_and_served(tmp_path, tfds_data_dir):
    import tensorflow as tf

    train(SYNTH, "cnn", tmp_path / "avg", reverse_complement="average", data_dir=tfds_data_dir, **TINY)
    config = runs.read_config(tmp_path / "avg")
    assert config["reverse_complement"] == "average" and config["model"]["reverse_complement"] is True
    model, _ = load_run(tmp_path / "avg")
    assert averages_strands(model)
    x = _tokens()
    forward, reverse = predict(model, x), predict(model, reverse_complement_tokens(x))
    assert forward.std() > 1e-3  # trained, not constant
    np.testing.assert_allclose(forward, reverse, atol=1e-5)

    version = export(tmp_path / "avg", "avg", base_dir=tmp_path / "em")
    assert model_card.read_card(version)["training"]["reverse_complement"] == "average"
    served = tf.saved_model.load(str(version)).signatures["predict_sequences"]
    strings = [detokenize(t) for t in x[:8]]
    rc_strings = [detokenize(t) for t in reverse_complement_tokens(x[:8])]
    got = served(sequences=tf.constant(strings))["probability"].numpy().ravel()
    np.testing.assert_allclose(got, served(sequences=tf.constant(rc_strings))["probability"].numpy().ravel(),
                               atol=1e-5)
    np.testing.assert_allclose(got, forward[:8], atol=1e-5)


def test_augment_changes_the_batches_not_the_model(tmp_path, tfds_data_dir):
    off = train(SYNTH, "cnn", tmp_path / "off", reverse_complement="off", data_dir=tfds_data_dir, **TINY)
    augmented = train(SYNTH, "cnn", tmp_path / "aug", reverse_complement="augment", data_dir=tfds_data_dir, **TINY)
    assert runs.read_config(tmp_path / "off")["reverse_complement"] == "off"
    config = runs.read_config(tmp_path / "aug")
    assert config["reverse_complement"] == "augment" and config["model"]["reverse_complement"] is False
    model, _ = load_run(tmp_path / "aug")
    assert not averages_strands(model)
    # same seed, same examples: only the flipped strands differ, so the runs do
    assert runs.read_history(tmp_path / "off") != runs.read_history(tmp_path / "aug")
    assert off["validation"] != augmented["validation"]


def test_option_values_and_the_older_spelling(tmp_path, tfds_data_dir):
    with pytest.raises(UnknownNameError, match="reverse_complement option 'both'"):
        train(SYNTH, "cnn", tmp_path / "bad", reverse_complement="both", data_dir=tfds_data_dir, **TINY)
    assert not (tmp_path / "bad").exists()  # refused before any work
    # `--set reverse_complement=true` (a boolean hyperparameter before the option existed) means average
    train(SYNTH, "cnn", tmp_path / "legacy", reverse_complement=True, data_dir=tfds_data_dir,
          **{**TINY, "epochs": 1})
    assert runs.read_config(tmp_path / "legacy")["reverse_complement"] == "average"
    args = build_parser().parse_args(["train", "--out", "r", "--reverse-complement", "augment"])
    assert args.reverse_complement == "augment"
    assert build_parser().parse_args(["train", "--out", "r"]).reverse_complement is None  # the recipe's


def test_the_default_comes_from_the_recipe(tmp_path, tfds_data_dir):
    from deepmotif.zoo.recipes import get_recipe

    assert get_recipe("default")["reverse_complement"] == "average"  # chosen on validation auROC
    assert get_recipe("demo")["reverse_complement"] == "off"  # the paper's single strand
    train(SYNTH, "cnn", tmp_path / "default", data_dir=tfds_data_dir, **{**TINY, "epochs": 1})
    config = runs.read_config(tmp_path / "default")
    assert config["reverse_complement"] == "average" and config["model"]["reverse_complement"] is True
    model, _ = load_run(tmp_path / "default")
    assert averages_strands(model)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--out", "r", "--reverse-complement", "both"])
