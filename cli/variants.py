"""CLI: `deepmotif variants`: how each VCF variant changes a model's binding score."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from deepmotif.cli.beam_arguments import RUNNER_HELP, add_runner_arguments
from deepmotif.cli.plain_output import progress_bar

EPILOG = """\
Output (TSV): one header line, then one row per allele (multi-allelic records are split); beside it
OUT.json records the model, window, genome, assembly, VCF and counts:
  chrom pos id ref alt ref_prob alt_prob delta_logit ref_logit alt_logit
  ref_logit_forward ref_logit_reverse alt_logit_forward alt_logit_reverse ref_mismatch
pos is the VCF POS (1-based). Reference and alternate windows have the model's length, centred on
the variant; indels re-fetch the right flank to keep it. *_forward / *_reverse are the raw logits of
each window and its reverse complement; ref_logit / alt_logit combine them (their mean) and
delta_logit = alt_logit - ref_logit (negative: binding lost). Rows are streamed in chunks.

REF must match the genome: by default a VCF with mismatches is refused (naming the count, the
first mismatches as file:line, and whether REF/ALT look swapped); --ref-mismatch skip leaves them
out, flag scores them with ref_mismatch=True. ALT equal to REF, symbolic ALTs (<DEL>), breakends,
contigs the genome lacks and alleles longer than the window are skipped and reported.

example:
  deepmotif variants --model GATA1_K562_GATA-1_USC.cnn --vcf calls.vcf.gz --genome hg38.fa \\
      --out effects.tsv --ism
  deepmotif variants --model exported_models/gata1/1 --vcf calls.vcf.gz --genome hg38.fa \\
      --out effects.tsv --runner direct --beam-option direct_num_workers=2

""" + RUNNER_HELP


def _report_skipped(skipped: list, vcf: str) -> None:
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for s in skipped:
        key = re.sub(r"REF \S+ but the genome has \S+", "REF does not match the genome", s.reason)
        key = re.sub(r"^(symbolic|breakend) ALT .*", r"\1 ALT", key)
        reasons[key] = reasons.get(key, 0) + 1
    summary = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
    print(f"skipped {len(skipped)} alleles: {summary}", file=sys.stderr)
    for s in skipped[:5]:
        print(f"  {vcf}:{s.line}: {s.chrom}:{s.pos} {s.ref}>{s.alt} ({s.id}): {s.reason}", file=sys.stderr)


def _write_ism(model, genome, top, window: int, folder: Path) -> list[Path]:
    """ISM maps of the reference and alternate windows of each variant in `top`, one PNG each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from deepmotif.core import atomic
    from deepmotif.core.sequences import one_hot
    from deepmotif.interpret import ism
    from deepmotif.interpret.plots import plot_ism
    from deepmotif.zoo.variant_scoring import allele_windows

    written = []
    for rank, row in enumerate(top.itertuples(index=False), start=1):
        ref, alt, _ = allele_windows(genome, row.chrom, row.pos, row.ref, row.alt, window)
        x = one_hot(np.stack([ref, alt]))
        where = f"{row.chrom}:{row.pos} {row.ref}>{row.alt}"
        names = [f"{row.id} {where} reference window", f"{row.id} {where} alternate window "
                 f"(delta logit {row.delta_logit:+.2f})"]
        fig = plot_ism(x, ism(model, x), names=names)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{rank:03d}_{row.id}_{row.chrom}_{row.pos}")[:120]
        path = folder / f"{safe}.png"
        with atomic.atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def _effect_frames(args, model, genome, window: int, skipped: list, failures: list):
    """The effect DataFrames: in this process, or with `--runner` as a Beam job (same rows, same order)."""
    if args.runner is None:
        from deepmotif.zoo.variant_scoring import score_variants

        return score_variants(model, genome, args.vcf, window=window, ref_mismatch=args.ref_mismatch,
                              batch_size=args.batch_size, skipped=skipped, checked=True)
    from deepmotif.cli.beam_arguments import beam_job
    from deepmotif.zoo.architectures import averages_strands
    from deepmotif.zoo.beam.variant_pipeline import score_variants_beam

    options, temp_dir = beam_job(args)
    return score_variants_beam(model, args.model, args.genome, args.vcf, window, options=options, temp_dir=temp_dir,
                               ref_mismatch=args.ref_mismatch, averages_strands=averages_strands(model),
                               batch_size=args.batch_size, skipped=skipped, failures=failures)


