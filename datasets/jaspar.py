"""JASPAR vertebrate CORE motifs from pyjaspar's bundled SQLite database (offline).

A motif is `Motif(matrix_id, name, probabilities)` with `probabilities (w, 4)` float32 in ACGT order,
rows summing to 1. Only the latest version of each profile (`BASE_ID`) of the newest release that
pyjaspar ships is used, restricted to collection CORE and tax group vertebrates.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, NamedTuple

import numpy as np

from deepmotif.core.errors import UnknownNameError
from deepmotif.core.sequences import ALPHABET

_MATRIX_ID = re.compile(r"(MA\d{4})(?:\.(\d+))?", re.IGNORECASE)  # fullmatch only

# Every version of every vertebrate CORE profile; the latest of each is kept in Python.
_QUERY = """
SELECT m.ID, m.BASE_ID, m.VERSION, m.NAME
FROM MATRIX m JOIN MATRIX_ANNOTATION a ON a.ID = m.ID
WHERE m.COLLECTION = 'CORE' AND a.TAG = 'tax_group' AND a.VAL = 'vertebrates'
"""


class Motif(NamedTuple):
    """One JASPAR profile: `matrix_id` (e.g. `MA0035.5`), TF `name`, `probabilities (w, 4)` ACGT."""

    matrix_id: str
    name: str
    probabilities: np.ndarray


@functools.lru_cache(maxsize=1)
def _database():
    """pyjaspar's handle on its newest bundled release (opened once per process)."""
    from pyjaspar import jaspardb

    return jaspardb()


def release() -> str:
    """The JASPAR release the motifs come from, e.g. `JASPAR2026`."""
    return str(_database().release)


@functools.lru_cache(maxsize=1)
def all_vertebrate_core() -> tuple[Motif, ...]:
    """Every vertebrate CORE profile (latest versions), sorted by matrix id: a TOMTOM target set."""
    conn = _database().conn
    latest: dict[str, tuple] = {}
    for row in conn.execute(_QUERY):
        if row[1] not in latest or row[2] > latest[row[1]][2]:
            latest[row[1]] = row
    rows = [latest[base] for base in sorted(latest)]
    ids = [r[0] for r in rows]
    counts: dict[int, dict[str, dict[int, float]]] = {i: {b: {} for b in ALPHABET} for i in ids}
    marks = ",".join("?" * len(ids))
    for internal_id, base, col, val in conn.execute(
        f"SELECT ID, row, col, val FROM MATRIX_DATA WHERE ID IN ({marks})", ids
    ):
        counts[internal_id][base.upper()][int(col)] = float(val)
    motifs = []
    for internal_id, base_id, version, name in rows:
        per_base = counts[internal_id]
        width = len(per_base["A"])
        matrix = np.array([[per_base[b][c] for b in ALPHABET] for c in sorted(per_base["A"])], np.float64)
        if width == 0 or (matrix.sum(axis=1) <= 0).any():
            continue
        probabilities = (matrix / matrix.sum(axis=1, keepdims=True)).astype(np.float32)
        motifs.append(Motif(f"{base_id}.{version}", str(name), probabilities))
    return tuple(motifs)


@functools.lru_cache(maxsize=1)
def _indexes() -> tuple[dict[str, Motif], dict[str, Motif], dict[str, Motif]]:
    """(matrix id -> motif, base id -> motif, upper-case name -> motif of its oldest profile)."""
    by_id, by_base, by_name = {}, {}, {}
    for motif in all_vertebrate_core():
        by_id[motif.matrix_id.upper()] = motif
        by_base[motif.matrix_id.split(".")[0].upper()] = motif
        by_name.setdefault(motif.name.upper(), motif)  # sorted by id: the oldest profile wins
    return by_id, by_base, by_name


def load_motif(name_or_id: str) -> Motif:
    """One motif by matrix id (`MA0139.2`), base id (`MA0139`, latest version) or TF name.

    Names are case-insensitive (`spi1` finds `Spi1`). A name with several profiles (CTCF has
    MA0139, MA1929, MA1930) resolves to its oldest, most-cited profile; pass an id to choose another.
    """
    by_id, by_base, by_name = _indexes()
    key = str(name_or_id).strip().upper()
    match = _MATRIX_ID.fullmatch(key)
    if match:
        found = by_id.get(key) if match.group(2) else by_base.get(key)
        if found is not None:
            return found
        if match.group(2) and match.group(1) in by_base:
            latest = by_base[match.group(1)].matrix_id
            raise UnknownNameError(f"JASPAR matrix version (latest is {latest})", str(name_or_id), [latest])
        raise UnknownNameError("JASPAR vertebrate CORE matrix", str(name_or_id), [m.matrix_id for m in by_id.values()])
    if key in by_name:
        return by_name[key]
    raise UnknownNameError("JASPAR vertebrate CORE motif", str(name_or_id), sorted({m.name for m in by_id.values()}))


def load_motifs(names_or_ids: str | Iterable[str]) -> list[Motif]:
    """Motifs for each name or id, in the order given (a single string gives a one-element list)."""
    if isinstance(names_or_ids, str):
        names_or_ids = [names_or_ids]
    return [load_motif(n) for n in names_or_ids]


def log_odds(probabilities: np.ndarray, gc: float = 0.5, pseudocount: float = 0.01) -> np.ndarray:
    """`(w, 4)` log2 odds of each base against an i.i.d. background of GC content `gc`."""
    background = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    p = (np.asarray(probabilities, np.float64) + pseudocount) / (1 + 4 * pseudocount)
    return np.log2(p / background)


def relative_scores(tokens: np.ndarray, probabilities: np.ndarray, gc: float = 0.5) -> np.ndarray:
    """Scores of `(..., w)` ACGT token windows (no N) against a motif: 0 = worst possible, 1 = best."""
    table = log_odds(probabilities, gc)
    tokens = np.asarray(tokens, np.intp)
    if tokens.shape[-1] != table.shape[0]:
        raise ValueError(f"windows of width {tokens.shape[-1]} do not fit a motif of width {table.shape[0]}")
    score = np.take_along_axis(np.broadcast_to(table, tokens.shape + (4,)), tokens[..., None], -1)[..., 0].sum(-1)
    low, high = table.min(axis=1).sum(), table.max(axis=1).sum()
    return (score - low) / (high - low)
