"""Bring sequences of mixed lengths to one length: centre-crop the longer, N-pad the shorter.

The kept or padded window is centred the way genome windows are (`core.coordinates.window_around`
around the sequence's middle), so a FASTA of summit-centred peaks stays summit-centred.
"""

from __future__ import annotations

from pathlib import Path

from deepmotif.core.coordinates import window_around
from deepmotif.core.fasta import read_fasta
from deepmotif.core.sequences import DEFAULT_SEQ_LEN
from deepmotif.datasets.readers import Record, check_unique_ids


def centre_fit(sequence: str, length: int) -> str:
    """`sequence` centre-cropped or N-padded (both sides) to exactly `length` characters."""
    start, end = window_around(len(sequence) // 2, length)
    inside = sequence[max(start, 0) : min(end, len(sequence))]
    return "N" * max(0, -start) + inside + "N" * max(0, end - len(sequence))


def fit_records(records: list[Record], length: int) -> tuple[list[Record], dict[str, int]]:
    """Every record's sequence brought to `length`; returns the records and
    `{"cropped": n, "padded": n}` (how many were longer, shorter)."""
    counts = {"cropped": 0, "padded": 0}
    out = []
    for record in records:
        n = len(record.sequence)
        if n != length:
            counts["cropped" if n > length else "padded"] += 1
            record = record._replace(sequence=centre_fit(record.sequence, length))
        out.append(record)
    return out, counts


def read_fitted_fasta(path, label: int, length: int | None = None) -> tuple[list[Record], dict[str, int], int]:
    """A FASTA of any lengths (header text is the id) as records of one length.

    Parameters
    ----------
    path : str or pathlib.Path
        Plain or gzipped FASTA.
    label : int
        1 (bound) or 0 (unbound) for every record.
    length : int, optional
        Target length. Default: the sequences' own length when they all share one, else
        `DEFAULT_SEQ_LEN`.

    Returns
    -------
    (list of Record, dict, int)
        The records, `{"cropped": n, "padded": n}` and the length used.
    """
    name = Path(path).name
    parsed = list(read_fasta(path))
    records = [Record(r.header or f"{name}:{i}", r.sequence, label, False) for i, r in enumerate(parsed)]
    check_unique_ids(path, ((rec.id, r.line) for rec, r in zip(records, parsed)))
    if length is None:
        lengths = {len(r.sequence) for r in records}
        length = lengths.pop() if len(lengths) == 1 else DEFAULT_SEQ_LEN
    fitted, counts = fit_records(records, length)
    return fitted, counts, length
