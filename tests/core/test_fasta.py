"""The one FASTA reader: streaming, plain or gzip, every error names its file and line."""

from __future__ import annotations

import gzip

import pytest

from deepmotif.core.errors import SequenceFormatError
from deepmotif.core.fasta import FastaRecord, read_fasta, read_lines
from deepmotif.datasets.jaspar import load_motif


def _write(path, text: str, gz: bool = False):
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_records_multiline_crlf_lowercase(tmp_path, gz):
    text = ">peak1 chr1:5-13\r\nACGT\r\nacgn\r\n\r\n>peak2\r\nTTTTGGGG\r\n"
    path = _write(tmp_path / ("x.fa.gz" if gz else "x.fa"), text, gz)
    assert list(read_fasta(path)) == [FastaRecord("peak1 chr1:5-13", "ACGTacgn", 1, 2),
                                      FastaRecord("peak2", "TTTTGGGG", 5, 6)]


def test_gzip_is_detected_by_content_not_name(tmp_path):
    path = _write(tmp_path / "no_suffix", ">a\nACGT\n", gz=True)
    assert [r.sequence for r in read_fasta(path)] == ["ACGT"]


def test_streams_one_record_at_a_time(tmp_path):
    consensus = "".join("ACGT"[i] for i in load_motif("CTCF").probabilities.argmax(1))
    path = _write(tmp_path / "ctcf.fa", f">ctcf\n{consensus}\n>bad\nACGT\nACXT\n")
    records = read_fasta(path)
    assert next(records).sequence == consensus  # the bad record further down is not read yet
    with pytest.raises(SequenceFormatError) as err:
        next(records)
    assert err.value.line == 5 and "'X' at column 3" in err.value.problem


@pytest.mark.parametrize("text, line, words", [
    ("ACGT\n>a\nACGT\n", 1, "before the first '>'"),
    (">a\nACGT\n>b\n>c\nACGT\n", 3, "record has no sequence"),
    (">a\nACGT\n>b\n\n", 3, "record has no sequence"),
    ("", 1, "file is empty"),
    ("\n\n", 1, "no '>' header"),
    (">a\nAC GT\n", 2, "' ' at column 3"),
    (">a\nACGT\nACGÜ\n", 3, "at column 4"),
])
def test_errors_name_file_line_and_problem(tmp_path, text, line, words):
    path = _write(tmp_path / "bad.fa", text)
    with pytest.raises(SequenceFormatError) as err:
        list(read_fasta(path))
    assert err.value.line == line and words in err.value.problem
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_missing_file_and_corrupt_gzip(tmp_path):
    with pytest.raises(SequenceFormatError, match="no such file"):
        list(read_fasta(tmp_path / "absent.fa"))
    data = gzip.compress(("".join(f">s{i}\nACGTACGT\n" for i in range(500))).encode())
    path = tmp_path / "cut.fa.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SequenceFormatError, match="truncated or corrupt gzip") as err:
        list(read_lines(path))
    assert err.value.line >= 1
