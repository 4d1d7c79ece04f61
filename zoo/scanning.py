"""Scanning sequences longer than a model's window: one score per window, in bounded memory.

Every model scores windows of the length it was trained on (`window_of`). `scan` slides that
window along each sequence with a stride and scores every window through the one batched predict
(`deepmotif.zoo.prediction.predict`). Windows are numpy strided views of the tokens; windows of
several sequences are gathered into chunks of about `chunk` windows per predict call, and a long
sequence is cut into chunks, so memory is bounded by the chunk, not by the sequence.

Strands are as the model was trained: `strand="forward"` scores each window as given (a model
built with `reverse_complement=True` averages both strands inside itself), `"reverse"` scores the
window's reverse complement, `"both"` returns the two side by side.

Genome tracks (`scan_track`) tile each region with bins of `stride` bp, each holding the score of
the window centred on it (`deepmotif.core.coordinates.scan_bins`): windows may reach past a region
into the flanking genome but never past a contig end, and bins without a whole window are left out.
`keep_candidates` and `best_hits` pick the best non-overlapping windows (greedy non-maximum
suppression across both strands; a window scores as its better strand) from a stream of track
chunks while keeping only a bounded pool of candidates.
"""

from __future__ import annotations

import bisect
from typing import Callable, Iterable, Iterator, NamedTuple

import numpy as np

from deepmotif.core.coordinates import scan_bins
from deepmotif.core.errors import DeepMotifError
from deepmotif.core.sequences import reverse_complement_tokens, tokenize
from deepmotif.zoo.prediction import OUTPUTS, predict

STRANDS = ("forward", "reverse", "both")
DEFAULT_CHUNK = 65_536  # windows per predict call: ~6.6 MB of tokens for 101-bp windows


class ScanError(DeepMotifError, ValueError):
    """A scan that cannot run as asked (window, stride, strand, regions, sequence ids)."""


class ScanTarget(NamedTuple):
    """One sequence to scan: `chrom` (contig or FASTA id), its `length`, `fetch(start, end)` ->
    `(end - start,)` uint8 tokens, and the `regions` `[(start, end), ...]` to tile (0-based,
    half-open, sorted, non-overlapping, inside `[0, length]`)."""

    chrom: str
    length: int
    fetch: Callable[[int, int], np.ndarray]
    regions: list[tuple[int, int]]


class TrackChunk(NamedTuple):
    """Consecutive scored bins of one contig: bin `[starts[i], ends[i])` holds the score of the
    window starting at `window_starts[i]`. `scores` `(k,)` float32 is the model's score as trained;
    `reverse` `(k,)` the window's reverse complement (None unless asked for)."""

    chrom: str
    starts: np.ndarray
    ends: np.ndarray
    window_starts: np.ndarray
    scores: np.ndarray
    reverse: np.ndarray | None


class Hit(NamedTuple):
    """One best window: `[start, end)` 0-based, `score` of its better strand, `strand` `+`, `-` or `.`."""

    chrom: str
    start: int
    end: int
    score: float
    strand: str


def window_of(model, config: dict | None = None) -> int:
    """The window length (bp) `model` was trained on.

    Parameters
    ----------
    model : keras.Model
        A DeepMotif model; its `window` layer records the length (older models: a fixed Input length).
    config : dict, optional
        A run's `config.json` (`config["model"]["seq_len"]`) or a model card (`card["seq_len"]`),
        used when the model records none; an error if it disagrees with the model.

    Returns
    -------
    int
        The window length.
    """
    from deepmotif.zoo.architectures import recorded_window

    recorded = recorded_window(model)
    configured = None
    if config:
        model_config = config.get("model") if isinstance(config.get("model"), dict) else {}
        configured = model_config.get("seq_len") or config.get("seq_len")
    if recorded and configured and int(recorded) != int(configured):
        raise ScanError(f"model {model.name!r} records a {recorded}-bp window but its config says {configured}")
    window = recorded or configured
    if not window:
        raise ScanError(f"model {model.name!r} records no window length (its input takes any length); "
                        "pass the window it was trained on")
    return int(window)


def _resolve_window(model, window) -> int:
    from deepmotif.zoo.architectures import recorded_window

    recorded = recorded_window(model)
    if window is None:
        return window_of(model)
    if recorded is not None and int(window) != recorded:
        raise ScanError(f"model {model.name!r} was trained on {recorded}-bp windows; cannot scan with {window}")
    if int(window) < 1:
        raise ScanError(f"window must be positive, got {window}")
    return int(window)


