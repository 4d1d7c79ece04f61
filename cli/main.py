"""`deepmotif`: one command line over the Python API. Each subcommand lives in the module
that owns its job and adds itself with `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Module -> subcommands it registers. Order is the order shown in --help.
COMMAND_MODULES = (
    "deepmotif.cli.demo",                  # demo
    "deepmotif.cli.data",         # data list, data build
    "deepmotif.cli.training",     # train, evaluate, compare
    "deepmotif.cli.serving",      # export, models list/info/pull, finetune
    "deepmotif.cli.interpret",        # interpret saliency/temporal/optimize/ism/motifs
    "deepmotif.cli.dashboard",              # dashboard
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepmotif",
        description=(
            "DeepMotif Zoo: train, compare, serve and explain deep models of transcription-factor "
            "binding (CNN, bi-LSTM RNN, CNN-RNN; Lanchantin et al., PSB 2017). "
            "Start with `deepmotif demo`."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from deepmotif.core.errors import DeepMotifError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
    except DeepMotifError as err:
        print(f"deepmotif {args.command}: error: {err}", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
