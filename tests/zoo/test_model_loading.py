"""One loader for every way a model is named; exported weights stored once and restored exactly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from deepmotif.zoo import exported_keras, model_loading
from deepmotif.zoo.architectures import build
from deepmotif.zoo.model_loading import ModelFileError, ModelNotFoundError, load_model, load_run, locate
from deepmotif.zoo.saved_models import export_model

# A version as published before keras_model.json existed (assets.extra/model.keras holds a second copy of the
# weights); republished since, it is kept here so that copies users already pulled keep loading.
LEGACY = Path(__file__).resolve().parent / "data" / "legacy_export" / "GATA1_K562_GATA-1_USC.cnn_rnn" / "2"
HP = {"arch": "cnn_rnn", "seq_len": 24, "filters": [8], "lstm_units": 4, "reverse_complement": True}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A CNN-RNN (BiLSTM and reverse-complement layers) trained for one epoch, as a run and as an export."""
    import keras

    keras.utils.set_random_seed(0)
    root = tmp_path_factory.mktemp("loading")
    model = build(**HP)
    model.compile("adam", "binary_crossentropy")
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype="float32")[rng.integers(0, 4, (64, 24))]
    model.fit(x, rng.integers(0, 2, 64).astype("float32"), epochs=1, verbose=0)
    run = root / "run"
    run.mkdir()
    model.save(run / "model.keras")
    (run / "config.json").write_text(json.dumps({"arch": "cnn_rnn", "dataset": "synthetic_tfbs/gata1", "model": HP}))
    version_dir = export_model(model, "tiny.cnn_rnn", base_dir=root / "exported_models",
                               card={"architecture": "cnn_rnn", "hyperparameters": HP,
                                     "training": {"dataset": "synthetic_tfbs/gata1"}})
    return {"model": model, "x": x, "run": run, "version_dir": version_dir, "root": root,
            "expected": model.predict(x, verbose=0)}


def serving_default(version_dir, x) -> np.ndarray:
    """What TF Serving computes: the SavedModel's `serving_default` signature, without Keras."""
    import tensorflow as tf

    signature = tf.saved_model.load(str(version_dir)).signatures["serving_default"]
    return signature(one_hot=tf.constant(x))["probability"].numpy()


def test_every_reference_kind_loads_the_same_model(trained, monkeypatch):
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(trained["root"] / "exported_models"))
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(trained["root"] / "cache"))
    refs = {
        "run": trained["run"],
        "keras": trained["run"] / "model.keras",
        "export": trained["version_dir"],
        "folder of versions": trained["version_dir"].parent,
        "registry name": "tiny.cnn_rnn",
        "string path": str(trained["version_dir"]),
    }
    for kind, ref in refs.items():
        got = load_model(ref).predict(trained["x"], verbose=0)
        assert np.abs(got - trained["expected"]).max() < 1e-6, kind
    assert locate("tiny.cnn_rnn") == model_loading.ModelSource("export", trained["version_dir"], name="tiny.cnn_rnn")
    assert not (trained["root"] / "cache").exists(), "a local export was copied into the cache"


def test_exported_weights_are_stored_once_and_restored_exactly(trained):
    extra = trained["version_dir"] / "assets.extra"
    assert (extra / exported_keras.KERAS_CONFIG_FILE).is_file() and not (extra / "model.keras").exists()
    restored = load_model(trained["version_dir"])
    assert [w.shape for w in restored.weights] == [w.shape for w in trained["model"].weights]
    for a, b in zip(restored.get_weights(), trained["model"].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert restored.get_layer("logit") is not None and restored.name == trained["model"].name
    served = serving_default(trained["version_dir"], trained["x"])
    assert np.abs(restored.predict(trained["x"], verbose=0) - served).max() < 1e-6


def test_a_default_size_export_keeps_only_the_architecture_beside_its_variables(tmp_path):
    model = build("cnn", seq_len=101)  # 137k parameters: weights dominate
    version_dir = export_model(model, "big.cnn", base_dir=tmp_path)
    variables = sum(p.stat().st_size for p in (version_dir / "variables").iterdir())
    extra = sum(p.stat().st_size for p in (version_dir / "assets.extra").iterdir())
    assert extra < variables / 10, (extra, variables)


def test_versions_exported_with_a_keras_copy_still_load():
    assert (LEGACY / "assets.extra" / "model.keras").is_file()
    assert not (LEGACY / "assets.extra" / exported_keras.KERAS_CONFIG_FILE).exists()
    x = np.eye(4, dtype="float32")[np.random.default_rng(1).integers(0, 4, (16, 101))]
    model, config = load_run(LEGACY)
    assert np.abs(model.predict(x, verbose=0) - serving_default(LEGACY, x)).max() < 1e-6
    assert config["arch"] == "cnn_rnn" and config["model"]["arch"] == "cnn_rnn"
    assert config["dataset"] == "encode_tfbs/GATA1_K562_GATA-1_USC"


def test_load_run_returns_the_run_config_or_the_cards(trained):
    _, config = load_run(trained["run"])
    assert config == {"arch": "cnn_rnn", "dataset": "synthetic_tfbs/gata1", "model": HP}
    _, config = load_run(trained["version_dir"])
    assert config["arch"] == "cnn_rnn" and config["model"] == HP and config["dataset"] == "synthetic_tfbs/gata1"
    hp = model_loading.architecture_hyperparameters(locate(trained["version_dir"]))
    assert hp == HP


def test_lambda_layers_are_never_loaded(trained, tmp_path):
    import keras

    inputs = keras.Input((24, 4))
    outputs = keras.layers.Dense(1)(keras.layers.Lambda(lambda t: t * 2.0)(keras.layers.Flatten()(inputs)))
    unsafe = keras.Model(inputs, outputs)
    unsafe.save(tmp_path / "lambda.keras")
    with pytest.raises(ModelFileError, match="Lambda"):
        load_model(tmp_path / "lambda.keras")

    version_dir = tmp_path / "lambda_export" / "1"
    shutil.copytree(trained["version_dir"], version_dir)
    path = version_dir / "assets.extra" / exported_keras.KERAS_CONFIG_FILE
    document = json.loads(path.read_text())
    document["model"] = keras.saving.serialize_keras_object(unsafe)
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="cannot be rebuilt"):
        load_model(version_dir)


def test_an_export_whose_variables_do_not_fit_is_a_clear_error(trained, tmp_path):
    version_dir = tmp_path / "m" / "1"
    shutil.copytree(trained["version_dir"], version_dir)
    path = version_dir / "assets.extra" / exported_keras.KERAS_CONFIG_FILE
    document = json.loads(path.read_text())
    document["weights"][0]["key"] = "no/such/variable"
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="no value for .* in variables/"):
        load_model(version_dir)


def test_nothing_there_lists_the_paths_tried(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(tmp_path / "none"))
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ModelNotFoundError, match="no such file or directory") as err:
        load_model(tmp_path / "missing.keras")
    assert err.value.searched == [str(tmp_path / "missing.keras")]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="not a run directory") as err:
        load_model(tmp_path / "empty")
    assert str(tmp_path / "empty" / "model.keras") in err.value.searched
    with pytest.raises(ModelNotFoundError, match="Did you mean: GATA1_K562_GATA-1_USC.cnn"):
        load_model("GATA1_K562_GATA-1_USC.cnm", offline=True)
    with pytest.raises(ModelNotFoundError, match="invalid model name"):
        load_model("bad name!")
    assert not (tmp_path / "cache").exists()
