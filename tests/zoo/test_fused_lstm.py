"""The fused bidirectional LSTM of exported graphs scores exactly as the Keras model it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.core.sequences import detokenize, one_hot
from deepmotif.zoo.architectures import build
from deepmotif.zoo.exported_keras import weight_keys
from deepmotif.zoo.fused_lstm import (FusedBidirectionalLSTM, bidirectional_lstm, block_lstm, fusable, implementation,
                                      inference_model)
from deepmotif.zoo.layer_walk import all_layers, weighted_layer
from deepmotif.zoo.prediction import predict
from deepmotif.zoo.saved_models import write_saved_model

SEQ_LEN = 16
TOLERANCE = 1e-5
SMALL = {"rnn": dict(lstm_units=4), "cnn_rnn": dict(filters=[6], kernel_sizes=[5], lstm_units=4)}
MODELS = [(arch, strands) for arch in ("rnn", "cnn_rnn") for strands in (False, True)]


def scrambled(arch: str, reverse_complement: bool):
    """A tiny model whose every weight is random (biases too), so that every gate and both
    directions matter for the score."""
    model = build(arch, seq_len=SEQ_LEN, reverse_complement=reverse_complement, **SMALL[arch])
    rng = np.random.default_rng(len(arch) + reverse_complement)
    for weight in model.weights:
        weight.assign(rng.normal(0.0, 0.7, weight.shape).astype(np.float32))
    return model


def random_tokens(n: int, length: int = SEQ_LEN, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 5, (n, length), dtype=np.uint8)  # N (4) included


def keras_lstm_weights(layer):
    import tensorflow as tf

    cells = (layer.forward_layer.cell, layer.backward_layer.cell)
    return [tf.stack([getattr(cell, name).value for cell in cells]) for name in ("kernel", "recurrent_kernel", "bias")]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """`{(arch, strands): (keras model, loaded SavedModel, its path)}` for rnn and cnn_rnn, with and
    without strand averaging, each written by `write_saved_model`."""
    import tensorflow as tf

    out = {}
    for arch, strands in MODELS:
        model = scrambled(arch, strands)
        path = tmp_path_factory.mktemp(f"{arch}_{strands}")
        write_saved_model(model, path)
        out[arch, strands] = (model, tf.saved_model.load(str(path)), path)
    return out


@pytest.mark.parametrize("arch,strands", MODELS)
@pytest.mark.parametrize("batch", [0, 1, 7, 1024])
def test_exported_one_hot_signatures_equal_keras(exported, arch, strands, batch):
    import tensorflow as tf

    model, loaded, _ = exported[arch, strands]
    x = one_hot(random_tokens(batch, seed=batch))
    probability = loaded.signatures["serving_default"](one_hot=tf.constant(x))["probability"].numpy()
    logit = loaded.signatures["predict_logits"](one_hot=tf.constant(x))["logit"].numpy()
    assert probability.shape == logit.shape == (batch, 1)
    if batch:
        np.testing.assert_allclose(probability[:, 0], predict(model, x), rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(logit[:, 0], predict(model, x, output="logit"), rtol=0, atol=TOLERANCE)
    if batch > 1:
        assert np.ptp(logit) > 0.1  # the scores are not all alike, so equality means something


@pytest.mark.parametrize("arch,strands", MODELS)
def test_exported_string_signatures_equal_keras_on_longer_sequences(exported, arch, strands):
    import tensorflow as tf

    model, loaded, _ = exported[arch, strands]
    lengths = [SEQ_LEN, SEQ_LEN + 1, 3 * SEQ_LEN + 5, 2 * SEQ_LEN]
    rows = [random_tokens(1, n, seed=n)[0] for n in lengths]
    strings = tf.constant([detokenize(row) for row in rows])
    scanned = loaded.signatures["scan_sequences"](sequences=strings)
    best = loaded.signatures["predict_sequences"](sequences=strings)
    for i, row in enumerate(rows):
        windows = np.lib.stride_tricks.sliding_window_view(row, SEQ_LEN)
        expected = predict(model, one_hot(windows))
        assert scanned["windows"].numpy()[i] == len(windows)
        np.testing.assert_allclose(scanned["probability"].numpy()[i, :len(windows)], expected, rtol=0, atol=TOLERANCE)
        assert best["position"].numpy()[i] == int(np.argmax(expected))
        np.testing.assert_allclose(best["probability"].numpy()[i, 0], expected.max(), rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("arch,strands", MODELS)
def test_export_stores_each_weight_once_and_leaves_the_model_alone(exported, arch, strands):
    import tensorflow as tf

    model, _, path = exported[arch, strands]
    stored = [name for name, _ in tf.train.list_variables(str(path / "variables" / "variables"))
              if name.endswith("VARIABLE_VALUE")]
    keys = [entry["key"] for entry in weight_keys(model, path)]  # raises if a weight is missing
    assert sorted(keys) == sorted(stored)
    assert any(isinstance(layer, FusedBidirectionalLSTM) for layer in all_layers(inference_model(model)))
    assert not any(isinstance(layer, FusedBidirectionalLSTM) for layer in all_layers(model))


def test_fused_layer_shares_the_weights_and_equals_keras_for_both_merges():
    import keras

    x = np.random.default_rng(1).normal(size=(5, 9, 3)).astype(np.float32)
    rng = np.random.default_rng(2)
    for merge in (None, "concat"):
        layer = keras.layers.Bidirectional(keras.layers.LSTM(6, return_sequences=True), merge_mode=merge)
        layer(x)
        for weight in layer.weights:
            weight.assign(rng.normal(0.0, 0.7, weight.shape).astype(np.float32))
        fused = FusedBidirectionalLSTM(layer)
        assert {id(w) for w in fused.weights} == {id(w) for w in layer.weights}
        expected, got = layer(x, training=False), fused(x)
        for e, g in zip(keras.tree.flatten(expected), keras.tree.flatten(got)):
            assert tuple(g.shape) == tuple(e.shape)
            np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=0, atol=TOLERANCE)


def test_the_tiny_models_exercise_both_implementations():
    from deepmotif.zoo.fused_lstm import training_implementation

    for arch, expected, trained_by in (("rnn", bidirectional_lstm, block_lstm), ("cnn_rnn", block_lstm, None)):
        layer = weighted_layer(scrambled(arch, False), "bilstm")
        assert implementation(layer.input.shape[-1], layer.forward_layer.units) is expected
        assert training_implementation(layer.input.shape[-1], layer.forward_layer.units) is trained_by


@pytest.mark.parametrize("lstm", [bidirectional_lstm, block_lstm])
def test_wrong_gate_order_or_directions_would_be_caught(lstm):
    """Each implementation equals Keras' layer step by step, and the fixtures are sensitive:
    swapping two gates' columns or the two directions moves the outputs far past the tolerance."""
    import tensorflow as tf

    model = scrambled("rnn", False)
    layer = weighted_layer(model, "bilstm")
    kernels, recurrent, biases = keras_lstm_weights(layer)
    x = tf.constant(one_hot(random_tokens(7)))
    forward, backward = layer(x, training=False)
    got = lstm(x, kernels, recurrent, biases)
    np.testing.assert_allclose(got[0], forward, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(got[1], backward, rtol=0, atol=TOLERANCE)

    def swap_gates(w, a, b):  # Keras order i, f, c, o: swap gate a and gate b
        parts = tf.split(w, 4, axis=-1)
        parts[a], parts[b] = parts[b], parts[a]
        return tf.concat(parts, -1)

    for a, b in [(0, 1), (1, 2), (2, 3), (0, 3)]:
        wrong = lstm(x, swap_gates(kernels, a, b), swap_gates(recurrent, a, b), swap_gates(biases, a, b))
        assert np.abs(wrong[0] - forward).max() > 100 * TOLERANCE
    swapped = lstm(x, kernels[::-1], recurrent[::-1], biases[::-1])
    assert np.abs(swapped[1] - backward).max() > 100 * TOLERANCE
    reversed_input = lstm(x[:, ::-1], kernels, recurrent, biases)
    assert np.abs(reversed_input[1][:, ::-1] - backward).max() > 100 * TOLERANCE


def test_only_float32_bidirectional_lstms_are_fused():
    import keras

    assert fusable(keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True)))
    assert not fusable(keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), dtype="mixed_bfloat16"))
    assert not fusable(keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True)))
    assert not fusable(keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=False)))
    assert not fusable(keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True, activation="relu")))
    cnn = build("cnn", seq_len=SEQ_LEN, filters=[4, 4, 4], kernel_sizes=[3, 3, 3])
    assert inference_model(cnn) is cnn


