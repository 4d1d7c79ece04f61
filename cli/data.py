"""`deepmotif data list` and `deepmotif data build`: a thin layer over `deepmotif.datasets.pipeline`."""

from __future__ import annotations

import argparse
from pathlib import Path

LIST_HELP = """\
List every dataset name: the synthetic tasks (no files needed), DeepBind's 505 ENCODE experiments and
the user datasets built in --data-dir. STATUS says `prepared` (built in --data-dir), `files` (its
train and test files were found under --manual-dir), `test-only` (only a test file there) or `-`.
"""

BUILD_HELP = """\
Build (prepare) one dataset with TensorFlow Datasets, showing TFDS's own progress.

  deepmotif data build synthetic_tfbs/grammar
  deepmotif data build encode_tfbs/GATA1_K562_GATA-1_USC --manual-dir ../shared/data/encode
  deepmotif data build user_tfbs/MYTF --peaks MYTF.narrowPeak.gz --genome hg38.fa.gz \
      [--background genomic] [--split-preset grelu | --test-chroms chr8,chr9 --valid-chroms chr10]
  deepmotif data build user_tfbs/MYTF --positives peaks.fa [--negatives background.fa]

user_tfbs from peaks: each peak becomes a --seq-len (101) bp window of the genome centred on its
summit (narrowPeak column 10; -1 or a BED3+ file: the midpoint). The genome is read by its index
(.fai, built beside it), plain or bgzip; chr1/1 and chrM/MT name the same contig. Peaks on contigs
the genome lacks, past a contig end, on non-canonical contigs (unless --all-contigs), in the
--blacklist, repeating a window, or mostly N are left out and counted (file:line of the first few).
Splits are by whole chromosome: --split-preset bpnet-lite (default: test chr1, validation chr8,
chr10), grelu (test chr11, validation chr10) or selene (test chr8,chr9, validation chr6,chr7), or
both --test-chroms and --valid-chroms; the rest is train. Negatives: one dinucleotide shuffle per
peak (--background shuffle, default), GC-matched windows of the same split's chromosomes away from
every peak and the blacklist (--background genomic), or --negatives FASTA whose headers are
chrom:start-end. The genome's assembly (--assembly, else from its file name: hg38.fa.gz -> hg38)
is stored with the dataset.

user_tfbs from FASTA: sequences of other lengths are centre-cropped or N-padded to --seq-len
(default: the positives' length when they share one, else 101), and counted. Without --negatives
each positive gets one dinucleotide-preserving shuffle as its negative. Without --test-positives a
deterministic 10% of the records (--test-fraction) is held out as the test split; validation is a
further 10% of the rest.

Once built, a user dataset loads by name alone (same --data-dir).
"""


USER_OPTIONS = (
    "positives", "negatives", "test_positives", "test_negatives", "test_fraction", "seed", "seq_len", "peaks",
    "genome", "assembly", "background", "split_preset", "test_chroms", "valid_chroms", "blacklist", "all_contigs",
)


def _encode_files_present(manual_dir) -> dict[str, str]:
    """`{config: "files" | "test-only"}` for the ENCODE experiments found under `manual_dir` (one walk)."""
    from deepmotif.datasets.encode_tfbs.encode_tfbs_dataset_builder import read_experiments
    from deepmotif.datasets.encode_tfbs.files import TEST_IN_DIR, TRAIN_IN_DIR, walk

    if not manual_dir or not Path(manual_dir).is_dir():
        return {}
    dirs: dict[str, set[str]] = {}
    files: set[str] = set()
    for here, _, names in walk(manual_dir):  # each real directory once: symlink loops end
        dirs.setdefault(Path(here).name, set()).update(names)
        files.update(names)
    found = {}
    for row in read_experiments():
        has_train = has_test = False
        for name in (row["config"], row["experiment"]):
            inside = dirs.get(name, set())
            has_train |= bool(inside & set(TRAIN_IN_DIR)) or f"{name}_AC.seq.gz" in files
            has_test |= bool(inside & set(TEST_IN_DIR)) or f"{name}_B.seq.gz" in files
        if has_test:
            found[row["config"]] = "files" if has_train else "test-only"
    return found


def _prepared(data_dir: Path, name: str) -> bool:
    return any((d / "dataset_info.json").is_file() for d in (data_dir / name).glob("*.*.*"))


