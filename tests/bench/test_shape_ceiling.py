"""The shape-matched ceiling (bench/shape_ceiling.py): the GEMMs it lists are exactly the models' FLOPs,
with the shapes the layers lower to; its arithmetic on given timings. Never asserts a timing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import keras
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import flops  # noqa: E402
import report  # noqa: E402
import shape_ceiling as sc  # noqa: E402
from training_speed import model_config  # noqa: E402

from deepmotif.zoo.architectures import build  # noqa: E402

ARCHS = ("cnn", "rnn", "cnn_rnn")


@pytest.fixture(scope="module")
def default_models():
    """Each architecture's default model as bench/training_speed.py builds it (both strands averaged)."""
    return {arch: build(**model_config(arch)[0]) for arch in ARCHS}


@pytest.mark.parametrize("arch", ARCHS)
def test_forward_gemms_sum_to_the_forward_flops(arch, default_models):
    model = default_models[arch]
    assert sc.gemm_flops(sc.forward_gemms(model, batch=3)) == 3 * flops.forward_flops(model)
    assert sc.gemm_flops(sc.forward_gemms(model, 2, seq_len=201)) == 2 * flops.forward_flops(model, 201)
    single = build(arch)  # one strand, no batch norm: half the products
    assert sc.gemm_flops(sc.forward_gemms(single, 5)) == 5 * flops.forward_flops(single)


@pytest.mark.parametrize("arch", ARCHS)
def test_training_adds_both_gradients_except_the_input_gradient_of_the_first_layer(arch, default_models):
    forward = sc.forward_gemms(default_models[arch], 128)
    train = sc.training_gemms(forward)
    # Keras numbers a layer's auto-generated name once others of that name exist in the process: drop that suffix
    first = {re.sub(r"_[0-9]+$", "", g.layer) for g in forward if not g.input_grad}
    assert first == ({"conv1"} if arch != "rnn" else {"bilstm.forward_lstm", "bilstm.backward_lstm"})
    assert all(g.role == "input projection" for g in forward if arch == "rnn" and not g.input_grad)
    skipped = sc.gemm_flops([g for g in forward if not g.input_grad])
    total = 128 * flops.forward_flops(default_models[arch])
    assert sc.gemm_flops(train) == flops.TRAINING_FACTOR * total - skipped
    assert len(train) == 3 * len(forward) - sum(not g.input_grad for g in forward)


def test_cnn_lowers_to_the_im2col_shapes(default_models):
    train = sc.training_gemms(sc.forward_gemms(default_models["cnn"], 128))
    got = {(g.layer, g.role): (g.m, g.k, g.n, g.count) for g in train}
    # valid convolutions 101 -> 93, pool 46 -> 42, pool 21 -> 19; each once per strand
    assert got[("conv1", "conv (im2col)")] == (128 * 93, 9 * 4, 128, 2)
    assert got[("conv2", "conv (im2col)")] == (128 * 42, 5 * 128, 128, 2)
    assert got[("conv3", "conv (im2col)")] == (128 * 19, 3 * 128, 128, 2)
    assert got[("conv2", "conv (im2col) dX")] == (128 * 42, 128, 5 * 128, 2)
    assert got[("conv2", "conv (im2col) dW")] == (5 * 128, 128 * 42, 128, 2)
    assert got[("logit", "dense")] == (128, 128, 1, 2)
    assert ("conv1", "conv (im2col) dX") not in got


def test_lstm_lowers_to_one_input_projection_and_a_product_per_step(default_models):
    got = {(g.layer, g.role): (g.m, g.k, g.n, g.count) for g in sc.forward_gemms(default_models["cnn_rnn"], 64)}
    for direction in ("forward", "backward"):
        name = next(layer for layer, _ in got if layer.startswith(f"bilstm.{direction}"))
        assert got[(name, "input projection")] == (64 * 101, 128, 4 * 32, 2)
        assert got[(name, "recurrent")] == (64, 32, 4 * 32, 2 * 101)
    assert got[("conv1", "conv (im2col)")] == (64 * 101, 9 * 4, 128, 2)  # same padding keeps 101 positions


def test_a_weighted_layer_without_a_lowering_is_refused():
    inputs = keras.Input((None, 4))
    x = keras.layers.Conv1D(8, 3, name="conv1")(inputs)
    x = keras.layers.LayerNormalization(name="norm")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1, name="logit")(x))
    with pytest.raises(ValueError, match="'norm'.*no GEMM lowering"):
        sc.forward_gemms(model, 2, seq_len=20)


def test_row_blocks_split_exactly():
    assert sc.row_blocks(128 * 93) == [11904, 5952, 2976]
    assert sc.row_blocks(1024 * 93) == [95232, 47616, 23808, 11904, 5952, 2976]
    assert sc.row_blocks(101) == [101]


def test_ceiling_arithmetic_on_given_timings():
    """Timings supplied through the cache (nothing is timed): seconds per batch is the sum of count x
    the best row-block split, sequences/s the batch over it."""
    gemms = [sc.Gemm("conv", "conv (im2col)", 8192, 16, 32, 2), sc.Gemm("lstm", "recurrent", 64, 8, 32, 10)]
    cache = {(8192, 16, 32): 1e-3, (4096, 16, 32): 4e-4, (2048, 16, 32): 3e-4, (64, 8, 32): 1e-5}
    out = sc.shape_ceiling(gemms, batch=64, cache=cache)
    # conv: min(1 ms, 2 x 0.4 ms, 4 x 0.3 ms) = 0.8 ms in blocks of 4096 rows, twice; lstm 10 x 10 us
    assert out["gemms"][0][6] == 4096 and out["gemms"][0][7] == pytest.approx(8e-4)
    assert out["gemm_seconds"] == pytest.approx(2 * 8e-4 + 10 * 1e-5)
    assert out["seq_per_s"] == pytest.approx(64 / (2 * 8e-4 + 10 * 1e-5), rel=1e-3)
    assert out["gflops"] == pytest.approx(sc.gemm_flops(gemms) / (2 * 8e-4 + 10 * 1e-5) / 1e9, abs=0.05)


def test_a_real_timing_and_the_report_fields():
    seconds = sc.gemm_seconds(64, 36, 128, seconds=0.002, repeats=2)
    assert 0 < seconds < 1
    raw = {"flops": {"cnn": 9_606_400}, "ceiling": {"ceiling_gflops": 100.0},
           "training": {"cnn": {"train_seq_per_s": 1000.0}},
           "inference": {"cnn": {1024: {"savedmodel": {"seq_per_s": 3000.0}}}},
           "shape_ceiling": {"cnn": {"train": {"batch": 128, "seq_per_s": 2000.0},
                                     "infer": {"batch": 1024, "seq_per_s": 4000.0}},
                             "square_gflops": 100.0, "passes": 1, "repeats": 3}}
    doc = report.summarize(raw, {})
    cnn = doc["architectures"]["cnn"]
    assert (cnn["train_pct_of_shape_ceiling"], cnn["infer_pct_of_shape_ceiling"]) == (50.0, 75.0)
    # 2,000 seq/s x 3 x 9.6 MFLOP = 57.6 GFLOP/s of a 100 GFLOP/s ceiling
    assert cnn["train_shape_ceiling_pct_of_ceiling"] == 57.6
    assert doc["architectures"]["rnn"]["train_pct_of_shape_ceiling"] is None
    doc["training"] = None  # its per-round table needs a whole training section
    page = report.markdown(doc)
    assert "### Shape-matched ceiling" in page and "| cnn | 2,000 | 57.6 | 50.0 | 4,000 | 38.4 | 75.0 |" in page