def _variants(args) -> int:
    import pandas as pd

    from deepmotif.core import atomic
    from deepmotif.core.errors import DeepMotifError
    from deepmotif.datasets.genome import open_genome
    from deepmotif.zoo.model_loading import load_model
    from deepmotif.zoo.scanning import window_of
    from deepmotif.cli.beam_arguments import check_runner_arguments, driver_genome, report_failures
    from deepmotif.zoo.variant_scoring import COLUMNS, RefMismatchError, check_reference, mismatch_message

    if args.ism_top < 1:
        raise DeepMotifError(f"--ism-top must be at least 1, got {args.ism_top}")
    check_runner_arguments(args)
    model = load_model(args.model)
    window = window_of(model)
    skipped, top, n, failures = [], None, 0, []
    with open_genome(driver_genome(args), assembly=args.assembly) as genome:
        if args.ref_mismatch == "refuse":
            report = check_reference(genome, args.vcf)
            if report.count:
                raise RefMismatchError(mismatch_message(report, args.vcf, genome))
        with atomic.atomic_path(args.out) as tmp, open(tmp, "w") as out, progress_bar("variant") as bar:
            out.write("\t".join(COLUMNS) + "\n")
            for frame in _effect_frames(args, model, genome, window, skipped, failures):
                frame.to_csv(out, sep="\t", header=False, index=False, float_format="%.6g")
                n += len(frame)
                bar.update(len(frame))
                if args.ism:
                    both = frame if top is None else pd.concat([top, frame], ignore_index=True)
                    top = both.loc[both["delta_logit"].abs().nlargest(args.ism_top).index]
        atomic.write_json(f"{args.out}.json", {
            "command": "deepmotif variants", "model": str(args.model), "window": int(window),
            "genome": str(args.genome), "assembly": genome.assembly, "vcf": str(args.vcf),
            "ref_mismatch": args.ref_mismatch, "effects": n, "skipped": len(skipped),
            "pos": "VCF POS (1-based)", "delta_logit": "alt_logit - ref_logit (negative: binding lost)"})
        print(f"wrote {n} variant effects ({window}-bp windows, assembly {genome.assembly}) to {args.out} "
              f"(how they were made: {args.out}.json)")
        _report_skipped(skipped, args.vcf)
        if args.ism and top is not None and len(top):
            folder = Path(args.ism_dir) if args.ism_dir else Path(args.out).with_name(Path(args.out).stem + "_ism")
            written = _write_ism(model, genome, top, window, folder)
            print(f"wrote in-silico mutagenesis maps of the {len(written)} most affected variants to {folder}/")
    return report_failures(failures, args.out)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "variants", help="score how VCF variants change a model's binding score (delta logit)",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Score the reference and alternate window around each variant of a VCF and write one "
                    "row per allele with both strands' logits and delta_logit.",
    )
    p.add_argument("--model", required=True, metavar="RUN_OR_NAME",
                   help="run directory, .keras file, exported version directory or published model name")
    p.add_argument("--vcf", required=True, metavar="VARIANTS.vcf[.gz]", help="variants (plain, gzip or bgzip)")
    p.add_argument("--genome", required=True, metavar="GENOME.fa", help="indexed genome FASTA (plain or bgzip)")
    p.add_argument("--assembly", default=None, help="assembly name to record (default: from the genome's file name)")
    p.add_argument("--out", required=True, metavar="EFFECTS.tsv", help="TSV to write")
    p.add_argument("--ref-mismatch", choices=("refuse", "skip", "flag"), default="refuse",
                   help="when REF differs from the genome: refuse the VCF (default), skip those alleles, or "
                        "flag them (scored, ref_mismatch=True)")
    p.add_argument("--ism", action="store_true",
                   help="also draw in-silico mutagenesis maps of the most affected variants' windows")
    p.add_argument("--ism-top", type=int, default=5, metavar="N", help="variants drawn with --ism (default 5)")
    p.add_argument("--ism-dir", default=None, metavar="DIR", help="folder for the --ism figures (default: OUT_ism/)")
    p.add_argument("--batch-size", type=int, default=1024, help="windows per model call (default 1024)")
    add_runner_arguments(p)
    p.set_defaults(func=_variants, command="variants")
