"""CLI: `deepmotif scan`: a genome-browser track of a model's score along sequences, and its best hits."""

from __future__ import annotations

import argparse
import sys

from deepmotif.cli.beam_arguments import RUNNER_HELP, add_runner_arguments
from deepmotif.cli.plain_output import progress_bar

EPILOG = """\
Track (bedGraph): a `track` line recording the model, window, stride and assembly, then
`chrom start end score` rows. Each window's score goes to its central STRIDE-bp bin, so rows never
overlap and tile each region (convert with bedGraphToBigWig or pyBigWig). Windows may reach past a
BED region into the flanking genome but never past a contig end: the first and last ~window/2 bases
of a contig (or FASTA record) get no row. For --fasta, `chrom` is the record id.
Hits (BED6, no header): `chrom start end name score strand`, the best K windows that overlap no
better one on either strand (greedy non-maximum suppression), best first; each is one window wide.
A window scores as its better strand (DeepBind's convention): strand is `+` when the window
outscores its reverse complement, `-` when it is outscored, `.` for a tie or a model that averages
both strands. It is the orientation the model prefers: a model trained on peaks whose sites lie on
either strand carries little strand information, so read it as a hint, not a call.

examples:
  deepmotif scan --model GATA1_K562_GATA-1_USC.cnn --bed regions.bed --genome hg38.fa \\
      --out gata1.bedgraph --stride 10 --hits gata1_hits.bed --top 500
  deepmotif scan --model runs/gata1_cnn --fasta promoters.fa --out promoters.bedgraph
  deepmotif scan --model exported_models/gata1/1 --genome hg38.fa --stride 20 --out gata1.bedgraph \\
      --runner direct --beam-option direct_num_workers=2

""" + RUNNER_HELP


def _rows(chunk) -> str:
    return "".join(f"{chunk.chrom}\t{s}\t{e}\t{v:.6g}\n"
                   for s, e, v in zip(chunk.starts.tolist(), chunk.ends.tolist(), chunk.scores.tolist()))


def _track_line(model_ref: str, window: int, stride: int, assembly: str) -> str:
    name = str(model_ref).replace('"', "'")
    return (f'track type=bedGraph name="deepmotif scan" description="{name}: probability of the {window}-bp '
            f'window centred on each {stride}-bp bin" assembly={assembly}\n')


def _track_chunks(args, model, targets, window: int, failures: list):
    """The scored `TrackChunk`s: in this process, or with `--runner` as a Beam job (same chunks, same order)."""
    strand = "both" if args.hits else "forward"
    if args.runner is None:
        from deepmotif.zoo.scanning import scan_track

        return scan_track(model, targets, window, args.stride, strand=strand, batch_size=args.batch_size)
    from deepmotif.cli.beam_arguments import beam_job
    from deepmotif.zoo.architectures import averages_strands
    from deepmotif.zoo.beam.scan_pipeline import scan_track_beam

    options, temp_dir = beam_job(args)
    return scan_track_beam(model, args.model, args.genome, list(targets), window, args.stride, options=options,
                           temp_dir=temp_dir, strand=strand, averages_strands=averages_strands(model),
                           batch_size=args.batch_size, failures=failures)


