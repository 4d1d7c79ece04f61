"""`user_tfbs` from peaks and a genome: windows at summits, chromosome splits, backgrounds, reports.

Everything runs on the session's synthetic genome (deepmotif.datasets.synthetic_genome): planted GATA1/CTCF
sites with one peak each, plus a duplicate peak, one on a missing contig, one past chr4's end and
one in an N gap.
"""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

from deepmotif.cli.main import main
from deepmotif.core.errors import DatasetError
from deepmotif.core.sequences import detokenize
from deepmotif.datasets import build_dataset, dataset_metadata, load_arrays
from deepmotif.datasets.genome import GenomeError, open_genome
from deepmotif.datasets.genomic_background import gc_fraction
from deepmotif.datasets.peaks import read_peaks

SPLITS = ("train", "validation", "test")
HELD_OUT = {"test_chroms": "chr3", "valid_chroms": "chr4"}


def _parse_id(example_id: str) -> tuple[str, int, int]:
    chrom, span = example_id.removesuffix("_shuf").rsplit(":", 1)
    start, end = span.split("-")
    return chrom, int(start), int(end)


def _arrays(name, data_dir) -> dict:
    return {s: load_arrays(name, s, data_dir=data_dir) for s in SPLITS}


@pytest.fixture(scope="module")
def shuffle_dataset(synthetic_genome, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("tfds_peaks")
    g = synthetic_genome
    build_dataset("user_tfbs/planted", data_dir=data_dir, peaks=str(g.peaks), genome=str(g.genome_bgzip), **HELD_OUT)
    return data_dir, _arrays("user_tfbs/planted", data_dir)


def test_windows_are_summit_centred_genome_slices_split_by_chromosome(synthetic_genome, shuffle_dataset):
    _, arrays = shuffle_dataset
    wanted = {"train": {"chr1", "chr2", "chrX"}, "validation": {"chr4"}, "test": {"chr3"}}
    sites = {(s.chrom, s.start, s.end) for s in synthetic_genome.sites}
    covered = set()
    with open_genome(synthetic_genome.genome) as genome:
        for split, a in arrays.items():
            positives = a["label"] == 1
            assert {_parse_id(i)[0] for i in a["id"]} == wanted[split]
            assert positives.sum() == (~positives).sum()  # one shuffle per peak
            for tokens, example_id in zip(a["tokens"][positives], a["id"][positives]):
                chrom, start, end = _parse_id(example_id)
                assert end - start == 101 and detokenize(tokens) == genome.fetch(chrom, start, end)
                covered |= {s for s in sites if s[0] == chrom and start <= s[1] and s[2] <= end}
            for example_id in a["id"][~positives]:
                assert example_id.endswith("_shuf") and example_id.removesuffix("_shuf") in set(a["id"][positives])
    assert covered == sites  # every planted site lies inside its peak's window


def test_no_window_in_two_splits_and_duplicates_collapsed(synthetic_genome, shuffle_dataset):
    _, arrays = shuffle_dataset
    windows = {s: [_parse_id(i) for i in a["id"][a["label"] == 1]] for s, a in arrays.items()}
    for a, b in [("train", "validation"), ("train", "test"), ("validation", "test")]:
        for chrom, start, end in windows[a]:
            assert not any(c == chrom and s < end and start < e for c, s, e in windows[b])
    every = [w for ws in windows.values() for w in ws]
    assert len(every) == len(set(every)) == len(synthetic_genome.sites)  # the duplicate peak collapsed


def test_skipped_peaks_reported_with_lines_and_assembly_recorded(synthetic_genome, shuffle_dataset):
    data_dir, arrays = shuffle_dataset
    meta = dataset_metadata("user_tfbs/planted", data_dir=data_dir)
    assert meta["assembly"] == "synth1" and meta["seq_len"] == 101
    report = meta["build_report"]
    lines = synthetic_genome.peak_lines
    assert report["peaks"]["skipped"] == {
        "absent_contig": {"count": 1, "lines": [lines["absent_contig"]]},
        "past_end": {"count": 1, "lines": [lines["past_end"]]},
        "duplicate": {"count": 1, "lines": [lines["duplicate"]]},
        "mostly_n": {"count": 1, "lines": [lines["mostly_n"]]},
    }
    assert report["peaks"]["n_peaks"] == len(synthetic_genome.sites) + 4
    assert report["split"] == {"preset": None, "test_chroms": ["chr3"], "valid_chroms": ["chr4"]}
    assert report["chroms"] == {"train": ["chr1", "chr2", "chrX"], "validation": ["chr4"], "test": ["chr3"]}
    assert {s: report["counts"][s]["positives"] for s in SPLITS} == {
        s: int(a["label"].sum()) for s, a in arrays.items()}
    assert meta["splits"] == {s: len(a["label"]) for s, a in arrays.items()}


def test_genomic_background_is_gc_matched_and_in_its_split(synthetic_genome, tmp_path):
    g = synthetic_genome
    blacklist = tmp_path / "blacklist.bed"
    blacklist.write_text("chr1\t0\t20000\n")  # a third of chr1: no peak or background window there
    build_dataset("user_tfbs/genomic", data_dir=tmp_path, peaks=str(g.peaks), genome=str(g.genome),
                  background="genomic", blacklist=str(blacklist), **HELD_OUT)
    arrays = _arrays("user_tfbs/genomic", tmp_path)
    peaks = [(p.chrom, p.start - 101, p.end + 101) for p in read_peaks(g.peaks)]  # each peak and its flanks
    for split, a in arrays.items():
        gc = np.array([gc_fraction(detokenize(t)) for t in a["tokens"]])
        positive = a["label"] == 1
        assert positive.sum() == (~positive).sum() > 20
        assert abs(gc[positive].mean() - gc[~positive].mean()) < 0.02
        negatives = [_parse_id(i) for i in a["id"][~positive]]
        assert not a["is_shuffled"].any()
        assert {c for c, _, _ in negatives} <= {_parse_id(i)[0] for i in a["id"][positive]}
        for chrom, start, end in negatives + [_parse_id(i) for i in a["id"][positive]]:
            assert not (chrom == "chr1" and start < 20000)
        for chrom, start, end in negatives:
            assert not any(c == chrom and s < end and start < e for c, s, e in peaks)
    report = dataset_metadata("user_tfbs/genomic", data_dir=tmp_path)["build_report"]
    blacklisted = sum(1 for s in g.sites if s.chrom == "chr1" and s.start < 20000)
    assert report["peaks"]["skipped"]["blacklisted"]["count"] >= blacklisted > 10
    assert report["background"] == "genomic"


def test_chromosome_aliases_and_gzipped_bed_peaks(synthetic_genome, tmp_path):
    """Peaks written `1`, `2`, ..., `X` (Ensembl style), as gzipped BED3, read on a `chr1` genome."""
    rows = [f"{s.chrom.removeprefix('chr')}\t{s.start - 45}\t{s.end + 45}" for s in synthetic_genome.sites]
    peaks = tmp_path / "ensembl.bed.gz"
    with gzip.open(peaks, "wt") as f:
        f.write("\n".join(rows) + "\n")
    build_dataset("user_tfbs/aliased", data_dir=tmp_path, peaks=str(peaks), genome=str(synthetic_genome.genome),
                  test_chroms="3", valid_chroms="chr4", seq_len=51)
    arrays = _arrays("user_tfbs/aliased", tmp_path)
    assert {_parse_id(i)[0] for i in arrays["test"]["id"]} == {"chr3"}  # the genome's own names
    assert sum(int(a["label"].sum()) for a in arrays.values()) == len(synthetic_genome.sites)
    assert {a["tokens"].shape[1] for a in arrays.values()} == {51}
    with open_genome(synthetic_genome.genome) as genome:
        for tokens, example_id in zip(arrays["validation"]["tokens"], arrays["validation"]["id"]):
            if not example_id.endswith("_shuf"):
                assert detokenize(tokens) == genome.fetch(*_parse_id(example_id))


def test_assembly_option_negatives_fasta_and_settings_change(synthetic_genome, tmp_path):
    g = synthetic_genome
    with open_genome(g.genome) as genome:
        rows = [f">{c}:{s}-{s + 101}\n{genome.fetch(c, s, s + 101)}\n"
                for c in ("chr1", "chr3", "chr4") for s in range(30_500, 33_000, 250)]
    negatives = tmp_path / "background.fa"
    negatives.write_text("".join(rows))
    kwargs = dict(peaks=str(g.peaks), genome=str(g.genome), negatives=str(negatives), **HELD_OUT)
    build_dataset("user_tfbs/given_neg", data_dir=tmp_path, assembly="synthetic-v1", **kwargs)
    assert dataset_metadata("user_tfbs/given_neg", data_dir=tmp_path)["assembly"] == "synthetic-v1"
    test = load_arrays("user_tfbs/given_neg", "test", data_dir=tmp_path)
    assert sorted(i for i in test["id"] if test["label"][list(test["id"]).index(i)] == 0) == sorted(
        f"chr3:{s}-{s + 101}" for s in range(30_500, 33_000, 250))
    with pytest.raises(DatasetError, match="already built with .*background=shuffle"):
        build_dataset("user_tfbs/given_neg", data_dir=tmp_path, assembly="synthetic-v1",
                      **{**kwargs, "negatives": None}, background="genomic")
    bad = tmp_path / "unnamed.fa"
    bad.write_text(">neg1\n" + "ACGT" * 25 + "A\n")
    with pytest.raises(DatasetError, match=r"unnamed\.fa: record 'neg1' has no coordinates"):
        build_dataset("user_tfbs/bad_neg", data_dir=tmp_path, **{**kwargs, "negatives": str(bad)})


def test_errors_before_anything_is_built(synthetic_genome, tmp_path):
    g = synthetic_genome
    plain_gzip = tmp_path / "hg38.fa.gz"
    with open(g.genome, "rb") as f, gzip.open(plain_gzip, "wb") as out:
        shutil.copyfileobj(f, out)
    with pytest.raises(GenomeError, match=r"hg38\.fa\.gz: plain gzip .*bgzip.*decompress"):
        build_dataset("user_tfbs/gz", data_dir=tmp_path, peaks=str(g.peaks), genome=str(plain_gzip), **HELD_OUT)
    with pytest.raises(DatasetError, match=r"chr8, chr10 \(preset 'bpnet-lite'\) are not in"):
        build_dataset("user_tfbs/preset", data_dir=tmp_path, peaks=str(g.peaks), genome=str(g.genome))
    with pytest.raises(DatasetError, match="--peaks needs --genome"):
        build_dataset("user_tfbs/nogenome", data_dir=tmp_path, peaks=str(g.peaks))
    with pytest.raises(DatasetError, match="need coordinates"):
        build_dataset("user_tfbs/fasta_genomic", data_dir=tmp_path, positives=str(g.genome), background="genomic")
    with pytest.raises(DatasetError, match=r"no peaks of .* fall in the validation split: validation \(chr22\)"):
        shutil.copy(g.genome, tmp_path / "with22.fa")
        with open(tmp_path / "with22.fa", "a") as f:
            f.write(">chr22\n" + "ACGT" * 10 + "\n")
        build_dataset("user_tfbs/empty", data_dir=tmp_path, peaks=str(g.peaks), genome=str(tmp_path / "with22.fa"),
                      test_chroms="chr3", valid_chroms="chr22")
    assert not list((tmp_path / "user_tfbs").rglob("*.tfrecord*"))


def test_cli_prints_skipped_peaks_and_split_sizes(synthetic_genome, tmp_path, capsys):
    g = synthetic_genome
    genome = tmp_path / "hg38.fa.gz"  # the assembly comes from the file name
    shutil.copy(g.genome_bgzip, genome)
    args = ["data", "build", "user_tfbs/cli_peaks", "--peaks", str(g.peaks), "--genome", str(genome),
            "--background", "genomic", "--test-chroms", "chr3", "--valid-chroms", "4", "--data-dir", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"assembly hg38; {g.peaks}: {len(g.sites) + 4} peaks, {len(g.sites)} windows of 101 bp" in out
    assert f"contig not in the genome ({g.peaks}:{g.peak_lines['absent_contig']})" in out
    assert f"peak runs past the contig end ({g.peaks}:{g.peak_lines['past_end']})" in out
    assert f"({g.peaks}:{g.peak_lines['duplicate']})" in out and "window more than 50% N" in out
    n_test = sum(s.chrom == "chr3" for s in g.sites)
    assert f"  test       {n_test:>7,} positives {n_test:>7,} negatives  chr3" in out
    assert "split by chromosome (--test-chroms/--valid-chroms); negatives: genomic" in out
    assert dataset_metadata("user_tfbs/cli_peaks", data_dir=tmp_path)["assembly"] == "hg38"
    assert main(args[:3] + ["--peaks", str(g.peaks), "--genome", str(genome), "--split-preset", "nope",
                            "--data-dir", str(tmp_path)]) == 2
    assert "unknown chromosome split preset 'nope'" in capsys.readouterr().err
