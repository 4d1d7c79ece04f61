"""CLI: `deepmotif train`, `deepmotif evaluate`, `deepmotif compare` (thin layer over the Python API)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from deepmotif.cli.plain_output import keras_verbose

PRECISION_HELP = "auto (mixed_float16 on a GPU, else float32), float32, mixed_float16 or mixed_bfloat16"


def _add_data_args(p) -> None:
    p.add_argument("--manual-dir", default=None,
                   help="folder holding the raw files of manual-download datasets (encode_tfbs: ../shared/data/encode)")
    p.add_argument("--data-dir", default=None, help="TFDS data_dir for prepared datasets (default: TFDS's own)")


def _add_training_args(p) -> None:
    from deepmotif.zoo.recipes import RECIPES

    p.add_argument("--epochs", type=int, default=None,
                   help="epochs (default: the recipe's; default 30 and the RNN up to 200, demo 50)")
    p.add_argument("--batch-size", type=int, default=None, help="batch size (default: the recipe's; 128, demo 256)")
    p.add_argument("--learning-rate", type=float, default=None, help="peak learning rate (default: the recipe's)")
    p.add_argument("--recipe", default="default", choices=sorted(RECIPES),
                   help="training preset: 'default' (reliable, chosen by experiment, see docs/results.md) or "
                        "'demo' (the paper's: Adam 0.01, clip ±5, lr halved every 10 epochs, batch 256, 50 epochs)")
    p.add_argument("--precision", default="auto", help=PRECISION_HELP)
    p.add_argument("--seed", type=int, default=0, help="random seed; runs are deterministic on CPU (default 0)")
    p.add_argument("--strategy", default="auto", choices=("auto", "none", "mirrored", "multiworker"),
                   help="tf.distribute strategy: auto (multiworker when $TF_CONFIG names several workers, mirrored "
                        "with several GPUs, else none), mirrored (one machine's GPUs) or multiworker (machines "
                        "listed in $TF_CONFIG; worker 0 writes --out)")
    p.add_argument("--max-train-examples", type=int, default=None,
                   help="train on at most this many training sequences (default: all)")
    p.add_argument("--max-validation-examples", type=int, default=None,
                   help="select the model on at most this many validation sequences (default: all); with few "
                        "labelled sequences keep it no larger than --max-train-examples")
    _add_data_args(p)
    p.add_argument("--overwrite", action="store_true",
                   help="replace a run directory that holds a different run (never done silently)")
    p.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                   help="Keras verbosity: 0 silent, 1 progress bar on a terminal, else one line per epoch (default), "
                        "2 one line per epoch")


def _parse_overrides(items) -> dict:
    """`--set key=value` (value parsed as JSON when it can be) -> dict of model hyperparameters."""
    out = {}
    for item in items or ():
        from deepmotif.core.errors import DeepMotifError

        if "=" not in item:
            raise DeepMotifError(f"--set expects key=value, got {item!r}")
        key, value = item.split("=", 1)
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def _train(args) -> int:
    from deepmotif.zoo.training import train

    summary = train(
        args.dataset, args.arch, args.out, epochs=args.epochs, batch_size=args.batch_size,
        precision=args.precision, recipe=args.recipe, seed=args.seed, manual_dir=args.manual_dir,
        data_dir=args.data_dir, overwrite=args.overwrite, max_train_examples=args.max_train_examples,
        max_validation_examples=args.max_validation_examples, learning_rate=args.learning_rate,
        verbose=keras_verbose(args.verbose), reverse_complement=args.reverse_complement,
        command=shlex.join(["deepmotif"] + sys.argv[1:]), strategy=args.strategy, **_parse_overrides(args.set),
    )
    if "weights_sha256" in summary:
        print(f"final weights sha256 {summary['weights_sha256']}")
    if summary.get("run_dir") is None:  # a worker other than the chief: the chief writes and scores the run
        print(f"worker done ({summary['state']}); worker 0 writes the run directory")
        return 0
    test = summary["test"]
    print(f"{args.out}: test auROC {test['auroc']:.4f}  auPRC {test['auprc']:.4f}  (n={test['n']})")
    return 0


def _format_evaluation(result: dict) -> str:
    from deepmotif.zoo.intervals import format_interval, versus

    lines = [f"{result['dataset']} [{result['split']}]  n={result['n']}",
             f"  auROC  {format_interval(result['auroc'], result.get('auroc_ci'), 4)}",
             f"  auPRC  {format_interval(result['auprc'], result.get('auprc_ci'), 4)}"]
    if "auroc_ci" in result:
        lines[0] += f"  (95% bootstrap intervals, {result['bootstrap']} resamples)"
    for key, label in (("deepbind_star_auroc", "DeepBind*"), ("deepbind_auroc", "DeepBind ")):
        if key in result:
            verdict = f"  (ours: {versus(result['auroc_ci'], result[key])})" if "auroc_ci" in result else ""
            lines.append(f"  {label} auROC {result[key]:.3f}{verdict}")
    return "\n".join(lines)


def _evaluate(args) -> int:
    from deepmotif.zoo.evaluation import evaluate

    result = evaluate(args.run, dataset=args.dataset, split=args.split, manual_dir=args.manual_dir,
                      data_dir=args.data_dir, bootstrap=args.bootstrap, seed=args.seed)
    if args.json:
        keys = ["auroc", "auprc", "n"] + [k for k in ("auroc_ci", "auprc_ci", "deepbind_auroc", "deepbind_star_auroc")
                                          if k in result]
        print(json.dumps({k: result[k] for k in keys}))
    else:
        print(_format_evaluation(result))
    return 0


def _compare(args) -> int:
    from deepmotif.zoo.comparison import compare

    table = compare(
        args.experiments, archs=args.archs, out=args.out, epochs=args.epochs, batch_size=args.batch_size,
        learning_rate=args.learning_rate, overwrite=args.overwrite,
        recipe=args.recipe, precision=args.precision, seeds=args.seeds or [args.seed], shard=args.shard,
        merge=args.merge, manual_dir=args.manual_dir, data_dir=args.data_dir,
        max_train_examples=args.max_train_examples, max_validation_examples=args.max_validation_examples,
        verbose=keras_verbose(args.verbose),
        command=shlex.join(["deepmotif"] + sys.argv[1:]), strategy=args.strategy,
    )
    if args.shard:
        print(f"shard {args.shard}: {len(table['runs'])} of {table['cells']} runs finished in {args.out}; "
              f"when every shard is done: deepmotif compare ... --merge")
        return 0
    print(table["markdown"])
    print(f"Wrote {table['markdown_path']} and {table['csv_path']}")
    return 0


def register(subparsers) -> None:
    from deepmotif.zoo.hyperparameters import ARCHITECTURES

    fmt = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(
        "train", help="train one architecture on one dataset into a run directory", formatter_class=fmt,
        description=(
            "Train CNN, RNN or CNN-RNN on a dataset. RUN_DIR receives config.json, model.keras (best by "
            "validation auROC), history.csv, metrics.json, predictions_test.npz and tensorboard/.\n"
            "A killed run resumes from RUN_DIR/backup when the same command is run again.\n\n"
            "example:\n  deepmotif train --dataset encode_tfbs/GATA1_K562_GATA-1_USC --arch cnn_rnn \\\n"
            "      --manual-dir ../shared/data/encode --out runs/gata1_cnn_rnn"),
    )
    p.add_argument("--dataset", default=None, help="TFDS name, e.g. synthetic_tfbs/gata1 (default) or encode_tfbs/<experiment>")
    p.add_argument("--arch", default="cnn_rnn", help=f"architecture: {', '.join(ARCHITECTURES)} (default cnn_rnn)")
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run directory to create (or resume)")
    _add_training_args(p)
    p.add_argument("--reverse-complement", choices=("off", "augment", "average"), default=None,
                   help="strands (default: the recipe's: 'average' for --recipe default, chosen on validation "
                        "auROC over ten ENCODE experiments; 'off' for the paper's demo recipe): 'off', 'augment' "
                        "(each training sequence reverse-complemented with probability 1/2 every epoch) or "
                        "'average' (the model averages a sequence's and its reverse complement's logits, in the "
                        "exported SavedModel too); recorded in config.json and the model card")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a model hyperparameter, e.g. --set lstm_units=64 --set batch_norm=false "
                        "(repeatable)")
    p.set_defaults(func=_train)

    p = subparsers.add_parser(
        "evaluate", help="auROC/auPRC of a trained run on a dataset split", formatter_class=fmt,
        description="Score a run directory (or .keras file) with scikit-learn. For encode_tfbs datasets "
                    "DeepBind and DeepBind* test auROC are shown beside ours.",
    )
    p.add_argument("run", metavar="RUN_DIR", help="run directory or .keras file")
    p.add_argument("--dataset", default=None, help="dataset to score on (default: the one the run was trained on)")
    p.add_argument("--split", default="test", help="train, validation or test (default test)")
    _add_data_args(p)
    p.add_argument("--json", action="store_true", help='print exactly one JSON object {"auroc", "auprc", "n", ...}')
    p.add_argument("--bootstrap", type=int, nargs="?", const=1000, default=None, metavar="N",
                   help='95%% percentile-bootstrap intervals over the examples from N resamples (1000 when N '
                        'is left out): adds "auroc_ci" and "auprc_ci" [low, high]')
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap resamples (default 0)")
    p.set_defaults(func=_evaluate)

    p = subparsers.add_parser(
        "compare", help="train every architecture on each experiment and tabulate test auROC",
        formatter_class=fmt,
        description=(
            "Train each architecture on each dataset (skipping finished runs, resuming killed ones) into "
            "OUT/<experiment>/<arch>/, then write OUT/results.md and OUT/results.csv: test auROC per "
            "experiment and architecture with DeepBind* and DeepBind beside it, means at the bottom.\n\n"
            "example:\n  deepmotif compare --manual-dir ../shared/data/encode --epochs 10 --out runs/compare \\\n"
            "      --experiments GATA1_K562_GATA-1_USC REST_K562_NRSF_HudsonAlpha"),
    )
    p.add_argument("--experiments", nargs="+", required=True,
                   help="dataset names; a bare ENCODE experiment name means encode_tfbs/<name>; encode_tfbs alone means "
                        "the experiments whose train and test files are in --manual-dir (without it: all 505)")
    p.add_argument("--archs", nargs="+", default=list(ARCHITECTURES), help="architectures (default: all three)")
    p.add_argument("--out", required=True, help="folder for the runs and the table")
    p.add_argument("--seeds", nargs="+", type=int, default=None,
                   help="several seeds: one run per (experiment, arch, seed) in OUT/<experiment>/<arch>-seed<k>/, "
                        "the table shows mean ± sd with the interval of the mean, and runs.csv marks the seed to publish "
                        "(median validation auROC) (default: --seed alone)")
    p.add_argument("--shard", metavar="I/N", default=None,
                   help="train only share I (0-based) of N of the (experiment, arch, seed) grid, for N independent "
                        "jobs (a Slurm array, an indexed Kubernetes Job); writes no table")
    p.add_argument("--merge", action="store_true",
                   help="train nothing: write the table from the finished runs (after every shard finished)")
    _add_training_args(p)
    p.set_defaults(func=_compare)