@pytest.mark.parametrize("arch", ["rnn", "cnn_rnn"])
@pytest.mark.parametrize("lstm", [bidirectional_lstm, block_lstm])
def test_gradients_equal_keras_for_weights_and_inputs(arch, lstm):
    """Training differentiates the fused kernels: their gradients with respect to every weight and to
    the input equal those of Keras' own loops (TensorFlow's BlockLSTMV2 fails this: its gradient
    is wrong, worst on the forget and cell gates)."""
    import tensorflow as tf

    model = scrambled(arch, False)
    layer = weighted_layer(model, "bilstm")
    weights = [tf.Variable(w) for w in keras_lstm_weights(layer)]
    x = tf.constant(np.random.default_rng(3).normal(size=(6, SEQ_LEN, layer.input.shape[-1])).astype(np.float32))
    probes = tf.constant(np.random.default_rng(4).normal(size=(2, 6, SEQ_LEN, 4)).astype(np.float32))

    def gradients(outputs_of):
        with tf.GradientTape() as tape:
            tape.watch(x)
            forward, backward = outputs_of(x)
            loss = tf.reduce_sum(forward * probes[0]) + tf.reduce_sum(backward * probes[1])
        return tape.gradient(loss, [*weights, x])

    cells = (layer.forward_layer.cell, layer.backward_layer.cell)
    keras_weights = [cell.kernel for cell in cells] + [cell.recurrent_kernel for cell in cells] + [cell.bias for cell in cells]

    with tf.GradientTape() as tape:
        tape.watch(x)
        forward, backward = layer.forward_layer(x), tf.reverse(layer.backward_layer(x), [1])
        loss = tf.reduce_sum(forward * probes[0]) + tf.reduce_sum(backward * probes[1])
    expected = tape.gradient(loss, [*keras_weights, x])
    expected = [tf.stack(expected[0:2]), tf.stack(expected[2:4]), tf.stack(expected[4:6]), expected[6]]
    got = gradients(lambda inputs: lstm(inputs, *weights))
    for name, e, g in zip(("kernel", "recurrent_kernel", "bias", "input"), expected, got):
        scale = float(tf.reduce_max(tf.abs(e)))
        assert scale > 0.1, name
        np.testing.assert_allclose(g, e, rtol=0, atol=1e-5 * scale, err_msg=name)


