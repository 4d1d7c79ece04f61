"""JASPAR vertebrate CORE motifs from pyjaspar's bundled database (offline, through its public API).

A motif is `Motif(matrix_id, name, probabilities)` with `probabilities (w, 4)` float32 in ACGT order,
rows summing to 1. Only the latest version of each profile (`BASE_ID`) of release `RELEASE` (JASPAR 2026,
the newest that pyjaspar 4.0.0 ships; cite `CITATION`) is used, restricted to collection CORE and tax
group vertebrates.
"""

from __future__ import annotations

import functools
import re
import zipfile
from typing import Iterable, NamedTuple

import numpy as np

from deepmotif.core.errors import UnknownNameError
from deepmotif.core.motif_math import log_odds, normalize_counts
from deepmotif.core.sequences import ALPHABET

_MATRIX_ID = re.compile(r"(MA\d{4})(?:\.(\d+))?", re.IGNORECASE)  # fullmatch only

# pyjaspar's public `fetch_motifs` takes ~5 s for the ~1,000 vertebrate CORE profiles (one SQL query per
# profile); the parsed table is kept in the user cache, keyed by release and pyjaspar version.
_CACHE_FORMAT = 1


class Motif(NamedTuple):
    """One JASPAR profile: `matrix_id` (e.g. `MA0035.5`), TF `name`, `probabilities (w, 4)` ACGT."""

    matrix_id: str
    name: str
    probabilities: np.ndarray


# The one JASPAR release every motif, planted or matched, comes from: pyjaspar 4.0.0's default (newest)
# bundled release. Pinned so that a newer pyjaspar cannot change the data under the citation below.
RELEASE = "JASPAR2026"
CITATION = ("JASPAR 2026 (release JASPAR2026, vertebrate CORE, via pyjaspar). Nucleic Acids Research, "
            "Database issue 2026. PMCID PMC12807658. https://jaspar.elixir.no/")
LICENSE = "CC BY 4.0 (JASPAR data, https://jaspar.elixir.no/)"


@functools.lru_cache(maxsize=1)
def _database():
    """pyjaspar's handle on release `RELEASE` (opened once per process)."""
    from pyjaspar import jaspardb

    return jaspardb(release=RELEASE)


def release() -> str:
    """The JASPAR release the motifs come from, e.g. `JASPAR2026`."""
    return str(_database().release)


def _from_pyjaspar() -> tuple[Motif, ...]:
    """Latest vertebrate CORE profiles through pyjaspar's public API, sorted by matrix id."""
    motifs = []
    for found in _database().fetch_motifs(collection="CORE", tax_group=["vertebrates"], all_versions=False):
        counts = np.array([found.counts[base] for base in ALPHABET], np.float64).T  # (w, 4)
        if counts.shape[0] == 0 or (counts.sum(axis=1) <= 0).any():
            continue
        motifs.append(Motif(str(found.matrix_id), str(found.name), normalize_counts(counts)))
    return tuple(sorted(motifs, key=lambda m: m.matrix_id))


def _cache_file():
    import pyjaspar

    from deepmotif.core.user_cache import cache_dir

    version = getattr(pyjaspar, "__version__", "unknown")
    return cache_dir() / "jaspar" / f"{RELEASE}-CORE-vertebrates-pyjaspar{version}.npz"


def _read_cache(path) -> tuple[Motif, ...] | None:
    try:
        with np.load(path, allow_pickle=False) as saved:
            if int(saved["format"]) != _CACHE_FORMAT:
                return None
            rows = np.split(saved["probabilities"], np.cumsum(saved["widths"])[:-1])
            return tuple(Motif(str(i), str(n), p) for i, n, p in zip(saved["ids"], saved["names"], rows, strict=True))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # absent, damaged, other format: rebuild
        return None


def _write_cache(path, motifs: tuple[Motif, ...]) -> None:
    from deepmotif.core import atomic

    try:
        with atomic.atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, format=_CACHE_FORMAT, ids=np.array([m.matrix_id for m in motifs]),
                         names=np.array([m.name for m in motifs]),
                         widths=np.array([len(m.probabilities) for m in motifs], np.int64),
                         probabilities=np.concatenate([m.probabilities for m in motifs]).astype(np.float32))
    except OSError:  # a read-only home only costs the next process the same few seconds
        pass


@functools.lru_cache(maxsize=1)
def all_vertebrate_core() -> tuple[Motif, ...]:
    """Every vertebrate CORE profile (latest versions), sorted by matrix id: a TOMTOM target set.

    Read through pyjaspar's public `fetch_motifs` once, then from an `.npz` in the user cache
    (`$DEEPMOTIF_CACHE`, else `~/.cache/deepmotif`) written atomically.
    """
    path = _cache_file()
    motifs = _read_cache(path)
    if motifs is None:
        motifs = _from_pyjaspar()
        _write_cache(path, motifs)
    return motifs


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


def relative_scores(tokens: np.ndarray, probabilities: np.ndarray, gc: float = 0.5) -> np.ndarray:
    """Scores of `(..., w)` ACGT token windows (no N) against a motif: 0 = worst possible, 1 = best."""
    table = log_odds(probabilities, gc)
    tokens = np.asarray(tokens, np.intp)
    if tokens.shape[-1] != table.shape[0]:
        raise ValueError(f"windows of width {tokens.shape[-1]} do not fit a motif of width {table.shape[0]}")
    score = np.take_along_axis(np.broadcast_to(table, tokens.shape + (4,)), tokens[..., None], -1)[..., 0].sum(-1)
    low, high = table.min(axis=1).sum(), table.max(axis=1).sum()
    return (score - low) / (high - low)
