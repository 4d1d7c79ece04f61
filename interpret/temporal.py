"""Temporal output scores (the Deep Motif Dashboard's second view) for `rnn` and `cnn_rnn`.

For every position t, `forward[t]` is the model's binding probability when the bi-LSTM sees
only the prefix `0..t` and `reverse[t]` when it sees only the suffix `t..L-1`. As in the
paper's code the convolution (cnn_rnn) runs on the whole sequence; only the LSTM's view is cut.

The missing direction: the model reads its input with both LSTM directions and averages each
over time. Given a prefix, *both* directions read only the prefix, exactly as if the sequence
ended at t (the backward LSTM then starts at t); given a suffix, both read only the suffix.
So `forward[L-1] == reverse[0] ==` the model's own prediction, and for `rnn` `forward[t-1]` is
the prediction of the same weights on the truncated sequence `x[:, :t]`.

Cost: the direction that reads along the cut is causal, so its prefix means are a cumulative
mean of one full pass. The other direction is re-run for every t at once: the batch is
expanded to `(batch * L, L, C)` with a mask per t (masked steps leave the LSTM state alone).
Models with `reverse_complement=True` are scored on their forward-strand network.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from deepmotif.interpret.batching import compiled, run_batched
from deepmotif.interpret.errors import UnsupportedModelError
from deepmotif.interpret.inputs import check_input
from deepmotif.interpret.logits import float32_model


def recurrent_core(model: keras.Model) -> keras.Model:
    """The (sub)model that holds the `bilstm` layer; `UnsupportedModelError` if there is none."""
    names = [layer.name for layer in model.layers]
    if "bilstm" in names:
        return model
    for layer in model.layers:
        if isinstance(layer, keras.Model) and "bilstm" in [sub.name for sub in layer.layers]:
            return layer
    raise UnsupportedModelError(
        f"temporal scores need a recurrent model (a 'bilstm' layer: arch rnn or cnn_rnn); "
        f"model {model.name!r} has none (layers: {', '.join(names[:8])}{' ...' if len(names) > 8 else ''})")


def _masked_mean(seq, mask):
    """Mean over time of `seq (B, L, U)` where `mask (B, L)` is true."""
    weights = tf.cast(mask, seq.dtype)[..., None]
    return tf.reduce_sum(seq * weights, axis=1) / tf.reduce_sum(weights, axis=1)


def _make_temporal(core: keras.Model, seq_len: int):
    bilstm = core.get_layer("bilstm")
    features = keras.Model(core.inputs, bilstm.input)
    logit = core.get_layer("logit")  # dropout between bilstm_mean and logit is identity at inference
    steps = tf.range(seq_len)
    prefix = steps[None, :] <= steps[:, None]   # prefix[t, s]: position s is in 0..t
    suffix = steps[None, :] >= steps[:, None]   # suffix[t, s]: position s is in t..L-1
    counts = tf.cast(tf.range(1, seq_len + 1), tf.float32)[None, :, None]

    @tf.function(input_signature=[tf.TensorSpec((None, seq_len, 4), tf.float32)], reduce_retracing=True)
    def temporal(batch):
        feats = features(batch, training=False)
        n = tf.shape(feats)[0]
        forward_full, backward_full = bilstm(feats, training=False)
        forward_prefix = tf.cumsum(forward_full, axis=1) / counts                      # (n, L, U)
        backward_suffix = tf.cumsum(backward_full, axis=1, reverse=True) / tf.reverse(counts, [1])

        expanded = tf.repeat(feats, seq_len, axis=0)                                    # (n*L, L, C)
        prefix_mask = tf.tile(prefix, [n, 1])
        suffix_mask = tf.tile(suffix, [n, 1])
        backward_on_prefix = tf.reverse(
            bilstm.backward_layer(expanded, mask=prefix_mask, training=False), [1])
        forward_on_suffix = bilstm.forward_layer(expanded, mask=suffix_mask, training=False)
        units = tf.shape(forward_full)[-1]
        fwd_inputs = tf.concat([tf.reshape(forward_prefix, [-1, units]),
                                _masked_mean(backward_on_prefix, prefix_mask)], axis=-1)
        rev_inputs = tf.concat([_masked_mean(forward_on_suffix, suffix_mask),
                                tf.reshape(backward_suffix, [-1, units])], axis=-1)
        forward_score = tf.sigmoid(tf.cast(logit(fwd_inputs), tf.float32))
        reverse_score = tf.sigmoid(tf.cast(logit(rev_inputs), tf.float32))
        return tf.reshape(forward_score, [n, seq_len]), tf.reshape(reverse_score, [n, seq_len])

    return temporal


def temporal_scores(model, x, batch_size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Temporal output scores (the Deep Motif Dashboard's second view) of a recurrent model.

    `forward[:, t]` is P(bound) given only the sequence up to position t, `reverse[:, t]` given only
    the sequence from t on: where a score jumps, the model has read what it needs. Both LSTM
    directions see only the prefix (suffix); convolutions see the whole sequence.

    Parameters
    ----------
    model : keras.Model
        A DeepMotif `rnn` or `cnn_rnn` model (with a `bilstm` layer).
    x : numpy.ndarray, shape (n, L, 4)
        One-hot sequences (tokens `(n, L)` are one-hot encoded first).
    batch_size : int, default 16
        Sequences per call; each expands to `L` LSTM runs.

    Returns
    -------
    forward : numpy.ndarray, shape (n, L), float32
    reverse : numpy.ndarray, shape (n, L), float32
    """
    recurrent_core(model)  # fail early, before any work, on a model without `bilstm`
    x = check_input(model, x)
    seq_len = x.shape[1]
    fn = compiled(model, ("temporal", seq_len),
                  lambda: _make_temporal(recurrent_core(float32_model(model)), seq_len))
    return run_batched(fn, x, batch_size)
