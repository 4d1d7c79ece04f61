from __future__ import annotations

import numpy as np
import pytest

from deepmotif.core.errors import SequenceFormatError
from deepmotif.zoo.model_loading import ModelFileError, ModelNotFoundError
from deepmotif.interpret.inputs import check_input, load_model, read_fasta


def test_read_fasta_joins_lines_and_keeps_ids(tmp_path):
    path = tmp_path / "in.fa"
    path.write_text(">a first\nACGT\nacgn\n\n>b\nTTTTGGGG\n")
    ids, tokens = read_fasta(path, seq_len=8)
    assert ids == ["a first", "b"]
    np.testing.assert_array_equal(tokens, [[0, 1, 2, 3, 0, 1, 2, 4], [3, 3, 3, 3, 2, 2, 2, 2]])


@pytest.mark.parametrize("text,line,problem", [
    (">a\nACGT\n>b\nACXT\n", 4, "character 'X' at column 3 is not A, C, G, T or N"),
    (">a\nACGT\n>b\nACGTA\n", 3, "record 'b' is 5 bases long; the model takes 4"),
    ("ACGT\n>a\nACGT\n", 1, "sequence before the first '>' header"),
])
def test_read_fasta_errors_name_file_and_line(tmp_path, text, line, problem):
    path = tmp_path / "bad.fa"
    path.write_text(text)
    with pytest.raises(SequenceFormatError, match=problem) as err:
        read_fasta(path, seq_len=4)
    assert err.value.line == line and str(err.value).startswith(f"{path}:{line}: ")


def test_load_model_from_file_and_run_dir(cnn_file, tmp_path):
    model = load_model(cnn_file)
    assert model.get_layer("logit") is not None
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.keras").write_bytes(cnn_file.read_bytes())
    for a, b in zip(load_model(run).get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ModelNotFoundError, match="not a run directory") as err:
        load_model(tmp_path)
    assert str(tmp_path / "model.keras") in err.value.searched


def test_not_a_model_is_a_clear_error(tmp_path):
    fake = tmp_path / "model.keras"
    fake.write_text("not a zip file")
    with pytest.raises(ModelFileError, match=f"{fake}: not a loadable Keras model file"):
        load_model(fake)
    with pytest.raises(ModelNotFoundError, match="no such file or directory"):
        load_model(tmp_path / "missing.keras")


def test_check_input_accepts_tokens_and_rejects_wrong_length(trained_cnn):
    x = check_input(trained_cnn, np.zeros((2, 101), np.uint8))
    assert x.shape == (2, 101, 4) and x.dtype == np.float32
    with pytest.raises(Exception, match="100 bases long"):
        check_input(trained_cnn, np.zeros((2, 100), np.uint8))
