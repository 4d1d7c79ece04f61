"""`deepmotif.datasets.genome`: windows of a plain or bgzip genome by index, aliases, typed errors."""

from __future__ import annotations

import gzip
import os
import shutil

import numpy as np
import pytest

from deepmotif.core.errors import DeepMotifError
from deepmotif.core.sequences import detokenize
from deepmotif.datasets.genome import GenomeError, assembly_from_path, chromosome_key, open_genome


def _read_fasta_plainly(path) -> dict[str, str]:
    """The whole FASTA as {name: upper-case sequence}, read without pyfaidx (the reference)."""
    contigs, name = {}, None
    for line in open(path):
        if line.startswith(">"):
            name = line[1:].split()[0]
            contigs[name] = []
        else:
            contigs[name].append(line.strip().upper())
    return {k: "".join(v) for k, v in contigs.items()}


@pytest.mark.parametrize("which", ["genome", "genome_bgzip"])
def test_windows_match_the_fasta(synthetic_genome, which, tmp_path):
    path = tmp_path / getattr(synthetic_genome, which).name
    shutil.copy(getattr(synthetic_genome, which), path)  # the index is built beside it
    truth = _read_fasta_plainly(synthetic_genome.genome)
    with open_genome(path) as genome:
        assert genome.contigs == synthetic_genome.contigs == {k: len(v) for k, v in truth.items()}
        assert list(genome.contigs) == ["chr1", "chr2", "chr3", "chr4", "chrX"]
        assert genome.assembly == "synth1" and genome.path == path
        for site in synthetic_genome.sites[::7]:
            assert genome.fetch(site.chrom, site.start, site.end) == truth[site.chrom][site.start : site.end]
        rng = np.random.default_rng(0)
        for _ in range(50):
            chrom = str(rng.choice(list(truth)))
            start = int(rng.integers(0, len(truth[chrom]) - 300))
            assert genome.fetch(chrom, start, start + 300) == truth[chrom][start : start + 300]
        # past either end: N-padded to full width
        assert genome.fetch("chr4", -5, 10) == "N" * 5 + truth["chr4"][:10]
        assert genome.fetch("chr4", 29_990, 30_010) == truth["chr4"][29_990:] + "N" * 10
        assert genome.fetch("chr4", 40_000, 40_004) == "NNNN"
        assert genome.fetch("chr1", 100, 100) == ""
        chrom, start, end = synthetic_genome.gap
        assert set(genome.fetch(chrom, start, end)) == {"N"}
        soft = genome.fetch("chr3", 1_000, 1_600)  # lower-case in the file
        assert soft == soft.upper() and set(soft) <= set("ACGT")
        tokens = genome.fetch_tokens("chr2", 100, 201)
        assert tokens.dtype == np.uint8 and tokens.shape == (101,)
        assert detokenize(tokens) == truth["chr2"][100:201]
    assert (tmp_path / f"{path.name}.fai").is_file()
    if which == "genome_bgzip":
        assert (tmp_path / f"{path.name}.gzi").is_file()


def test_chromosome_aliases(tmp_path):
    ensembl = tmp_path / "GRCh38.dna.fa"
    ensembl.write_text(">1\nACGTACGTAC\n>X\nGGGG\n>MT\nCCCCAAAA\n>KI270728.1\nTTTT\n")
    with open_genome(ensembl) as genome:
        assert genome.assembly == "GRCh38"
        assert [genome.resolve(c) for c in ("chr1", "1", "chrX", "chrM", "M", "MT", "chr2")] == [
            "1", "1", "X", "MT", "MT", "MT", None]
        assert genome.fetch("chr1", 2, 6) == "GTAC" and genome.fetch("chrM", 0, 4) == "CCCC"
        assert genome.resolve("KI270728.1") == "KI270728.1"
    ucsc = tmp_path / "hg38.fa"
    ucsc.write_text(">chr1\nAC\n>chrM\nTT\n")
    with open_genome(ucsc, assembly="hg38-custom") as genome:
        assert genome.assembly == "hg38-custom"
        assert genome.resolve("1") == "chr1" and genome.resolve("MT") == "chrM"
    assert chromosome_key("chr17") == chromosome_key("17") == "17"


def test_iupac_letters_read_as_n(tmp_path):
    path = tmp_path / "iupac.fa"
    path.write_text(">chr1\nACRYKMGT\n")
    with open_genome(path) as genome:
        assert genome.fetch("chr1", 0, 8) == "ACNNNNGT"
        assert genome.fetch_tokens("chr1", 0, 8).tolist() == [0, 1, 4, 4, 4, 4, 2, 3]


@pytest.mark.parametrize(
    "name, assembly",
    [("hg38.fa.gz", "hg38"), ("mm10.fasta", "mm10"), ("GRCh38.primary_assembly.genome.fa", "GRCh38"),
     ("Homo_sapiens.GRCh37.dna.primary_assembly.fa.bgz", "GRCh37"), ("my_fish.fna", "my_fish"),
     ("hg19_chr21.fa", "hg19")],
)
def test_assembly_from_file_name(name, assembly):
    assert assembly_from_path(f"/data/{name}") == assembly


def test_plain_gzip_missing_and_unknown_contig(synthetic_genome, tmp_path):
    plain_gzip = tmp_path / "hg38.fa.gz"
    with open(synthetic_genome.genome, "rb") as f, gzip.open(plain_gzip, "wb") as out:
        out.write(f.read())
    with pytest.raises(GenomeError, match=r"hg38\.fa\.gz: plain gzip .* bgzip .* or decompress") as error:
        open_genome(plain_gzip)
    assert isinstance(error.value, DeepMotifError)
    assert not (tmp_path / "hg38.fa.gz.fai").exists()
    with pytest.raises(GenomeError, match=r"nowhere\.fa: no such genome FASTA"):
        open_genome(tmp_path / "nowhere.fa")
    with open_genome(synthetic_genome.genome) as genome:
        with pytest.raises(GenomeError, match=r"no contig 'chr22' \(genome synth1 has chr1, chr2"):
            genome.fetch("chr22", 0, 10)


def test_unreadable_index_and_ragged_fasta(tmp_path):
    path = tmp_path / "g.fa"
    path.write_text(">chr1\nACGTACGT\nACGT\n")
    index = tmp_path / "g.fa.fai"
    index.write_text("chr1\tnot-a-number\n")
    os.utime(path, (1_000_000, 1_000_000))  # the index looks newer than the FASTA: pyfaidx reads it
    with pytest.raises(GenomeError, match=r"g\.fa: cannot index it"):
        open_genome(path)
    ragged = tmp_path / "ragged.fa"
    ragged.write_text(">chr1\nACGT\nAC\nACGT\n")
    with pytest.raises(GenomeError, match=r"ragged\.fa: cannot index it .*equally long"):
        open_genome(ragged)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write into read-only folders")
def test_unwritable_folder_without_index(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "g.fa").write_text(">chr1\nACGT\n")
    folder.chmod(0o555)
    try:
        with pytest.raises(GenomeError, match=r"not writable.*samtools faidx"):
            open_genome(folder / "g.fa")
    finally:
        folder.chmod(0o755)


def test_close_is_idempotent(synthetic_genome):
    genome = open_genome(synthetic_genome.genome)
    genome.close()
    genome.close()
