"""Regenerate `experiments.tsv` from DeepBind's supplementary table of ENCODE AUCs (not needed at run time).

    python datasets/encode_tfbs/make_experiments_tsv.py ../shared/data/reference/encodeaucs.csv

Experiment names are `TF_CellLine_Antibody_Lab`; cell lines hold no `_`, antibodies may.
TFDS rejects `(` and `)` in config names, so each becomes `-` (the DeMo naming).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

COLUMNS = ("config", "experiment", "tf", "cell_line", "antibody", "lab", "deepbind_star_auroc", "deepbind_auroc")


def config_name(experiment: str) -> str:
    return experiment.replace("(", "-").replace(")", "-")


def rows(csv_path) -> list[tuple[str, ...]]:
    out = []
    with open(csv_path, newline="") as f:
        for row in csv.reader(f):
            if len(row) < 4 or not row[0].strip().isdigit():  # title, header and `average` rows
                continue
            name = row[1].strip()
            tf, cell_line, *antibody, lab = name.split("_")
            out.append((config_name(name), name, tf, cell_line, "_".join(antibody), lab, row[2].strip(), row[3].strip()))
    names = [r[0] for r in out]
    assert len(set(names)) == len(names), "config names collide after replacing parentheses"
    return out


def main(csv_path, out_path=Path(__file__).with_name("experiments.tsv")) -> None:
    body = ["\t".join(COLUMNS)] + ["\t".join(r) for r in rows(csv_path)]
    Path(out_path).write_text("\n".join(body) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