def _scan(args) -> int:
    from deepmotif.core import atomic
    from deepmotif.core.errors import DeepMotifError
    from deepmotif.zoo.architectures import averages_strands
    from deepmotif.zoo.model_loading import load_model
    from deepmotif.cli.beam_arguments import check_runner_arguments, driver_genome, report_failures
    from deepmotif.zoo.scanning import (best_hits, count_bins, fasta_targets, genome_targets, keep_candidates,
                                        pool_size, window_of)

    if args.fasta is None and args.genome is None:
        raise DeepMotifError("give --fasta SEQS.fa, or --genome GENOME.fa (with --bed REGIONS.bed for regions)")
    if args.fasta is not None and (args.genome is not None or args.bed is not None):
        raise DeepMotifError("--fasta scans its own records; it does not combine with --genome/--bed")
    if args.top < 1:
        raise DeepMotifError(f"--top must be at least 1, got {args.top}")
    check_runner_arguments(args)
    if args.runner is not None and args.fasta is not None:
        raise DeepMotifError("--runner scans --genome (any FASTA will do: it is indexed on first use); "
                             "--fasta runs in this process")
    model = load_model(args.model)
    window = window_of(model)
    genome = None
    if args.fasta is not None:
        targets, total = fasta_targets(args.fasta), None
        assembly = args.assembly or "unknown"
    else:
        from deepmotif.datasets.genome import open_genome

        genome = open_genome(driver_genome(args), assembly=args.assembly)
        assembly = genome.assembly
        regions = None
        if args.bed is not None:
            from deepmotif.datasets.peaks import read_intervals

            regions = [(r.chrom, r.start, r.end) for r in read_intervals(args.bed)]
        targets = genome_targets(genome, regions)
        total = count_bins(targets, window, args.stride)
    pool, limit, n_bins, contigs, failures = None, pool_size(args.top, window), 0, set(), []
    try:
        with atomic.atomic_path(args.out) as tmp, open(tmp, "w") as track, progress_bar("bin", total) as bar:
            track.write(_track_line(args.model, window, args.stride, assembly))
            for chunk in _track_chunks(args, model, targets, window, failures):
                track.write(_rows(chunk))
                n_bins += len(chunk.scores)
                contigs.add(chunk.chrom)
                if args.hits:
                    pool = keep_candidates(pool, chunk, limit)
                bar.update(len(chunk.scores))
    finally:
        if genome is not None:
            genome.close()
    print(f"wrote {n_bins} bins on {len(contigs)} sequences ({window}-bp windows, stride {args.stride}, "
          f"assembly {assembly}) to {args.out}")
    if n_bins == 0:
        print(f"warning: nothing was scored: every sequence or region is too close to a contig end for a "
              f"{window}-bp window", file=sys.stderr)
    if args.hits:
        hits = best_hits(pool, window, args.top, strand_symmetric=averages_strands(model))
        lines = "".join(f"{h.chrom}\t{h.start}\t{h.end}\thit{rank}\t{h.score:.6g}\t{h.strand}\n"
                        for rank, h in enumerate(hits, start=1))
        atomic.write_text(args.hits, lines)
        print(f"wrote {len(hits)} non-overlapping hits to {args.hits}")
    return report_failures(failures, args.out)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "scan", help="score every window of long sequences: a bedGraph track and the best hits",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Slide a model's trained window along FASTA records, BED regions of a genome, or a whole "
                    "genome, and write the score of every window as a bedGraph track (streamed to disk).",
    )
    p.add_argument("--model", required=True, metavar="RUN_OR_NAME",
                   help="run directory, .keras file, exported version directory or published model name")
    p.add_argument("--fasta", default=None, metavar="SEQS.fa", help="scan each record whole (plain or gzip)")
    p.add_argument("--bed", default=None, metavar="REGIONS.bed", help="regions of --genome to scan (BED3+)")
    p.add_argument("--genome", default=None, metavar="GENOME.fa",
                   help="indexed genome FASTA (plain or bgzip); without --bed every contig is scanned")
    p.add_argument("--assembly", default=None, help="assembly name for the track (default: from the genome's file name)")
    p.add_argument("--out", required=True, metavar="TRACK.bedgraph", help="bedGraph to write")
    p.add_argument("--stride", type=int, default=1, help="bp between window starts, 1..window (default 1)")
    p.add_argument("--hits", default=None, metavar="HITS.bed", help="also write the best windows as BED6")
    p.add_argument("--top", type=int, default=1000, metavar="K", help="number of hits (default 1000)")
    p.add_argument("--batch-size", type=int, default=1024, help="windows per model call (default 1024)")
    add_runner_arguments(p)
    p.set_defaults(func=_scan, command="scan")
