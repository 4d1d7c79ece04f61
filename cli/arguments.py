"""Argument types shared by the subcommands (argparse reports their errors: usage, exit 2)."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """`--n 0` or `--n -1` would slice `[:0]` / `[:-1]`: a count must be a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value