def _check(window: int, stride: int, strand: str, output: str, chunk: int) -> None:
    if not 1 <= int(stride) <= window:
        raise ScanError(f"stride must be between 1 and the window ({window} bp), got {stride}")
    if strand not in STRANDS:
        raise ScanError(f"strand must be one of {STRANDS}, got {strand!r}")
    if output not in OUTPUTS:
        raise ScanError(f"output must be one of {OUTPUTS}, got {output!r}")
    if int(chunk) < 1:
        raise ScanError(f"chunk must be positive, got {chunk}")


def sequence_windows(tokens: np.ndarray, window: int, stride: int = 1) -> np.ndarray:
    """Every `window`-long window of `tokens (L,)` starting at `0, stride, 2 * stride, ...`.

    Returns a read-only strided view `(n, window)` (no copy), `n = (L - window) // stride + 1`,
    or `(0, window)` when `L < window`.
    """
    tokens = np.asarray(tokens, dtype=np.uint8)
    if len(tokens) < window:
        return np.zeros((0, window), np.uint8)
    return np.lib.stride_tricks.sliding_window_view(tokens, window)[::stride]


def _as_tokens(sequence, index: int) -> np.ndarray:
    if isinstance(sequence, str):
        try:
            return tokenize(sequence.upper())
        except ValueError as e:
            raise ScanError(f"sequence {index}: {e}") from None
    tokens = np.asarray(sequence)
    if tokens.ndim != 1 or not np.issubdtype(tokens.dtype, np.integer) or (tokens.size and tokens.max() > 4):
        raise ScanError(f"sequence {index}: expected a string or (L,) tokens 0-4, got {tokens.dtype} {tokens.shape}")
    return tokens.astype(np.uint8, copy=False)


def _strand_scores(model, windows: np.ndarray, strand: str, output: str, batch_size: int) -> np.ndarray:
    """`(n,)` scores of `windows (n, W)` on `strand`, or `(n, 2)` (forward, reverse) for `"both"`."""
    from deepmotif.zoo.architectures import averages_strands

    forward = reverse = None
    if strand != "reverse" or averages_strands(model):
        forward = predict(model, windows, output=output, batch_size=batch_size)
    if strand != "forward":
        reverse = forward if averages_strands(model) else predict(
            model, reverse_complement_tokens(windows), output=output, batch_size=batch_size)
    if strand == "both":
        return np.stack([forward, reverse], axis=1)
    return forward if strand == "forward" else reverse


def score_windows(model, pieces: Iterable, *, strand: str = "forward", output: str = "probability",
                  batch_size: int = 1024, chunk: int = DEFAULT_CHUNK) -> Iterator[tuple]:
    """Score a stream of window batches, several per predict call.

    Parameters
    ----------
    model : keras.Model
        Scores `(b, W)` token windows.
    pieces : iterable of (key, numpy.ndarray)
        `(key, windows (n, W) uint8)`; views are fine.
    strand, output, batch_size
        As in `scan`.
    chunk : int, default 65536
        Windows gathered before a predict call (bounds memory with the largest piece).

    Yields
    ------
    (key, numpy.ndarray)
        Each piece's `(n,)` float32 scores (`(n, 2)` for `strand="both"`), in input order.
    """
    held, size = [], 0

    def flush():
        windows = held[0][1] if len(held) == 1 else np.concatenate([w for _, w in held])
        scores = _strand_scores(model, windows, strand, output, batch_size)
        at = 0
        for key, w in held:
            yield key, scores[at:at + len(w)]
            at += len(w)

    for key, windows in pieces:
        held.append((key, windows))
        size += len(windows)
        if size >= chunk:
            yield from flush()
            held, size = [], 0
    if held:
        yield from flush()


