"""`deepmotif data list` and `deepmotif data build`: a thin layer over `deepmotif.datasets.pipeline`."""

from __future__ import annotations

import argparse
import os
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
  deepmotif data build user_tfbs/MYTF --positives peaks.fa [--negatives background.fa]

user_tfbs: all sequences must have one length. Without --negatives each positive gets one
dinucleotide-preserving shuffle as its negative. Without --test-positives a deterministic 10% of the
records (--test-fraction) is held out as the test split; validation is a further 10% of the rest.
Once built, a user dataset loads by name alone (same --data-dir).
"""


def _encode_files_present(manual_dir) -> dict[str, str]:
    """`{config: "files" | "test-only"}` for the ENCODE experiments found under `manual_dir` (one walk)."""
    from deepmotif.datasets.encode_tfbs.encode_tfbs_dataset_builder import read_experiments
    from deepmotif.datasets.encode_tfbs.files import TEST_IN_DIR, TRAIN_IN_DIR

    if not manual_dir or not Path(manual_dir).is_dir():
        return {}
    dirs: dict[str, set[str]] = {}
    files: set[str] = set()
    for here, _, names in os.walk(manual_dir, followlinks=True):
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

    user_kwargs = {
        k: getattr(args, k)
        for k in ("positives", "negatives", "test_positives", "test_negatives", "test_fraction", "seed")
        if getattr(args, k) is not None
    }
    builder = pipeline.build_dataset(
        args.name, manual_dir=args.manual_dir, data_dir=args.data_dir, overwrite=args.overwrite, **user_kwargs
    )
    counts = ", ".join(f"{k} {v.num_examples:,}" for k, v in sorted(builder.info.splits.items()))
    print(f"{args.name}: {counts}\nprepared in {builder.data_dir}")
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
    user.add_argument("--negatives", metavar="FASTA", help="unbound sequences (default: dinucleotide shuffles)")
    user.add_argument("--test-positives", metavar="FASTA", help="bound test sequences (default: hold out a fraction)")
    user.add_argument("--test-negatives", metavar="FASTA", help="unbound test sequences (default: shuffles)")
    user.add_argument("--test-fraction", type=float, help="fraction held out for test without --test-positives (0.1)")
    user.add_argument("--seed", type=int, help="seed of the shuffles and hold-outs (0)")
    build.set_defaults(func=build_command)
