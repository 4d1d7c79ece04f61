"""What a newcomer sees on the command line: our lines, not TensorFlow's, absl's or TFDS's chatter."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from deepmotif.cli.plain_output import keras_verbose, native_stderr_filtered

NOISE = ("cuInit", "absl::InitializeLog", "oneDNN custom operations", "cuda drivers", "dtype` is deprecated",
         "WARNING:absl", "Downloading and preparing dataset", "Generating splits", "examples/s")


def _deepmotif(*args, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_CPP", "ABSL"))}  # the defaults a user has
    return subprocess.run([sys.executable, "-m", "deepmotif.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def test_data_list_prints_the_list_and_no_library_chatter(tmp_path):
    done = _deepmotif("data", "list", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "synthetic_tfbs/grammar" in done.stdout
    assert [n for n in NOISE if n in done.stderr + done.stdout] == [], done.stderr[-2000:]


def test_data_build_says_what_it_built_without_progress_bars_or_download_lines(tmp_path):
    done = _deepmotif("data", "build", "synthetic_tfbs/tiny", "--data-dir", str(tmp_path / "tfds"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "synthetic_tfbs/tiny: test 200, train 360, validation 40" in done.stdout
    assert [n for n in NOISE if n in done.stderr + done.stdout] == [], done.stderr[-2000:] + done.stdout


def test_native_noise_is_dropped_and_real_errors_kept(capfd):
    with native_stderr_filtered():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
                    b"I0000 00:00:1795699820.742459    1046 port.cc:153] oneDNN custom operations are on.\n"
                    b"E0000 00:00:1795699841.850753    1879 some_kernel.cc:52] a real failure\n"
                    b"To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow.\n")
        print("python's own stderr line", file=sys.stderr)
    err = capfd.readouterr().err
    assert sorted(err.splitlines()) == ["E0000 00:00:1795699841.850753    1879 some_kernel.cc:52] a real failure",
                                        "python's own stderr line"]


def test_keras_progress_bars_only_on_a_terminal(monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert (keras_verbose(1), keras_verbose(0), keras_verbose(2)) == (2, 0, 2)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert keras_verbose(1) == 1


def test_tomtom_compile_is_announced_only_when_not_cached():
    from deepmotif.datasets.jaspar import load_motifs
    from deepmotif.interpret.motifs import match_jaspar, tomtom_is_compiled

    gata1, ctcf = load_motifs(["GATA1", "CTCF"])
    best = match_jaspar([gata1.probabilities], top=1, targets=[gata1, ctcf])[0][0]
    assert best["name"] == "GATA1"
    assert tomtom_is_compiled()  # numba cached what it just compiled (or had compiled before)


@pytest.mark.parametrize("argv", [["--help"], ["data", "--help"]])
def test_help_is_quick_to_read_and_has_no_chatter(argv, tmp_path):
    done = _deepmotif(*argv, cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
