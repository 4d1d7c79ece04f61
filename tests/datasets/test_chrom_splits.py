"""`deepmotif.datasets.chrom_splits`: presets, explicit lists, canonical contigs, naming styles."""

from __future__ import annotations

import pytest

from deepmotif.core.errors import DatasetError, UnknownNameError
from deepmotif.datasets.chrom_splits import (
    ChromSplit,
    chrom_split,
    contigs_by_split,
    is_canonical,
    parse_chroms,
    split_of,
)


def test_presets_and_default():
    assert chrom_split() == ChromSplit("bpnet-lite", ("chr1",), ("chr8", "chr10"))
    assert chrom_split("grelu") == ChromSplit("grelu", ("chr11",), ("chr10",))
    assert chrom_split("selene") == ChromSplit("selene", ("chr8", "chr9"), ("chr6", "chr7"))
    with pytest.raises(UnknownNameError, match="Did you mean: selene"):
        chrom_split("selen")


def test_explicit_lists_and_their_errors():
    split = chrom_split(test_chroms="chr8, chr9", valid_chroms=["10"])
    assert split == ChromSplit(None, ("chr8", "chr9"), ("10",))
    assert split.as_dict() == {"preset": None, "test_chroms": ["chr8", "chr9"], "valid_chroms": ["10"]}
    with pytest.raises(DatasetError, match="not both"):
        chrom_split("grelu", test_chroms="chr1")
    with pytest.raises(DatasetError, match="both --test-chroms and --valid-chroms"):
        chrom_split(test_chroms="chr1")
    with pytest.raises(DatasetError, match=r"chromosome\(s\) 8 are in both"):
        chrom_split(test_chroms="chr8", valid_chroms="8,chr9")
    assert parse_chroms("chr1,,chr2 chr1") == ("chr1", "chr2") and parse_chroms(None) == ()


def test_split_of_matches_naming_styles():
    split = chrom_split(test_chroms="chr8", valid_chroms="MT,10")
    assert [split_of(c, split) for c in ("8", "chr8", "chrM", "chr10", "chr1", "chrUn_KI270302v1")] == [
        "test", "test", "validation", "validation", "train", "train"]


def test_canonical_contigs():
    assert all(is_canonical(c) for c in ("chr1", "22", "chrX", "Y", "chr19"))
    assert not any(is_canonical(c) for c in ("chrM", "MT", "chr1_KI270706v1_random", "chrUn_GL000195v1",
                                              "KI270728.1", "chrEBV", "chr6_GL000250v2_alt"))
    contigs = ["chr1", "chr2", "chr8", "chrM", "chr1_KI270706v1_random", "chrX"]
    split = chrom_split(test_chroms="chr2", valid_chroms="chr8")
    assert contigs_by_split(contigs, split) == {"train": ["chr1", "chrX"], "validation": ["chr8"], "test": ["chr2"]}
    assert contigs_by_split(contigs, split, all_contigs=True)["train"] == [
        "chr1", "chrM", "chr1_KI270706v1_random", "chrX"]
