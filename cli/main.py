"""`deepmotif`: one command line over the Python API. Each subcommand lives in the module
that owns its job and adds itself with `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import sys

# Module -> subcommands it registers. Order is the order shown in --help.
COMMAND_MODULES = (
    "deepmotif.cli.demo",                  # demo
    "deepmotif.cli.data",         # data list, data build
    "deepmotif.cli.training",     # train, evaluate, compare
    "deepmotif.cli.serving",      # export, models list/info/pull, finetune
    "deepmotif.cli.scanning",     # scan
    "deepmotif.cli.variants",     # variants
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
    from deepmotif.cli.plain_output import plain_warnings, quiet_libraries
    from deepmotif.core.errors import DeepMotifError, disk_full

    quiet_libraries()  # before any command imports TensorFlow: our lines, not its start-up chatter
    if argv is None:  # the command line itself, not a caller of main() (tests) whose warnings stay as they were
        plain_warnings()

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
    except Exception as err:  # a full disk is the user's to fix, whichever library's write hit it
        full = disk_full(err)
        if full is None:
            raise
        print(f"deepmotif {args.command}: error: {full}", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