def test_built_models_train_like_keras_and_save_as_keras_layers(tmp_path, monkeypatch):
    """`build` uses `FusedBidirectional`: a few optimizer steps give the weights Keras' own
    `Bidirectional` gives (same start, same data), and the model saves and loads with the class."""
    import keras

    from deepmotif.zoo import fused_lstm
    from deepmotif.zoo.fused_lstm import FusedBidirectional

    tokens = random_tokens(64, seed=5)
    x, y = one_hot(tokens), (tokens == 2).sum(1, keepdims=True).astype(np.float32) > 3

    traced = []
    monkeypatch.setattr(fused_lstm, "block_lstm", lambda *args: traced.append(1) or block_lstm(*args))

    def trained(fused: bool):
        monkeypatch.setattr(fused_lstm, "runs_fused", lambda layer: fused and fusable(layer))
        keras.utils.set_random_seed(0)  # the same dropout masks in both
        model = scrambled("rnn", True)
        assert isinstance(weighted_layer(model, "bilstm"), FusedBidirectional)
        model.compile(optimizer=keras.optimizers.SGD(0.2), loss="binary_crossentropy")
        model.fit(x, y.astype(np.float32), batch_size=16, epochs=2, shuffle=False, verbose=0)
        return model

    fused_model = trained(True)
    assert traced  # training ran the block kernels
    keras_model = trained(False)
    moved = max(float(np.abs(a - b).max()) for a, b in zip(fused_model.get_weights(), scrambled("rnn", True).get_weights()))
    assert moved > 1e-2  # training moved the weights, so equal weights below mean equal training
    for a, b in zip(fused_model.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-4)

    monkeypatch.undo()
    path = tmp_path / "rnn.keras"
    fused_model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(weighted_layer(loaded, "bilstm"), FusedBidirectional)
    np.testing.assert_allclose(predict(loaded, tokens), predict(fused_model, tokens), rtol=0, atol=1e-6)


def test_fused_kernels_run_only_where_they_compute_the_layer():
    import keras

    from deepmotif.zoo.fused_lstm import FusedBidirectional, runs_fused

    assert runs_fused(FusedBidirectional(keras.layers.LSTM(4, return_sequences=True)))  # TF backend, CPU, float32
    assert not runs_fused(FusedBidirectional(keras.layers.LSTM(4, return_sequences=True), dtype="mixed_float16"))
    assert not runs_fused(FusedBidirectional(keras.layers.LSTM(4, return_sequences=True, dropout=0.2)))


@pytest.mark.parametrize("arch", ["rnn", "cnn_rnn"])
def test_differentiated_twin_gives_keras_input_gradients_through_the_fastest_kernels(arch, monkeypatch):
    """`inference_model(..., differentiated=True)` (what saliency differentiates) has Keras's input
    gradients, and the RNN's narrow LSTM runs through `block_lstm` there (the loop at inference)."""
    import tensorflow as tf

    from deepmotif.zoo import fused_lstm
    from deepmotif.zoo.architectures import logit_model

    used = []
    for name in ("block_lstm", "bidirectional_lstm"):
        original = getattr(fused_lstm, name)
        monkeypatch.setattr(fused_lstm, name, lambda *a, original=original, name=name: used.append(name) or original(*a))
    model = logit_model(scrambled(arch, True))
    twin = inference_model(model, differentiated=True)
    x = tf.constant(one_hot(random_tokens(6)))

    def input_gradient(m):
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = tf.reduce_sum(m(x, training=False))
        return tape.gradient(score, x).numpy()

    with monkeypatch.context() as keras_loops:
        keras_loops.setattr(fused_lstm, "runs_fused", lambda layer: False)  # the model itself: Keras's own loops
        expected = input_gradient(model)
    assert not used
    got = input_gradient(twin)
    assert used and set(used) == {"block_lstm"}  # rnn: training's choice; cnn_rnn: block at inference too
    assert np.abs(expected).max() > 1e-3
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * np.abs(expected).max())
