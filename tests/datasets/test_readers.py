"""Readers: real files give the documented counts; every malformed input names its line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepmotif.core.errors import SequenceFormatError
from deepmotif.datasets.readers import (
    Record,
    read_deepbind_seq,
    read_demo_fasta,
    read_fasta,
    read_records,
    read_zeng,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DNA = st.text(alphabet="ACGTNacgtn", min_size=8, max_size=8)
NOT_DNA = st.characters(codec="utf-8", exclude_characters="ACGTNacgtn>").filter(lambda c: not c.isspace())


# --- writers for the three formats: (text, 1-based line of each record's sequence) -------------------------------
def deepbind_text(seqs, labels=None):
    labels = labels or [1] * len(seqs)
    rows = [f"A\tseq_{i:05d}_peak\t{s}\t{y}" for i, (s, y) in enumerate(zip(seqs, labels))]
    return "FoldID\tEventID\tseq\tBound\n" + "".join(r + "\n" for r in rows), [i + 2 for i in range(len(seqs))]


def demo_text(seqs, labels=None):
    labels = labels or [1, 0] * len(seqs)
    return "".join(f"> {y}\n{s}\n" for s, y in zip(seqs, labels)), [2 * i + 2 for i in range(len(seqs))]


def zeng_text(seqs, labels=None):
    labels = labels or [1] * len(seqs)
    return "".join(f">chr1:{i}-{i + 8} {s} {y}\n" for i, (s, y) in enumerate(zip(seqs, labels))), [
        i + 1 for i in range(len(seqs))
    ]


FORMATS = {
    "deepbind": (deepbind_text, read_deepbind_seq, "x.seq"),
    "demo": (demo_text, read_demo_fasta, "train.fa"),
    "zeng": (zeng_text, read_zeng, "train.data"),
}


def write(tmp_path: Path, name: str, text: str, gz: bool = False) -> Path:
    path = tmp_path / (name + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


def raises_at(reader, path, line: int, words: str) -> SequenceFormatError:
    with pytest.raises(SequenceFormatError) as info:
        reader(path)
    assert info.value.line == line, str(info.value)
    assert words in info.value.problem, str(info.value)
    assert str(path) in str(info.value)
    return info.value


# --- real files ------------------------------------------------------------------------------------------------
def test_real_files_in_all_three_formats(shared_data):
    arid = shared_data / "encode" / "ARID3A_K562_ARID3A_-sc-8821-_Stanford"
    ac = read_records(arid / "ARID3A_K562_ARID3A_(sc-8821)_Stanford_AC.seq.gz")
    b = read_records(arid / "ARID3A_K562_ARID3A_(sc-8821)_Stanford_B.seq.gz")
    assert len(ac) == 8526 and {r.label for r in ac} == {1} and not any(r.is_shuffled for r in ac)
    assert sum(r.label for r in b) == 500 and sum(r.is_shuffled for r in b) == 500
    assert all(r.is_shuffled == r.id.endswith("_shuf") for r in b)

    gata = shared_data / "encode" / "GATA1_K562_GATA-1_USC"
    train, test = read_records(gata / "train.fa"), read_records(gata / "test.fa")  # '> 1' and '>1' headers
    assert (len(train), sum(r.label for r in train)) == (7148, 3574)
    assert (len(test), sum(r.label for r in test)) == (1000, 500)
    assert train[0].id == "train.fa:0" and {len(r.sequence) for r in train + test} == {101}

    zeng = read_records(shared_data / "zeng2016" / "wgEncodeAwgTfbsSydhGm12878Stat3IggmusUniPk" / "train.data")
    assert len(zeng) == 10185 and all(r.is_shuffled == (r.label == 0) for r in zeng)
    assert zeng[1] == Record("chr6:11575902-11576002", zeng[1].sequence, 1, False)

    long = shared_data / "encode_1000bp" / "wgEncodeAwgTfbsSydhGm12878Yy1UniPk"
    assert {len(r.sequence) for r in read_records(long / "wgEncodeAwgTfbsSydhGm12878Yy1UniPk_test.fa")} == {1000}


# --- well-formed inputs --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("gz", [False, True])
def test_roundtrip_crlf_lowercase(tmp_path, fmt, gz):
    make, reader, name = FORMATS[fmt]
    seqs = ["ACGTNacg", "ttttAAAA", "GGGGcccc"]
    text, _ = make(seqs)
    path = write(tmp_path, name, text.replace("\n", "\r\n"), gz)
    records = reader(path)
    assert [r.sequence for r in records] == seqs
    assert read_records(path) == records


def test_demo_headers_with_and_without_space(tmp_path):
    path = write(tmp_path, "test.fa", ">1\nACGT\n> 0\nACGT\n>  1 \nAC\nGT\n")  # multi-line sequence too
    assert read_demo_fasta(path) == [
        Record("test.fa:0", "ACGT", 1, False),
        Record("test.fa:1", "ACGT", 0, True),
        Record("test.fa:2", "ACGT", 1, False),
    ]


def test_plain_fasta_ids_multiline_gzip(tmp_path):
    path = write(tmp_path, "mine.fa", ">peak1 chr1:5-13\nACGT\nacgt\n\n>peak2\nNNNNACGT\n", gz=True)
    assert read_fasta(path, label=1) == [
        Record("peak1 chr1:5-13", "ACGTacgt", 1, False),
        Record("peak2", "NNNNACGT", 1, False),
    ]
    with pytest.raises(ValueError):
        read_fasta(path, label=2)


def test_expected_length_argument(tmp_path):
    text, lines = demo_text(["ACGTACGT", "ACGTACGT"])
    path = write(tmp_path, "t.fa", text)
    raises_at(lambda p: read_demo_fasta(p, expected_length=10), path, lines[0], "length 8 differs from 10")


# --- malformed inputs, generated -----------------------------------------------------------------------------------
@SETTINGS
@given(fmt=st.sampled_from(sorted(FORMATS)), seqs=st.lists(DNA, min_size=1, max_size=6), data=st.data())
def test_bad_character_names_its_line(tmp_path_factory, fmt, seqs, data):
    make, reader, name = FORMATS[fmt]
    k = data.draw(st.integers(0, len(seqs) - 1))
    pos = data.draw(st.integers(0, 7))
    bad = data.draw(NOT_DNA)
    seqs = list(seqs)
    seqs[k] = seqs[k][:pos] + bad + seqs[k][pos + 1 :]
    text, lines = make(seqs)
    path = write(tmp_path_factory.mktemp("bad"), name, text)
    error = raises_at(reader, path, lines[k], "is not A, C, G, T or N")
    assert repr(bad) in error.problem


@SETTINGS
@given(fmt=st.sampled_from(sorted(FORMATS)), seqs=st.lists(DNA, min_size=2, max_size=6), data=st.data())
def test_unequal_length_names_its_line(tmp_path_factory, fmt, seqs, data):
    make, reader, name = FORMATS[fmt]
    k = data.draw(st.integers(1, len(seqs) - 1))
    new_len = data.draw(st.integers(1, 12).filter(lambda n: n != 8))
    seqs = list(seqs)
    seqs[k] = (seqs[k] * 2)[:new_len]
    text, lines = make(seqs)
    path = write(tmp_path_factory.mktemp("len"), name, text)
    raises_at(reader, path, lines[k], f"length {new_len} differs from 8")


@SETTINGS
@given(fmt=st.sampled_from(sorted(FORMATS)), seqs=st.lists(DNA, min_size=1, max_size=5), data=st.data())
def test_bad_label_names_its_line(tmp_path_factory, fmt, seqs, data):
    make, reader, name = FORMATS[fmt]
    k = data.draw(st.integers(0, len(seqs) - 1))
    bad = data.draw(st.sampled_from(["2", "-1", "11", "01", "yes"]))
    labels = [1] * len(seqs)
    labels[k] = bad
    text, lines = make(seqs, labels)
    line = lines[k] - 1 if fmt == "demo" else lines[k]  # DeMo: the label is the header above the sequence
    words = "label must be 0 or 1" if (fmt != "demo" or bad.isdigit()) else "header is not a label"
    raises_at(reader, write(tmp_path_factory.mktemp("lab"), name, text), line, words)


@SETTINGS
@given(header=st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=10), n_before=st.integers(0, 3))
def test_demo_header_that_is_not_a_label(tmp_path_factory, header, n_before):
    if header.strip() in ("0", "1"):
        return
    text = "".join(">1\nACGT\n" for _ in range(n_before)) + f">{header}\nACGT\n"
    problem = "label must be 0 or 1" if header.strip().isdigit() else "header is not a label"
    raises_at(read_demo_fasta, write(tmp_path_factory.mktemp("hdr"), "t.fa", text), 2 * n_before + 1, problem)


@SETTINGS
@given(seqs=st.lists(DNA, min_size=1, max_size=20), cut=st.floats(0.0, 0.999))
def test_truncated_gzip(tmp_path_factory, seqs, cut):
    text, _ = deepbind_text(seqs)
    data = gzip.compress(text.encode())
    data = data[: max(2, int(len(data) * cut))]  # keep the magic bytes: the file still claims to be gzip
    path = tmp_path_factory.mktemp("gz") / "x_AC.seq.gz"
    path.write_bytes(data)
    with pytest.raises(SequenceFormatError) as info:
        read_deepbind_seq(path)
    assert "truncated or corrupt gzip" in info.value.problem and info.value.line >= 1


@SETTINGS
@given(seqs=st.lists(DNA, min_size=1, max_size=20), where=st.floats(0.3, 0.95), flip=st.integers(1, 255))
def test_corrupt_gzip(tmp_path_factory, seqs, where, flip):
    text, _ = deepbind_text(seqs)
    data = bytearray(gzip.compress(text.encode()))
    i = 10 + int((len(data) - 18) * where)  # inside the deflate stream or its CRC: never silently accepted
    data[i] ^= flip
    path = tmp_path_factory.mktemp("gz") / "x_AC.seq.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(SequenceFormatError):
        read_deepbind_seq(path)


# --- malformed inputs, one of each --------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("gz", [False, True])
def test_empty_file(tmp_path, fmt, gz):
    _, reader, name = FORMATS[fmt]
    raises_at(reader, write(tmp_path, name, "", gz), 1, "empty")
    raises_at(read_records, write(tmp_path, name, "", gz), 1, "empty")


@pytest.mark.parametrize(
    "reader, text, line, words",
    [
        (read_deepbind_seq, "A\tseq_1\tACGT\t1\n", 1, "header line"),
        (read_deepbind_seq, "FoldID\tEventID\tseq\tBound\n", 1, "no records"),
        (read_deepbind_seq, "FoldID\tEventID\tseq\tBound\nA\tseq_1\tACGT\t1\nA\tseq_2\tACGT\n", 3, "4 tab-separated"),
        (read_zeng, ">chr1:1-5 ACGT 1\n>chr1:1-5 ACGT\n", 2, "3 fields"),
        (read_zeng, "chr1:1-5 ACGT 1\n", 1, "'>name' header"),
        (read_demo_fasta, "ACGT\n>1\nACGT\n", 1, "before the first '>'"),
        (read_demo_fasta, ">1\nACGT\n>0\n>1\nACGT\n", 3, "no sequence"),
        (read_demo_fasta, "\n\n", 1, "no '>' header"),
        (read_demo_fasta, ">1\nACGT\n>0\n\n", 3, "no sequence"),
    ],
)
def test_structural_errors(tmp_path, reader, text, line, words):
    raises_at(reader, write(tmp_path, "f.fa", text), line, words)


def test_read_records_rejects_unknown_format(tmp_path):
    raises_at(read_records, write(tmp_path, "notes.txt", "hello\n"), 1, "unknown format")


def test_missing_file_is_a_format_error_naming_it(tmp_path):
    with pytest.raises(SequenceFormatError, match="no such file"):
        read_records(tmp_path / "absent.fa")
