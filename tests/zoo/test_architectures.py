"""The three architectures: shapes, layer-name contract, paper hyperparameters, RC averaging, saving."""

import numpy as np
import pytest

import keras

from deepmotif.core.errors import UnknownNameError
from deepmotif.core.sequences import one_hot
from deepmotif.zoo.architectures import (ARCHITECTURES, ReverseComplement, architecture_config, averages_strands,
                                         build, logit_model, recorded_window)

L = 40


def _x(n=6, length=L, seed=0):
    return one_hot(np.random.default_rng(seed).integers(0, 5, (n, length)).astype(np.uint8)).astype("float32")


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_shapes_and_named_layers(arch):
    model = build(arch, seq_len=L)
    assert model.input_shape == (None, None, 4)  # any length in; the trained window is recorded
    assert recorded_window(model) == L and model.get_layer("window").length == L
    assert model.output_shape == (None, 1)
    names = {layer.name for layer in model.layers}
    assert {"logit", "probability"} <= names
    expected = {"cnn": {"conv1", "conv2", "conv3"}, "rnn": {"bilstm", "forward_mean", "backward_mean"},
                "cnn_rnn": {"conv1", "bilstm", "forward_mean", "backward_mean"}}[arch]
    assert expected <= names
    p = np.asarray(model.predict(_x(), verbose=0))
    assert p.shape == (6, 1) and np.all((p > 0) & (p < 1))
    logit = np.asarray(logit_model(model).predict(_x(), verbose=0))
    np.testing.assert_allclose(1 / (1 + np.exp(-logit)), p, rtol=1e-5, atol=1e-6)


def test_paper_hyperparameters():
    cnn = build("cnn")
    assert [cnn.get_layer(f"conv{i}").kernel.shape for i in (1, 2, 3)] == [(9, 4, 128), (5, 128, 128), (3, 128, 128)]
    rnn = build("rnn")
    assert rnn.get_layer("bilstm").output[0].shape == (None, None, 32)  # merge_mode=None: one per direction
    assert rnn.get_layer("bilstm_mean").output.shape == (None, 64)
    cnn_rnn = build("cnn_rnn")
    assert cnn_rnn.get_layer("conv1").output.shape == (None, None, 128)  # "same" padding
    assert architecture_config("cnn")["dropout"] == 0.5


def test_overrides_are_recorded_and_checked():
    cfg = architecture_config("cnn_rnn", seq_len=60, lstm_units=8, batch_norm=True)
    assert cfg["lstm_units"] == 8 and cfg["batch_norm"] and cfg["seq_len"] == 60
    model = build(**cfg)
    assert model.get_layer("bilstm").output[0].shape[-1] == 8 and recorded_window(model) == 60
    assert "conv1_bn" in {layer.name for layer in model.layers}
    with pytest.raises(UnknownNameError, match="lstm_units"):
        architecture_config("cnn", lstm_units=3)
    with pytest.raises(UnknownNameError, match="cnn_rnn"):
        build("cnnrnn")


@pytest.mark.parametrize("arch", ["cnn", "cnn_rnn"])
def test_reverse_complement_flag_makes_strands_agree(arch, tmp_path):
    small = {"cnn": {"filters": [8, 8, 8]}, "cnn_rnn": {"filters": [8], "lstm_units": 4}}[arch]
    model = build(arch, seq_len=L, reverse_complement=True, **small)
    x = _x()
    rc = np.asarray(ReverseComplement()(x))
    np.testing.assert_array_equal(rc[:, ::-1, ::-1], x)
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(rc, verbose=0), rtol=1e-5, atol=1e-6)
    plain = build(arch, seq_len=L, **small)
    assert not np.allclose(plain.predict(x, verbose=0), plain.predict(rc, verbose=0), atol=1e-6)
    assert averages_strands(model) and not averages_strands(plain)
    model.save(tmp_path / "rc.keras")
    again = keras.saving.load_model(tmp_path / "rc.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert recorded_window(again) == L and averages_strands(again)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_longer_inputs_are_accepted_and_the_window_survives_saving(arch, tmp_path):
    small = {"cnn": {"filters": [8, 8, 8]}, "rnn": {"lstm_units": 4}, "cnn_rnn": {"filters": [8], "lstm_units": 4}}[arch]
    model = build(arch, seq_len=L, **small)
    p = np.asarray(model.predict(_x(3, length=3 * L), verbose=0))
    assert p.shape == (3, 1) and np.all((p > 0) & (p < 1))
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    assert recorded_window(again) == L and again.input_shape == (None, None, 4)
    np.testing.assert_allclose(again.predict(_x(), verbose=0), model.predict(_x(), verbose=0), rtol=1e-6)


def test_models_saved_with_a_fixed_input_length_still_report_it():
    inputs = keras.Input((L, 4))
    old = keras.Model(inputs, keras.layers.Dense(1, name="logit")(keras.layers.Flatten()(inputs)))
    assert recorded_window(old) == L and not averages_strands(old)