def list_command(args) -> int:
    from deepmotif.datasets import pipeline

    data_dir = pipeline.default_data_dir(args.data_dir)
    present = _encode_files_present(args.manual_dir)
    pattern = (args.pattern or "").lower()
    names = [n for n in pipeline.list_datasets(data_dir) if pattern in n.lower()]
    width = max((len(n) for n in names), default=0)
    print(f"{'NAME':<{width}}  STATUS     DESCRIPTION")
    for name in names:
        builder, config = name.split("/", 1)
        status = "prepared" if _prepared(data_dir, name) else present.get(config, "-")
        if builder == "user_tfbs":
            description = "your data (see dataset_info.json)"
        else:
            description = (pipeline.BUILDERS[builder].builder_configs[config].description or "").split(";")[0]
        print(f"{name:<{width}}  {status:<9}  {description}")
    manual = f"; manual dir {args.manual_dir}" if args.manual_dir else ""
    print(f"\n{len(names)} datasets; data dir {data_dir}{manual}")
    return 0


def build_command(args) -> int:
    from deepmotif.datasets import pipeline

    user_kwargs = {k: getattr(args, k) for k in USER_OPTIONS if getattr(args, k) not in (None, False)}
    builder = pipeline.build_dataset(
        args.name, manual_dir=args.manual_dir, data_dir=args.data_dir, overwrite=args.overwrite, **user_kwargs
    )
    counts = ", ".join(f"{k} {v.num_examples:,}" for k, v in sorted(builder.info.splits.items()))
    print(f"{args.name}: {counts}")
    for line in report_lines(dict(builder.info.metadata or {})):
        print(line)
    print(f"prepared in {builder.data_dir}")
    return 0


def report_lines(metadata: dict) -> list[str]:
    """What a user dataset's `build_report` says: peaks left out (why, where), sequences resized,
    and each split's chromosomes and counts."""
    from deepmotif.datasets.peak_windows import describe_skipped

    report = metadata.get("build_report") or {}
    lines = []
    peaks = report.get("peaks")
    if peaks:
        lines.append(f"assembly {report.get('assembly')}; {peaks['path']}: {peaks['n_peaks']:,} peaks, "
                     f"{peaks['n_windows']:,} windows of {report.get('seq_len')} bp")
        skipped = describe_skipped(peaks)
        lines += (["left out:"] + skipped) if skipped else ["no peak left out"]
    resized = dict(report.get("resized") or {})
    if report.get("negatives"):
        resized[report["negatives"]["path"]] = report["negatives"]
    for path, n in resized.items():
        if n.get("cropped") or n.get("padded"):
            lines.append(f"{path}: {n.get('cropped', 0):,} centre-cropped, {n.get('padded', 0):,} N-padded "
                         f"to {report.get('seq_len')} bp")
    split = report.get("split")
    if split:
        how = f"preset {split['preset']}" if split["preset"] else "--test-chroms/--valid-chroms"
        lines.append(f"split by chromosome ({how}); negatives: {report.get('background')}")
        for name in ("train", "validation", "test"):
            n = report["counts"][name]
            chroms = ", ".join(report["chroms"][name])
            lines.append(f"  {name:<10} {n['positives']:>7,} positives {n['negatives']:>7,} negatives  {chroms}")
    return lines


def example_genome_command(args) -> int:
    """`deepmotif data example-genome OUT`: the synthetic genome of the README's walk-through."""
    from deepmotif.core.atomic import write_text
    from deepmotif.datasets.synthetic_genome import write_synthetic_genome

    print(f"writing a synthetic genome with planted JASPAR sites to {args.out} ...", flush=True)
    made = write_synthetic_genome(args.out, seed=args.seed)
    strand = {1: "+", -1: "-"}
    write_text(Path(args.out) / "sites.bed", "".join(
        f"{s.chrom}\t{s.start}\t{s.end}\t{s.motif}\t0\t{strand[s.strand]}\n" for s in made.sites))
    print(f"genome   {made.genome} ({len(made.contigs)} contigs, {sum(made.contigs.values()):,} bp; "
          f"assembly {made.assembly})\npeaks    {made.peaks}\nvariants {made.vcf}\n"
          f"sites    {Path(args.out) / 'sites.bed'} ({len(made.sites)} planted GATA1/CTCF sites)")
    return 0


