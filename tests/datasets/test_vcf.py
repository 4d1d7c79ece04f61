"""`deepmotif.datasets.vcf`: records of plain and gzip VCFs, split alleles, unscorable ones marked,
and typed errors that name the file and line."""

from __future__ import annotations

import gzip

import pytest

from deepmotif.core.errors import DeepMotifError
from deepmotif.datasets.vcf import VcfFormatError, read_alleles, read_vcf

HEADER = "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=1000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def _write(tmp_path, body: str, header: str = HEADER, name: str = "v.vcf"):
    path = tmp_path / name
    path.write_text(header + body)
    return path


def test_fixture_vcf_is_read_and_split(synthetic_genome):
    truth = synthetic_genome.variants
    records = list(read_vcf(synthetic_genome.vcf))
    by_id = {r.id: r for r in records}
    assert set(truth.destroying + truth.far) <= set(by_id)
    assert by_id[truth.multiallelic].alts and len(by_id[truth.multiallelic].alts) == 2
    deletion = by_id[truth.deletion]
    site = synthetic_genome.sites[truth.site_of[truth.deletion]]
    assert deletion.pos == site.start + 2 and len(deletion.ref) == 4 and len(deletion.alts[0]) == 1  # 1-based
    lines = synthetic_genome.vcf.read_text().splitlines()
    assert all(lines[r.line - 1].split("\t")[2] == r.id for r in records)  # `line` is the 1-based file line

    alleles = list(read_alleles(synthetic_genome.vcf))
    assert len(alleles) == sum(len(r.alts) for r in records)
    skip = {a.id: a.skip for a in alleles if a.skip}
    assert skip == {truth.symbolic: "symbolic ALT <DEL>", truth.ref_equals_alt: "ALT equals REF"}
    multi = [a for a in alleles if a.id == truth.multiallelic]
    assert [a.alt for a in multi] == list(by_id[truth.multiallelic].alts) and all(a.skip is None for a in multi)


def test_gzip_reads_like_plain(synthetic_genome, tmp_path):
    gz = tmp_path / "variants.vcf.gz"
    gz.write_bytes(gzip.compress(synthetic_genome.vcf.read_bytes()))
    assert list(read_vcf(gz)) == list(read_vcf(synthetic_genome.vcf))


def test_case_and_unscorable_alts(tmp_path):
    body = ("chr1\t10\tsnv\ta\tg\t.\t.\t.\n"
            "chr1\t20\tbnd\tA\tA[chr2:5[\t.\t.\t.\n"
            "chr1\t30\tspan\tA\tC,*\t.\t.\t.\n"
            "chr1\t40\tnone\tA\t.\t.\t.\t.\n")
    alleles = list(read_alleles(_write(tmp_path, body)))
    assert [(a.id, a.ref, a.alt, a.skip) for a in alleles] == [
        ("snv", "A", "G", None),
        ("bnd", "A", "A[CHR2:5[", "breakend ALT A[CHR2:5["),
        ("span", "A", "C", None),
        ("span", "A", "*", "spanning deletion ALT '*'"),
        ("none", "A", ".", "no ALT ('.')"),
    ]
    assert [a.line for a in alleles] == [4, 5, 6, 6, 7]


@pytest.mark.parametrize(
    "header, body, line, message",
    [
        ("#CHROM\tPOS\tID\tREF\tALT\n", "chr1\t1\t.\tA\tC\n", 1, "first line must be '##fileformat=VCFv4.x'"),
        ("##fileformat=VCFv4.2\n", "chr1\t1\t.\tA\tC\n", 2, "record before the '#CHROM"),
        ("##fileformat=VCFv4.2\n#CHROM\tPOS\tREF\tALT\n", "", 2, "#CHROM POS ID REF ALT"),
        (HEADER, "chr1\t0\t.\tA\tC\t.\t.\t.\n", 4, "POS '0' is not a positive integer"),
        (HEADER, "chr1\t1\t.\tA\tC\t.\t.\t.\nchr1\tx2\t.\tA\tC\t.\t.\t.\n", 5, "POS 'x2'"),
        (HEADER, "chr1\t1\t.\tR\tC\t.\t.\t.\n", 4, "REF 'R' is not a run of A, C, G, T, N"),
        (HEADER, "chr1\t1\t.\tA\tC,Z\t.\t.\t.\n", 4, "ALT 'Z'"),
        (HEADER, "chr1 1 . A C . . .\n", 4, "expected 8 tab-separated columns"),
    ],
)
def test_errors_name_file_and_line(tmp_path, header, body, line, message):
    path = _write(tmp_path, body, header)
    with pytest.raises(VcfFormatError) as err:
        list(read_vcf(path))
    assert err.value.line == line and message in str(err.value)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert isinstance(err.value, DeepMotifError)


def test_missing_truncated_and_headerless_files(tmp_path):
    with pytest.raises(VcfFormatError, match="no such file"):
        list(read_vcf(tmp_path / "absent.vcf"))
    gz = tmp_path / "cut.vcf.gz"
    whole = gzip.compress((HEADER + "".join(f"chr1\t{i}\t.\tA\tC\t.\t.\t.\n" for i in range(1, 5000))).encode())
    gz.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(VcfFormatError, match="corrupt gzip"):
        list(read_vcf(gz))
    with pytest.raises(VcfFormatError, match="no '#CHROM POS ID REF ALT"):
        list(read_vcf(_write(tmp_path, "", "##fileformat=VCFv4.2\n")))
