"""The benchmark's arithmetic and output format (bench/run.py): FLOP counts per architecture and the
keys of docs/benchmarks.json. Never asserts a timing: speed belongs in bench/, not in tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import flops  # noqa: E402
import report  # noqa: E402

from deepmotif.zoo.architectures import build  # noqa: E402
from deepmotif.zoo.hyperparameters import architecture_config  # noqa: E402


def _conv_flops(length, kernel, c_in, c_out):
    return 2 * length * kernel * c_in * c_out


def _lstm_flops(steps, c_in, units):
    return 2 * steps * 4 * units * (c_in + units) * 2  # four gates, two directions


def _paper_flops(arch: str, seq_len: int = 101) -> int:
    """The paper's layer sizes (hyperparameters.DEFAULTS) counted by hand, independently of Keras."""
    cfg = architecture_config(arch, seq_len)
    if arch == "cnn":
        total, length, c_in = 0, seq_len, 4
        for i, (f, k) in enumerate(zip(cfg["filters"], cfg["kernel_sizes"])):
            length = length - k + 1  # valid convolution
            total += _conv_flops(length, k, c_in, f)
            c_in = f
            if i < len(cfg["filters"]) - 1:
                length //= cfg["pool_size"]
        return total + 2 * c_in
    units = cfg["lstm_units"]
    if arch == "rnn":
        return _lstm_flops(seq_len, 4, units) + 2 * 2 * units
    f, k = cfg["filters"][0], cfg["kernel_sizes"][0]  # same-padded convolution, then the bi-LSTM
    return _conv_flops(seq_len, k, 4, f) + _lstm_flops(seq_len, f, units) + 2 * 2 * units


@pytest.mark.parametrize("arch", ["cnn", "rnn", "cnn_rnn"])
def test_forward_flops_match_the_layer_sizes(arch):
    model = build(arch)
    assert flops.forward_flops(model) == _paper_flops(arch)
    assert flops.forward_flops(model, seq_len=201) == _paper_flops(arch, 201)  # lengths read, not assumed
    # a model that scores both strands runs its network twice
    assert flops.forward_flops(build(arch, reverse_complement=True)) == 2 * _paper_flops(arch)


def test_cnn_flops_are_millions_and_batch_norm_adds_none():
    assert flops.forward_flops(build("cnn")) == 9_606_400  # 0.86 M + 6.88 M + 1.87 M multiply-adds x2
    assert flops.forward_flops(build("cnn", batch_norm=True)) == flops.forward_flops(build("cnn"))


def test_pct_of_ceiling():
    # 1,000 seq/s of 10 MFLOP each on a 100 GFLOP/s machine use a tenth of it
    assert report.pct_of_ceiling(1000, 10e6, 100) == 10.0
    assert report.pct_of_ceiling(None, 10e6, 100) is None


def test_json_document_keys_from_a_real_partial_run():
    """Ceiling and FLOP counts measured for real, other sections absent: every key the issue names is
    present, measured values are numbers, unmeasured ones are None and their targets 'not measured'."""
    raw = {"flops": {a: flops.forward_flops(build(a)) for a in ("cnn", "rnn", "cnn_rnn")},
           "ceiling": flops.matmul_ceiling(seconds=0.2, sizes=(256,)),
           "inference": {"cnn": {1024: {"savedmodel": {"seq_per_s": 5000.0}, "torch": {"seq_per_s": 2500.0}}}}}
    doc = report.summarize(raw, {"quick": True})
    assert set(report.TOP_KEYS) <= set(doc)
    assert set(doc["architectures"]) == {"cnn", "rnn", "cnn_rnn"}
    for row in doc["architectures"].values():
        assert set(report.ARCH_KEYS) <= set(row)
    assert doc["ceiling_gflops"] > 0
    cnn = doc["architectures"]["cnn"]
    assert cnn["infer_over_torch"] == 2.0
    assert cnn["infer_pct_of_ceiling"] == pytest.approx(100 * 5000 * 9_606_400 / (doc["ceiling_gflops"] * 1e9), abs=0.05)
    assert cnn["train_seq_per_s"] is None and cnn["train_pct_of_ceiling"] is None
    met = {t["target"]: t["met"] for t in doc["targets"]}
    assert met["cnn: SavedModel inference >= PyTorch (batch 1024)"] is True
    assert met["rnn: training >= 1.5x PyTorch"] is None
    json.loads(json.dumps(doc, default=str))  # what run.py writes
    page = report.markdown(doc, "## Change log\n")
    assert "## Targets" in page and "not measured" in page and page.rstrip().endswith("## Change log")


def test_render_replaces_only_the_appended_log(tmp_path):
    """`run.py --render` swaps the optimization log at the end of benchmarks.md for the current one and
    leaves the measured part alone; a page without the log is refused, not overwritten."""
    import run

    log_text = run.LOG.read_text().strip()
    measured = "# Benchmarks\n\n| target | measured |\n|---|---|\n| x | 1.5 |\n\n"
    (tmp_path / "benchmarks.md").write_text(measured + log_text.splitlines()[0] + "\nan older log\n")
    assert run.main(["--render", "--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / "benchmarks.md").read_text() == measured + log_text + "\n"
    (tmp_path / "benchmarks.md").write_text(measured)
    with pytest.raises(SystemExit, match="does not contain the log"):
        run.main(["--render", "--out-dir", str(tmp_path)])
    assert (tmp_path / "benchmarks.md").read_text() == measured
    with pytest.raises(SystemExit, match="does not exist"):
        run.main(["--render", "--out-dir", str(tmp_path / "nowhere")])
