"""`deepmotif interpret ...` end to end on a saved model and a FASTA file."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.core.sequences import detokenize


def _cli(argv) -> int:
    from deepmotif.cli.main import main

    return main(argv)


@pytest.fixture(scope="module")
def fasta(ctcf_test, tmp_path_factory):
    path = tmp_path_factory.mktemp("fasta") / "seqs.fa"
    tokens = ctcf_test["x"][:4].argmax(-1)
    path.write_text("".join(f">seq{i}\n{detokenize(t)}\n" for i, t in enumerate(tokens)))
    return path


def test_saliency_ism_and_motifs_write_numbers_and_figures(cnn_file, fasta, tmp_path, jaspar_targets):
    out = tmp_path / "out"
    assert _cli(["interpret", "saliency", "--model", str(cnn_file), "--fasta", str(fasta), "--out", str(out),
                 "--method", "grad_x", "--plot-n", "1"]) == 0
    saved = np.load(out / "saliency.npz")
    assert saved["saliency"].shape == (4, 101, 4) and list(saved["id"]) == ["seq0", "seq1", "seq2", "seq3"]
    assert (out / "saliency.png").is_file() and (out / "saliency.svg").is_file() and (out / "saliency.json").is_file()
    assert _cli(["interpret", "ism", "--model", str(cnn_file), "--fasta", str(fasta), "--out", str(out),
                 "--plot-n", "1"]) == 0
    assert np.load(out / "ism.npz")["ism"].shape == (4, 101, 4)
    assert _cli(["interpret", "motifs", "--model", str(cnn_file), "--fasta", str(fasta), "--out", str(out),
                 "--show", "2", "--top", "2"]) == 0
    rows = (out / "motifs_matches.tsv").read_text().splitlines()
    assert rows[0].split("\t")[:5] == ["query", "rank", "matrix_id", "name", "p_value"] and len(rows) > 1
    assert (out / "motifs.png").is_file()


def test_optimize_writes_pwms_and_matches(cnn_file, tmp_path, jaspar_targets):
    out = tmp_path / "opt"
    assert _cli(["interpret", "optimize", "--model", str(cnn_file), "--out", str(out), "--restarts", "2",
                 "--steps", "50", "--top", "3"]) == 0
    saved = np.load(out / "optimize.npz")
    assert saved["pwms"].shape == (2, 101, 4) and saved["scores"].shape == (2,)
    assert len((out / "optimize_matches.tsv").read_text().splitlines()) == 1 + 2 * 3
    assert (out / "optimize.svg").is_file()


def test_errors_exit_2_with_a_message(cnn_file, fasta, tmp_path, capsys):
    assert _cli(["interpret", "temporal", "--model", str(cnn_file), "--fasta", str(fasta),
                 "--out", str(tmp_path)]) == 2
    assert "need a recurrent model" in capsys.readouterr().err
    bad = tmp_path / "bad.fa"
    bad.write_text(">x\n" + "ACGT" * 25 + "\n")
    assert _cli(["interpret", "saliency", "--model", str(cnn_file), "--fasta", str(bad), "--out", str(tmp_path)]) == 2
    assert f"{bad}:1: record 'x' is 100 bases long; the model takes 101" in capsys.readouterr().err
    notmodel = tmp_path / "m.keras"
    notmodel.write_text("x")
    assert _cli(["interpret", "ism", "--model", str(notmodel), "--fasta", str(fasta), "--out", str(tmp_path)]) == 2
    assert "not a loadable Keras model file" in capsys.readouterr().err
