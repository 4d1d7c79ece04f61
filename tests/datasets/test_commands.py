"""`deepmotif data list` and `deepmotif data build`, run through the real command line."""

from __future__ import annotations

import pytest

from deepmotif.datasets import load_arrays
from deepmotif.cli.main import main


def test_list_shows_builders_and_filters(capsys, tmp_path):
    assert main(["data", "list", "gata1", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "synthetic_tfbs/gata1" in out and "encode_tfbs/GATA1_K562_GATA-1_USC" in out
    assert "encode_tfbs/ARID3A" not in out


def test_list_marks_encode_files_in_manual_dir(capsys, shared_data, tmp_path):
    assert main(["data", "list", "K562", "--manual-dir", str(shared_data / "encode"), "--data-dir", str(tmp_path)]) == 0
    status = {line.split()[0]: line.split()[1] for line in capsys.readouterr().out.splitlines() if "/" in line[:20]}
    assert status["encode_tfbs/GATA1_K562_GATA-1_USC"] == "files"  # DeMo train.fa/test.fa
    assert status["encode_tfbs/ARID3A_K562_ARID3A_-sc-8821-_Stanford"] == "files"  # DeepBind .seq.gz
    assert status["encode_tfbs/CTCF_K562_CTCF_Broad"] == "test-only"
    assert status["encode_tfbs/GATA2_K562_GATA-2_USC"] == "-"


def test_build_synthetic_then_listed_as_prepared(capsys, tfds_data_dir):
    assert main(["data", "build", "synthetic_tfbs/tiny", "--data-dir", str(tfds_data_dir)]) == 0
    out = capsys.readouterr().out
    assert "synthetic_tfbs/tiny: test 200," in out and str(tfds_data_dir) in out
    assert main(["data", "list", "tiny", "--data-dir", str(tfds_data_dir)]) == 0
    assert "prepared" in capsys.readouterr().out


def test_build_user_dataset_from_fasta(capsys, tmp_path):
    fasta = tmp_path / "peaks.fa"
    rows = (f">p{i}\n{'ACGT'[i % 4] * 10}GATAAGATAAGATAACCGGTT{'TGCA'[i % 4] * 9}\n" for i in range(60))
    fasta.write_text("".join(rows))
    args = ["data", "build", "user_tfbs/cli_tf", "--positives", str(fasta), "--data-dir", str(tmp_path)]
    assert main(args) == 0
    assert "user_tfbs/cli_tf: test" in capsys.readouterr().out
    arrays = load_arrays("user_tfbs/cli_tf", "train", data_dir=tmp_path)
    assert arrays["tokens"].shape[1] == 40 and set(arrays["label"]) == {0, 1}


def test_user_errors_exit_2_with_the_reason(capsys, tmp_path):
    assert main(["data", "build", "synthetic_tfbs/gata", "--data-dir", str(tmp_path)]) == 2
    assert "Did you mean: synthetic_tfbs/gata1" in capsys.readouterr().err
    bad = tmp_path / "bad.fa"
    bad.write_text(">a\nACGT\n>b\nAC-T\n")
    assert main(["data", "build", "user_tfbs/bad", "--positives", str(bad), "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4" in err and "'-'" in err
    assert main(["data", "build", "user_tfbs/nothing", "--data-dir", str(tmp_path)]) == 2
    assert "--positives" in capsys.readouterr().err


def test_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "build", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--positives" in out and "dinucleotide" in out and "--manual-dir" in out
    assert main(["data"]) == 2