def scan(model, sequences, window: int | None = None, stride: int = 1, *, strand: str = "forward",
         output: str = "probability", batch_size: int = 1024, chunk: int = DEFAULT_CHUNK) -> list[np.ndarray]:
    """Score every window of each sequence.

    Parameters
    ----------
    model : keras.Model
        A DeepMotif model (one-hot `(batch, W, 4)` -> probability).
    sequences : str, or iterable of str or (L,) uint8 tokens
        Sequences of any lengths (ACGTN, either case; tokens A0 C1 G2 T3 N4). A single string or
        `(L,)` token array is one sequence; an `(n, L)` array is `n` sequences.
    window : int, optional
        Window length; default `window_of(model)` (the trained length; another is refused).
    stride : int, default 1
        Step between window starts, `1 <= stride <= window`.
    strand : {"forward", "reverse", "both"}, default "forward"
        `forward`: each window as given, the model's score as trained; `reverse`: the window's
        reverse complement; `both`: the two as columns.
    output : {"probability", "logit"}, default "probability"
    batch_size : int, default 1024
        Windows per model call.
    chunk : int, default 65536
        Windows gathered per predict call; bounds memory.

    Returns
    -------
    list of numpy.ndarray
        One float32 array per sequence: `(n_windows,)` (`(n_windows, 2)` for `both`), where
        window `j` is `[j * stride, j * stride + window)` and `n_windows = (L - window) // stride + 1`
        (0 for a sequence shorter than the window).
    """
    window = _resolve_window(model, window)
    _check(window, stride, strand, output, chunk)
    if isinstance(sequences, str) or (isinstance(sequences, np.ndarray) and sequences.ndim == 1):
        sequences = [sequences]
    empty = np.zeros((0, 2) if strand == "both" else (0,), np.float32)
    parts: dict[int, list] = {}

    def pieces():
        for i, sequence in enumerate(sequences):
            windows = sequence_windows(_as_tokens(sequence, i), window, int(stride))
            parts[i] = []
            for at in range(0, len(windows), int(chunk)):
                yield i, windows[at:at + int(chunk)]

    for i, scores in score_windows(model, pieces(), strand=strand, output=output, batch_size=batch_size,
                                   chunk=chunk):
        parts[i].append(scores)
    return [np.concatenate(parts[i]) if parts[i] else empty for i in range(len(parts))]


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif end > start:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def genome_targets(genome, regions=None) -> list[ScanTarget]:
    """What to scan in a genome: `regions` `[(chrom, start, end), ...]` (0-based half-open, any
    contig naming style) clipped to their contigs, overlapping ones merged, in the genome's contig
    order; or, with `regions=None`, every contig whole.

    `genome` is a `deepmotif.datasets.genome.Genome` (anything with `.contigs`, `.resolve` and
    `.fetch_tokens`). Raises `ScanError` naming regions on contigs the genome lacks.
    """
    by_contig: dict[str, list] = {}
    if regions is None:
        by_contig = {name: [(0, length)] for name, length in genome.contigs.items()}
    else:
        unknown = []
        for chrom, start, end in regions:
            name = genome.resolve(chrom)
            if name is None:
                unknown.append(f"{chrom}:{start}-{end}")
                continue
            length = genome.contigs[name]
            by_contig.setdefault(name, []).append((max(0, int(start)), min(int(end), length)))
        if unknown:
            raise ScanError(f"{len(unknown)} regions are on contigs genome {genome.assembly} lacks: "
                            f"{', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}")
    targets = []
    for name, length in genome.contigs.items():
        if name in by_contig:
            fetch = (lambda n: lambda start, end: genome.fetch_tokens(n, start, end))(name)
            targets.append(ScanTarget(name, length, fetch, _merge(by_contig[name])))
    return targets


def fasta_targets(path) -> Iterator[ScanTarget]:
    """Each record of a FASTA file (plain or gzip) scanned whole, one record in memory at a time;
    `chrom` is the record id (the header up to its first space). Duplicate ids raise `ScanError`."""
    from deepmotif.core.fasta import read_fasta

    seen: dict[str, int] = {}
    for record in read_fasta(path):
        name = record.header.split()[0] if record.header.split() else ""
        if not name:
            raise ScanError(f"{path}:{record.line}: record without an id")
        if name in seen:
            raise ScanError(f"{path}:{record.line}: record id {name!r} repeats line {seen[name]}")
        seen[name] = record.line
        tokens = tokenize(record.sequence.upper())
        yield ScanTarget(name, len(tokens), lambda start, end, t=tokens: t[start:end], [(0, len(tokens))])


def count_bins(targets: Iterable[ScanTarget], window: int, stride: int) -> int:
    """How many bins `scan_track` will score (for a progress bar)."""
    total = 0
    for target in targets:
        for start, end in target.regions:
            first, stop = scan_bins(start, end, target.length, window, stride)
            total += stop - first
    return total


def track_spans(targets: Iterable[ScanTarget], window: int, stride: int, chunk: int = DEFAULT_CHUNK) -> Iterator[tuple]:
    """The bins `scan_track` scores, in its order, without reading a base (the Beam jobs plan with it).

    Yields `(target, starts, ends, window_starts)` for each run of at most `chunk` consecutive bins
    of one region: `(k,)` int64 bin starts and ends, and the start of each bin's window.
    """
    stride, off = int(stride), (int(window) - int(stride)) // 2
    for target in targets:
        for start, end in target.regions:
            first, stop = scan_bins(start, end, target.length, window, stride)
            for i0 in range(first, stop, int(chunk)):
                bins = start + np.arange(i0, min(stop, i0 + int(chunk)), dtype=np.int64) * stride
                yield target, bins, np.minimum(bins + stride, end), bins - off


def span_windows(fetch: Callable[[int, int], np.ndarray], first_start: int, n: int, window: int,
                 stride: int) -> np.ndarray:
    """`(n, window)` uint8 token windows starting at `first_start + i * stride`, cut from one
    `fetch(start, end)` of the bases they cover (a strided view, no copy)."""
    tokens = fetch(int(first_start), int(first_start) + (int(n) - 1) * int(stride) + int(window))
    return sequence_windows(tokens, window, stride)


