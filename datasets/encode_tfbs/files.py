"""Find one ENCODE experiment's train/test files under some roots, in any of the known naming schemes.

- DeMo: `<experiment dir>/train.fa`, `test.fa` (Zeng-format `train.data`/`test.data` also accepted there).
- DeepBind: `<experiment>_AC.seq.gz` (train, peaks only), `<experiment>_B.seq.gz` (test), anywhere.
Directory names use `-` for parentheses (the config name); file names keep them. Both spellings are tried.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

TRAIN_IN_DIR = ("train.fa", "train.fa.gz", "train.data")
TEST_IN_DIR = ("test.fa", "test.fa.gz", "test.data")


class ExperimentFiles(NamedTuple):
    train: Path | None
    test: Path | None
    searched: list[str]


def walk(root):
    """`os.walk(root, followlinks=True)` (sorted) that enters each real directory once.

    Manual dirs are often assembled from symlinks; a link back to a parent (or two links to one
    folder) would otherwise be walked forever, or 2**40 times until the kernel's ELOOP.
    """
    seen: set[tuple[int, int]] = set()
    for here, subdirs, names in os.walk(root, followlinks=True):
        try:
            st = os.stat(here)
        except OSError:
            subdirs[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            subdirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        subdirs.sort()
        yield here, subdirs, sorted(names)


def _index(root: Path) -> tuple[dict[str, list[Path]], dict[str, list[Path]]]:
    """One walk: file name -> paths, directory name -> paths (sorted, so the choice is stable)."""
    files: dict[str, list[Path]] = {}
    dirs: dict[str, list[Path]] = {}
    for here, subdirs, names in walk(root):
        for d in subdirs:
            dirs.setdefault(d, []).append(Path(here) / d)
        for n in sorted(names):
            files.setdefault(n, []).append(Path(here) / n)
    return files, dirs


def locate(roots, experiment: str, config: str) -> ExperimentFiles:
    """First train and test file for `experiment` (original name) / `config` (TFDS name) under `roots`."""
    names = list(dict.fromkeys([config, experiment]))
    train = test = None
    searched: list[str] = []
    for root in map(Path, roots):
        files, dirs = _index(root) if root.is_dir() else ({}, {})
        for name in names:
            searched += [f"{root}/**/{name}/{f}" for f in TRAIN_IN_DIR + TEST_IN_DIR]
            searched += [f"{root}/**/{name}_AC.seq.gz", f"{root}/**/{name}_B.seq.gz"]
            for d in dirs.get(name, []):
                train = train or next((d / f for f in TRAIN_IN_DIR if (d / f).is_file()), None)
                test = test or next((d / f for f in TEST_IN_DIR if (d / f).is_file()), None)
            train = train or next(iter(files.get(f"{name}_AC.seq.gz", [])), None)
            test = test or next(iter(files.get(f"{name}_B.seq.gz", [])), None)
    return ExperimentFiles(train, test, searched)


def with_train_and_test(roots, experiments) -> list[str]:
    """Config names of the `(experiment, config)` pairs that have both a train and a test file under
    `roots` (one walk per root), in the order given: what `deepmotif compare encode_tfbs` can train."""
    indexes = [_index(Path(root)) if Path(root).is_dir() else ({}, {}) for root in roots]
    found = []
    for experiment, config in experiments:
        has_train = has_test = False
        for files, dirs in indexes:
            for name in dict.fromkeys([config, experiment]):
                for d in dirs.get(name, []):
                    has_train = has_train or any((d / f).is_file() for f in TRAIN_IN_DIR)
                    has_test = has_test or any((d / f).is_file() for f in TEST_IN_DIR)
                has_train = has_train or f"{name}_AC.seq.gz" in files
                has_test = has_test or f"{name}_B.seq.gz" in files
        if has_train and has_test:
            found.append(config)
    return found


TEST_SETS = {
    "_B.seq.gz": "DeepBind's held-out `_B` set (top-500 even-ranked peaks + 500 dinucleotide shuffles)",
    "test.fa": "DeMo's `test.fa` (the DeMo authors' copy of the held-out set; negatives are dinucleotide shuffles)",
    "test.data": "Zeng et al. 2016's `test.data` (held-out set; negatives are dinucleotide shuffles)",
}


def describe_test_file(path) -> str:
    """Which published test set a file is, from its name (DeepBind `_B`, DeMo `test.fa`, Zeng `test.data`)."""
    name = Path(path).name
    for suffix, text in TEST_SETS.items():
        if name.endswith(suffix) or name.endswith(suffix + ".gz"):
            return text
    return f"the held-out file {name}"


def has_any_file(root) -> bool:
    """True when `root` is a directory holding at least one file (at any depth)."""
    if root is None or not Path(root).is_dir():
        return False
    return any(names for _, _, names in os.walk(root))