def register(subparsers) -> None:
    """Add `data list` and `data build` to the `deepmotif` command line."""
    data = subparsers.add_parser(
        "data",
        help="list and build datasets (synthetic, ENCODE, your own FASTA)",
        description="Datasets are TensorFlow Datasets builders: encode_tfbs/<experiment>, "
        "synthetic_tfbs/<task>, user_tfbs/<name>.",
    )
    data.set_defaults(func=lambda args: data.print_help() or 2)
    actions = data.add_subparsers(dest="data_command", metavar="ACTION")
    raw = argparse.RawDescriptionHelpFormatter

    listing = actions.add_parser("list", help="list dataset names and whether they are built",
                                 description=LIST_HELP, formatter_class=raw)
    listing.add_argument("pattern", nargs="?", help="show only names containing this text (case-insensitive)")
    listing.add_argument("--manual-dir", help="where ENCODE files are (marks the experiments found there)")
    listing.add_argument("--data-dir", help="TFDS data directory (default $TFDS_DATA_DIR or ~/tensorflow_datasets)")
    listing.set_defaults(func=list_command)

    build = actions.add_parser("build", help="build one dataset", description=BUILD_HELP, formatter_class=raw)
    build.add_argument("name", help="dataset name, e.g. synthetic_tfbs/gata1 (see `deepmotif data list`)")
    build.add_argument("--manual-dir", help="folder searched (recursively) for ENCODE files")
    build.add_argument("--data-dir", help="TFDS data directory (default $TFDS_DATA_DIR or ~/tensorflow_datasets)")
    build.add_argument("--overwrite", action="store_true", help="rebuild even if already prepared")
    user = build.add_argument_group("user_tfbs datasets")
    user.add_argument("--positives", metavar="FASTA", help="bound sequences (FASTA, optionally gzipped)")
    user.add_argument("--negatives", metavar="FASTA", help="unbound sequences (default: dinucleotide shuffles); "
                      "with --peaks, headers must be chrom:start-end (bedtools getfasta)")
    user.add_argument("--test-positives", metavar="FASTA", help="bound test sequences (default: hold out a fraction)")
    user.add_argument("--test-negatives", metavar="FASTA", help="unbound test sequences (default: shuffles)")
    user.add_argument("--test-fraction", type=float, help="fraction held out for test without --test-positives (0.1)")
    user.add_argument("--seed", type=int, help="seed of the shuffles, hold-outs and background draw (0)")
    user.add_argument("--seq-len", type=int, help="window / sequence length in bp (peaks: 101; FASTA: "
                      "the positives' length, else 101); other FASTA lengths are centre-cropped or N-padded")
    peaks = build.add_argument_group("user_tfbs from peaks and a genome (instead of --positives)")
    peaks.add_argument("--peaks", metavar="PEAKS", help="narrowPeak (summit: column 10) or BED3+ (midpoint), gzip or not")
    peaks.add_argument("--genome", metavar="FASTA", help="genome FASTA, plain or bgzip (plain gzip: bgzip it or "
                       "decompress it); indexed beside it on first use")
    peaks.add_argument("--assembly", metavar="NAME", help="genome assembly recorded with the dataset "
                       "(default: from the genome's file name, e.g. hg38 from hg38.fa.gz)")
    peaks.add_argument("--background", choices=("shuffle", "genomic"), help="negatives: a dinucleotide shuffle "
                       "of each peak (shuffle, default) or GC-matched windows of the split's chromosomes (genomic)")
    peaks.add_argument("--split-preset", metavar="NAME", help="held-out chromosomes as bpnet-lite (default; "
                       "test chr1, valid chr8,chr10), grelu (test chr11, valid chr10) or selene (test chr8,chr9, "
                       "valid chr6,chr7) split them")
    peaks.add_argument("--test-chroms", metavar="LIST", help="test chromosomes, comma-separated (with --valid-chroms)")
    peaks.add_argument("--valid-chroms", metavar="LIST", help="validation chromosomes, comma-separated")
    peaks.add_argument("--blacklist", metavar="BED", help="regions no peak window or background window may overlap "
                       "(e.g. the ENCODE blacklist)")
    peaks.add_argument("--all-contigs", action="store_true", default=None,
                       help="keep peaks on non-canonical contigs (unplaced, alt, chrM); they go to train")
    build.set_defaults(func=build_command)

    example = actions.add_parser(
        "example-genome", help="write a small synthetic genome, peaks and VCF to try the genome commands on",
        description="Write OUT/synth1.fa (+ bgzip copy), OUT/peaks.narrowPeak and OUT/variants.vcf: five contigs "
        "(200 kb) with real JASPAR GATA1 and CTCF sites planted at known places, peaks over them (with the kinds of "
        "bad lines real files have: a duplicate, an unknown contig, one past a contig end, one in an N gap) and "
        "variants that destroy sites or lie far from any. OUT/sites.bed lists the planted sites (the truth).")
    example.add_argument("out", help="folder to write into (created; existing files of these names are replaced)")
    example.add_argument("--seed", type=int, default=1, help="random seed (1)")
    example.set_defaults(func=example_genome_command)