def scan_track(model, targets: Iterable[ScanTarget], window: int | None = None, stride: int = 1, *,
               strand: str = "forward", output: str = "probability", batch_size: int = 1024,
               chunk: int = DEFAULT_CHUNK) -> Iterator[TrackChunk]:
    """Score the bins tiling each target's regions, streamed in chunks of at most `chunk` bins.

    Parameters
    ----------
    model : keras.Model
    targets : iterable of ScanTarget
        From `genome_targets` or `fasta_targets` (consumed lazily).
    window, stride, output, batch_size, chunk
        As in `scan`.
    strand : {"forward", "both"}, default "forward"
        `both` also fills `TrackChunk.reverse` (for hits' strands).

    Yields
    ------
    TrackChunk
        In target and position order; bins never overlap (see the module docstring for the edges).
    """
    window = _resolve_window(model, window)
    _check(window, stride, strand, output, chunk)
    if strand == "reverse":
        raise ScanError("a track is scored forward (as trained), optionally with strand='both'")
    stride = int(stride)

    def pieces():
        for target, starts, ends, window_starts in track_spans(targets, window, stride, chunk):
            yield (target.chrom, starts, ends, window_starts), span_windows(
                target.fetch, int(window_starts[0]), len(window_starts), window, stride)

    for (chrom, starts, ends, window_starts), scores in score_windows(
            model, pieces(), strand=strand, output=output, batch_size=batch_size, chunk=chunk):
        forward, reverse = (scores[:, 0], scores[:, 1]) if strand == "both" else (scores, None)
        yield TrackChunk(chrom, starts, ends, window_starts, forward, reverse)


def pool_size(k: int, window: int) -> int:
    """Candidates to keep so greedy suppression of the pool picks the same `k` hits as of all
    windows: bins never overlap, so window starts are distinct and a pick overlaps fewer than
    `2 * window` windows; the `j`-th pick is then among the best `j * 2 * window`."""
    return int(k) * 2 * int(window)


def keep_candidates(pool: dict | None, chunk: TrackChunk, limit: int) -> dict:
    """The best `limit` windows of `pool` and `chunk` together: a dict of arrays `chrom`, `start`
    (window start), `score` and `strand` (+1, -1, 0 for a tie or when the reverse was not scored).

    A window's candidate score is the better of its two strands when `chunk.reverse` is there
    (DeepBind's convention), else the forward score.
    """
    forward = chunk.scores
    if chunk.reverse is None:
        score, strand = forward, np.zeros(len(forward), np.int8)
    else:
        score = np.maximum(forward, chunk.reverse)
        strand = np.sign(forward.astype(np.float64) - chunk.reverse).astype(np.int8)
    new = {"chrom": np.full(len(score), chunk.chrom, dtype=object), "start": chunk.window_starts,
           "score": score, "strand": strand}
    merged = new if pool is None else {k: np.concatenate([pool[k], new[k]]) for k in new}
    if len(merged["score"]) > limit:
        keep = np.argpartition(-merged["score"], limit - 1)[:limit]
        merged = {k: v[keep] for k, v in merged.items()}
    return merged


def best_hits(pool: dict | None, window: int, k: int, strand_symmetric: bool = False) -> list[Hit]:
    """The `k` best windows of `pool` that overlap no better one on either strand (greedy
    non-maximum suppression), best first. A hit's strand is `+` if the window outscores its reverse
    complement, `-` if it is outscored, `.` for a tie, when the reverse was not scored, or when
    `strand_symmetric` (the model averages both strands, so they always tie)."""
    if pool is None or not len(pool["score"]):
        return []
    order = np.lexsort((pool["start"], pool["chrom"].astype(str), -pool["score"]))
    kept: dict[str, list[int]] = {}
    hits = []
    for i in order:
        chrom, start = str(pool["chrom"][i]), int(pool["start"][i])
        starts = kept.setdefault(chrom, [])
        at = bisect.bisect_left(starts, start)
        if (at < len(starts) and starts[at] - start < window) or (at > 0 and start - starts[at - 1] < window):
            continue
        starts.insert(at, start)
        strand = "." if strand_symmetric else {1: "+", -1: "-", 0: "."}[int(pool["strand"][i])]
        hits.append(Hit(chrom, start, start + window, float(pool["score"][i]), strand))
        if len(hits) == k:
            break
    return hits


__all__ = ["DEFAULT_CHUNK", "Hit", "STRANDS", "ScanError", "ScanTarget", "TrackChunk", "best_hits", "count_bins",
           "fasta_targets", "genome_targets", "keep_candidates", "pool_size", "scan", "scan_track",
           "score_windows", "sequence_windows", "span_windows", "track_spans", "window_of"]
