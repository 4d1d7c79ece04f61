"""A small synthetic genome with real JASPAR sites planted at known places, plus peaks and a VCF.

`write_synthetic_genome(folder, seed=0) -> SyntheticGenome` writes, all seeded:

- `synth1.fa`: contigs chr1 (60 kb), chr2 (50 kb), chr3 (40 kb), chr4 (30 kb), chrX (30 kb) of
  i.i.d. background in 2-kb segments whose GC is drawn from 0.29-0.55 (mean 0.42; real genomes'
  GC varies regionally too, which a GC-matched background needs), 60-column lines; chr2 holds a 1.5 kb run of `N` (an assembly gap,
  `gap`) and chr3 a soft-masked (lower-case) stretch. `synth1.fa.gz` is the same genome bgzipped
  (Biopython's BGZF writer). The assembly name a file name implies is `synth1`.
- Planted sites (`sites`, ~250): GATA1 (MA0035) and CTCF (MA0139) instances sampled from their
  JASPAR matrices (relative score >= 0.8), on both strands, about one per 750 bp, never within
  300 bp of the gap, and none in the last 4 kb of each contig (`deserts`: every base there is over
  1 kb from any site). `Site(chrom, start, end, strand, motif)` is 0-based half-open; `strand` is
  +1/-1 (the motif reads on that strand); `motif` is the TF name (`GATA1`, `CTCF`).
- `peaks.narrowPeak`: a `track` line and a `#` comment, then one peak per site (random width
  80-200 bp around it; column 10 is the summit offset, the site's centre, except for about one in
  five peaks, which give -1 and are symmetric about the centre so that the midpoint is the centre),
  plus the noise in `peak_lines`: an exact duplicate of an earlier peak (`duplicate`), a peak on a
  contig the genome lacks (`absent_contig`, chr22), one running past chr4's end (`past_end`) and
  one inside the N gap (`mostly_n`). `peak_lines` maps those names to 1-based line numbers, and
  `site_lines[i]` is the line of site i's peak.
- `variants.vcf` (VCFv4.2, `##contig` lines, sorted by contig then POS): `variants` says which ids
  are which. `destroying`: biallelic SNVs at a site's most informative motif column, changing the
  planted base to that column's least likely base; `far`: SNVs in the deserts; `deletion` (3 bp)
  and `insertion` (3 bp) inside sites; `multiallelic` (two ALTs, both the least likely bases, at a
  site's most informative column); `symbolic` (`<DEL>` with SVTYPE/END, in a desert);
  `ref_equals_alt` (ALT == REF inside a site). `site_of` maps each in-site variant id to the index
  of its site in `sites`.

`deepmotif data example-genome OUT` writes it for the README's "your own data" walk-through, and
`tests/conftest.py` exposes it as the session fixture `synthetic_genome` (seed 1): the genome
features (peak datasets, scans, variant effects, Beam) are tested against its planted truth. The genome is peak-dense (a site every 750 bp; real ChIP-seq has one per ~100 kb), so a
GC-matched background for a 30-kb held-out contig has few windows to choose from: with seed 0 one
CTCF site in a GC-rich segment makes a window of GC 0.72 that nothing on chr4 matches, and
`--background genomic` (rightly) refuses. Seed 1 has no such outlier for test chr3 / validation chr4.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import NamedTuple

import numpy as np

CONTIGS = {"chr1": 60_000, "chr2": 50_000, "chr3": 40_000, "chr4": 30_000, "chrX": 30_000}
GC = 0.42
ISOCHORE = 2_000  # bp of one background segment; each segment draws its GC from GC +- GC_SPREAD
GC_SPREAD = 0.16
MOTIF_IDS = {"GATA1": "MA0035", "CTCF": "MA0139"}
SPACING = 750  # bp between site centres, on average
DESERT = 4_000  # bp at each contig's end with no site
GAP = ("chr2", 20_000, 21_500)
SOFT_MASKED = ("chr3", 1_000, 1_600)
ABSENT_CONTIG = "chr22"
ACGT = "ACGT"


class Site(NamedTuple):
    """One planted motif instance, 0-based half-open; `strand` +1/-1 is the strand it reads on."""

    chrom: str
    start: int
    end: int
    strand: int
    motif: str


@dataclasses.dataclass(frozen=True)
class VariantTruth:
    """What each record of `variants.vcf` does (ids as in the VCF's ID column)."""

    destroying: list[str]
    far: list[str]
    deletion: str
    insertion: str
    multiallelic: str
    symbolic: str
    ref_equals_alt: str
    site_of: dict[str, int]


@dataclasses.dataclass(frozen=True)
class SyntheticGenome:
    """Paths and ground truth of one `write_synthetic_genome` call (see the module docstring)."""

    folder: Path
    genome: Path
    genome_bgzip: Path
    peaks: Path
    vcf: Path
    assembly: str
    contigs: dict[str, int]
    sites: list[Site]
    motifs: dict[str, np.ndarray]  # TF name -> (w, 4) ACGT probabilities
    site_lines: list[int]
    peak_lines: dict[str, int]
    gap: tuple[str, int, int]
    deserts: list[tuple[str, int, int]]
    variants: VariantTruth


def _reverse_complement(seq: str) -> str:
    return seq[::-1].translate(str.maketrans("ACGTacgt", "TGCAtgca"))


def _place_sites(rng: np.random.Generator, motifs: dict) -> list[Site]:
    """Site positions on a jittered grid, clear of each contig's ends, the gap and the deserts."""
    sites = []
    names = sorted(motifs)
    for chrom, length in CONTIGS.items():
        for centre in range(400, length - DESERT - 300, SPACING):
            centre += int(rng.integers(-120, 121))
            if chrom == GAP[0] and GAP[1] - 300 <= centre < GAP[2] + 300:
                continue
            motif = names[int(rng.integers(len(names)))]
            width = len(motifs[motif])
            start = centre - width // 2
            sites.append(Site(chrom, start, start + width, int(rng.choice([1, -1])), motif))
    return sites


def _genome_sequences(rng: np.random.Generator, sites: list[Site], motifs: dict) -> dict[str, list[str]]:
    """Background, the gap, the soft-masked stretch and every site written in (as lists of letters)."""
    from deepmotif.datasets.jaspar import Motif
    from deepmotif.datasets.synthetic_tfbs.planting import background, sample_instances

    sequences = {}
    for chrom, length in CONTIGS.items():  # isochore-like: 2-kb segments of GC 0.29-0.55 (mean 0.42)
        segments = [background(rng, 1, ISOCHORE, rng.uniform(GC - GC_SPREAD, GC + GC_SPREAD))[0]
                    for _ in range(-(-length // ISOCHORE))]
        sequences[chrom] = list("".join(ACGT[t] for t in np.concatenate(segments)[:length]))
    by_motif = {name: [s for s in sites if s.motif == name] for name in motifs}
    for name, planted in by_motif.items():
        instances = sample_instances(rng, Motif(MOTIF_IDS[name], name, motifs[name]), len(planted), GC, 0.8)
        for site, tokens in zip(planted, instances):
            word = "".join(ACGT[t] for t in tokens)
            sequences[site.chrom][site.start : site.end] = word if site.strand == 1 else _reverse_complement(word)
    chrom, start, end = GAP
    sequences[chrom][start:end] = "N" * (end - start)
    chrom, start, end = SOFT_MASKED
    sequences[chrom][start:end] = "".join(sequences[chrom][start:end]).lower()
    return sequences


def _write_fasta(path: Path, sequences: dict[str, list[str]]) -> None:
    with open(path, "w") as f:
        for chrom, letters in sequences.items():
            seq = "".join(letters)
            f.write(f">{chrom} synthetic contig\n")
            f.writelines(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))


def _bgzip(src: Path, dst: Path) -> None:
    from Bio import bgzf

    with open(src, "rb") as f, bgzf.BgzfWriter(str(dst), "wb") as out:
        out.write(f.read())


def _peak_line(chrom, start, end, name, summit, rng) -> str:
    score = int(rng.integers(100, 1000))
    signal, p, q = rng.uniform(5, 50), rng.uniform(5, 100), rng.uniform(2, 90)
    return f"{chrom}\t{start}\t{end}\t{name}\t{score}\t.\t{signal:.3f}\t{p:.3f}\t{q:.3f}\t{summit}"


def _write_peaks(path: Path, rng: np.random.Generator, sites: list[Site]) -> tuple[list[int], dict[str, int]]:
    """One narrowPeak line per site plus the noisy ones; returns (site lines, noise lines)."""
    lines = ["track type=narrowPeak name=synthetic description=\"planted GATA1 and CTCF sites\"",
             "# synthetic peaks: one per planted site"]
    site_lines, peak_lines = [], {}
    for i, site in enumerate(sites):
        centre = site.start + (site.end - site.start) // 2
        if rng.random() < 0.2:  # no summit: symmetric, so the midpoint is the centre
            half = int(rng.integers(40, 100))
            start, end, summit = centre - half, centre + half, -1
        else:
            start = centre - int(rng.integers(40, 100))
            end = centre + int(rng.integers(40, 100))
            summit = centre - start
        lines.append(_peak_line(site.chrom, start, end, f"peak_{i}", summit, rng))
        site_lines.append(len(lines))
        if i == len(sites) // 3:
            lines.append(lines[-1])  # the same peak twice, as merged replicates often give
            peak_lines["duplicate"] = len(lines)
        if i == len(sites) // 2:
            lines.append(_peak_line(ABSENT_CONTIG, 1_000, 1_200, "peak_absent", 100, rng))
            peak_lines["absent_contig"] = len(lines)
            length = CONTIGS["chr4"]
            lines.append(_peak_line("chr4", length - 100, length + 150, "peak_past_end", 120, rng))
            peak_lines["past_end"] = len(lines)
            chrom, gap_start, gap_end = GAP
            middle = (gap_start + gap_end) // 2
            lines.append(_peak_line(chrom, middle - 100, middle + 100, "peak_in_gap", 100, rng))
            peak_lines["mostly_n"] = len(lines)
    path.write_text("\n".join(lines) + "\n")
    return site_lines, peak_lines


def _informative_column(probabilities: np.ndarray) -> int:
    """The motif column with the most information content (bits)."""
    p = np.clip(probabilities.astype(np.float64), 1e-9, 1)
    return int(np.argmax(2 + (p * np.log2(p)).sum(axis=1)))


def _site_column(site: Site, column: int) -> int:
    """0-based genome position of motif column `column` of `site`."""
    return site.start + column if site.strand == 1 else site.end - 1 - column


def _least_likely(probabilities: np.ndarray, column: int, site: Site, k: int) -> list[str]:
    """The `k` least likely bases of a motif column, as genome-strand letters."""
    order = [ACGT[i] for i in np.argsort(probabilities[column], kind="stable")[:k]]
    return order if site.strand == 1 else [_reverse_complement(b) for b in order]


def _variants(rng, sites, motifs, sequences) -> tuple[list[tuple], VariantTruth]:
    """VCF records `(chrom, pos 1-based, id, ref, alt, info)` and what each one is."""
    records, site_of = [], {}
    by_chrom = {c: [i for i, s in enumerate(sites) if s.chrom == c] for c in CONTIGS}
    destroying, far = [], []

    def snv_at_site(index, var_id, n_alts=1):
        site = sites[index]
        column = _informative_column(motifs[site.motif])
        pos = _site_column(site, column)
        ref = sequences[site.chrom][pos].upper()
        alts = [b for b in _least_likely(motifs[site.motif], column, site, 3) if b != ref][:n_alts]
        records.append((site.chrom, pos + 1, var_id, ref, ",".join(alts), "."))
        site_of[var_id] = index

    for chrom, indices in by_chrom.items():
        for j, index in enumerate(indices[2:-2:max(1, len(indices) // 5)][:4]):
            snv_at_site(index, f"destroy_{chrom}_{j}")
            destroying.append(f"destroy_{chrom}_{j}")
        desert_start = CONTIGS[chrom] - DESERT
        for j, offset in enumerate((1_500, 2_500)):
            pos = desert_start + offset
            ref = sequences[chrom][pos].upper()
            alt = [b for b in ACGT if b != ref][int(rng.integers(3))]
            records.append((chrom, pos + 1, f"far_{chrom}_{j}", ref, alt, "."))
            far.append(f"far_{chrom}_{j}")
    chr1 = by_chrom["chr1"]
    del_site, ins_site, multi_site, same_site = (sites[chr1[k]] for k in (1, 3, 5, 7))
    # a 3-bp deletion whose anchor base is the site's second base (all three deleted bases inside)
    pos = del_site.start + 1
    ref = "".join(sequences["chr1"][pos : pos + 4]).upper()
    records.append(("chr1", pos + 1, "del_site", ref, ref[0], "."))
    site_of["del_site"] = chr1[1]
    pos = ins_site.start + (ins_site.end - ins_site.start) // 2
    ref = sequences["chr1"][pos].upper()
    records.append(("chr1", pos + 1, "ins_site", ref, ref + "GTA", "."))
    site_of["ins_site"] = chr1[3]
    snv_at_site(chr1[5], "multi", n_alts=2)
    pos = same_site.start + 2
    ref = sequences["chr1"][pos].upper()
    records.append(("chr1", pos + 1, "ref_alt", ref, ref, "."))
    site_of["ref_alt"] = chr1[7]
    pos = CONTIGS["chr2"] - DESERT + 2_000
    ref = sequences["chr2"][pos].upper()
    records.append(("chr2", pos + 1, "sv_del", ref, "<DEL>", f"SVTYPE=DEL;END={pos + 1 + 300};SVLEN=-300"))
    assert multi_site and del_site
    truth = VariantTruth(destroying, far, "del_site", "ins_site", "multi", "sv_del", "ref_alt", site_of)
    return records, truth


def _write_vcf(path: Path, records: list[tuple]) -> None:
    order = {c: i for i, c in enumerate(CONTIGS)}
    header = ["##fileformat=VCFv4.2", "##source=deepmotif.datasets.synthetic_genome", "##reference=synth1.fa"]
    header += [f"##contig=<ID={c},length={n},assembly=synth1>" for c, n in CONTIGS.items()]
    header += [
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant">',
        '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Length of the structural variant">',
        '##ALT=<ID=DEL,Description="Deletion">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    rows = sorted(records, key=lambda r: (order[r[0]], r[1]))
    body = [f"{c}\t{pos}\t{vid}\t{ref}\t{alt}\t50\tPASS\t{info}" for c, pos, vid, ref, alt, info in rows]
    path.write_text("\n".join(header + body) + "\n")


def write_synthetic_genome(folder, seed: int = 0) -> SyntheticGenome:
    """Write the genome, its bgzip copy, the peaks and the VCF into `folder`; return paths and truth."""
    from deepmotif.datasets.jaspar import load_motifs

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    motifs = {name: m.probabilities for name, m in zip(MOTIF_IDS, load_motifs(list(MOTIF_IDS.values())))}
    sites = _place_sites(rng, motifs)
    sequences = _genome_sequences(rng, sites, motifs)
    genome = folder / "synth1.fa"
    _write_fasta(genome, sequences)
    genome_bgzip = folder / "synth1.fa.gz"
    _bgzip(genome, genome_bgzip)
    peaks = folder / "peaks.narrowPeak"
    site_lines, peak_lines = _write_peaks(peaks, rng, sites)
    records, truth = _variants(rng, sites, motifs, sequences)
    vcf = folder / "variants.vcf"
    _write_vcf(vcf, records)
    deserts = [(c, n - DESERT, n) for c, n in CONTIGS.items()]
    return SyntheticGenome(
        folder, genome, genome_bgzip, peaks, vcf, "synth1", dict(CONTIGS), sites, motifs,
        site_lines, peak_lines, GAP, deserts, truth,
    )
