"""Variant effects: how a variant changes a model's score of the window centred on it.

For each allele (a VCF record's ALT; multi-allelic records are split) the reference and the
alternate window are cut from the genome around it (`deepmotif.core.coordinates.variant_flanks`:
both `W` bp, sharing the left flank, the right flank re-fetched after REF so indels keep the
length) and scored on both strands through the one batched predict. Columns (`COLUMNS`):

- `ref_logit_forward`, `ref_logit_reverse`, `alt_logit_forward`, `alt_logit_reverse`: the float32
  logit of each window and of its reverse complement, raw.
- `ref_logit`, `alt_logit`: the strands combined, the mean of the two logits (what a model trained
  with `--reverse-complement average` computes inside; for such a model all three agree).
- `ref_prob`, `alt_prob`: sigmoid of the combined logits; `delta_logit = alt_logit - ref_logit`
  (negative: binding lost).
- `ref_mismatch`: whether the genome's bases at REF's place differ from REF (only ever True with
  `ref_mismatch="flag"`; then REF, as the VCF states it, is what the reference window holds).

REF must match the genome: `check_reference` counts mismatches and names the first ones (file:line),
saying when REF and ALT look swapped (ALT matches the genome). `ref_mismatch="refuse"` (default)
raises `RefMismatchError` before anything is scored; `"skip"` leaves those alleles out; `"flag"`
scores them and sets `ref_mismatch`. Alleles nothing can score (ALT equal to REF, symbolic,
breakend, on a contig the genome lacks, longer than the window) are skipped and reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

import numpy as np

from deepmotif.core.coordinates import variant_flanks, vcf_to_zero_based
from deepmotif.core.errors import DeepMotifError
from deepmotif.core.sequences import reverse_complement_tokens, tokenize
from deepmotif.zoo.prediction import predict

REF_MISMATCH = ("refuse", "skip", "flag")
IN_MEMORY = "variants"  # the source name of variants given as tuples or a DataFrame (line = 0-based index)
KEYS = ["chrom", "pos", "id", "ref", "alt"]
SCORES = ["ref_prob", "alt_prob", "delta_logit", "ref_logit", "alt_logit", "ref_logit_forward",
          "ref_logit_reverse", "alt_logit_forward", "alt_logit_reverse"]
COLUMNS = KEYS + SCORES + ["ref_mismatch"]
DEFAULT_CHUNK = 8192  # alleles per predict call (4 windows each)
SHOWN = 5  # mismatches named in an error


class VariantError(DeepMotifError, ValueError):
    """Variants that cannot be scored as asked."""


class RefMismatchError(VariantError):
    """REF alleles disagree with the genome (wrong assembly, or REF/ALT swapped)."""


class Skipped(NamedTuple):
    """An allele left out, with where it came from and why."""

    chrom: str
    pos: int
    id: str
    ref: str
    alt: str
    line: int | None
    reason: str


class MismatchReport(NamedTuple):
    """`count` alleles whose REF differs from the genome, the first few as `(allele, genome bases)`,
    and how many of them look swapped (their ALT is what the genome holds)."""

    count: int
    first: list
    swapped: int


def _as_alleles(variants) -> tuple[Iterable, str]:
    """`(alleles, source name)` from a VCF path, a DataFrame or an iterable of alleles/tuples."""
    from deepmotif.datasets.vcf import Allele, allele_skip_reason, read_alleles

    if isinstance(variants, (str, Path)):
        return read_alleles(variants), str(variants)
    try:
        import pandas as pd

        if isinstance(variants, pd.DataFrame):
            missing = {"chrom", "pos", "ref", "alt"} - set(variants.columns)
            if missing:
                raise VariantError(f"variants table lacks columns {sorted(missing)}")
            variants = [(r.chrom, r.pos, getattr(r, "id", "."), r.ref, r.alt) for r in variants.itertuples()]
    except ImportError:
        pass

    def alleles():
        for i, v in enumerate(variants):
            if isinstance(v, Allele):
                yield v
                continue
            chrom, pos, vid, ref, alt = (v[0], v[1], ".", v[2], v[3]) if len(v) == 4 else tuple(v)[:5]
            ref, alt = str(ref).upper(), str(alt).upper()
            yield Allele(str(chrom), int(pos), str(vid), ref, alt, i, allele_skip_reason(ref, alt))

    return alleles(), IN_MEMORY


def _where(source: str, allele) -> str:
    """`file:line` for a VCF, `variants[i]` for variants given in memory."""
    if allele.line is None:
        return source
    return f"{source}[{allele.line}]" if source == IN_MEMORY else f"{source}:{allele.line}"


def _genome_ref(genome, allele) -> str | None:
    """The genome's bases where REF lies, or None if the contig is absent."""
    name = genome.resolve(allele.chrom)
    if name is None:
        return None
    start = vcf_to_zero_based(allele.pos)
    return genome.fetch(name, start, start + len(allele.ref))


def check_reference(genome, variants, shown: int = SHOWN) -> MismatchReport:
    """Compare every scorable allele's REF with the genome (no model needed).

    Parameters
    ----------
    genome : deepmotif.datasets.genome.Genome
    variants : path, DataFrame or iterable
        As in `variant_effects`.
    shown : int, default 5
        How many mismatches to keep in `first`.
    """
    alleles, _ = _as_alleles(variants)
    count, swapped, first = 0, 0, []
    for allele in alleles:
        if allele.skip is not None:
            continue
        genome_ref = _genome_ref(genome, allele)
        if genome_ref is None or genome_ref == allele.ref:
            continue
        count += 1
        start = vcf_to_zero_based(allele.pos)
        if genome.fetch(genome.resolve(allele.chrom), start, start + len(allele.alt)) == allele.alt:
            swapped += 1
        if len(first) < shown:
            first.append((allele, genome_ref))
    return MismatchReport(count, first, swapped)


def mismatch_message(report: MismatchReport, source: str, genome) -> str:
    """The refusal: count, the first mismatches (file:line), and a swapped-alleles hint."""
    lines = [f"{report.count} REF alleles do not match genome {genome.assembly} ({genome.path}); "
             "check the assembly, or pass --ref-mismatch skip|flag (ref_mismatch='skip'|'flag'). First:"]
    for allele, genome_ref in report.first:
        lines.append(f"  {_where(source, allele)}: {allele.chrom}:{allele.pos} REF {allele.ref} but the genome has "
                     f"{genome_ref}")
    if report.swapped:
        lines.append(f"{report.swapped} of them look swapped: their ALT matches the genome, so REF and ALT are "
                     "probably exchanged")
    return "\n".join(lines)


def allele_windows(genome, chrom: str, pos: int, ref: str, alt: str, window: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Reference and alternate windows of one allele.

    Parameters
    ----------
    genome : deepmotif.datasets.genome.Genome
    chrom : str
        Contig (any naming style).
    pos : int
        VCF POS (1-based).
    ref, alt : str
        Alleles (ACGTN).
    window : int
        The model's window `W`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, str)
        `(W,)` uint8 reference and alternate tokens, and the genome's bases at REF's place.
    """
    flanks = variant_flanks(pos, len(ref), len(alt), window)
    start, end = flanks.left[0], max(flanks.ref_right[1], flanks.alt_right[1])
    segment = genome.fetch(chrom, start, end)
    n_left, after = flanks.left[1] - start, flanks.ref_right[0] - start
    left, right = segment[:n_left], segment[after:]
    ref_window = left + ref + right[: flanks.ref_right[1] - flanks.ref_right[0]]
    alt_window = left + alt + right[: flanks.alt_right[1] - flanks.alt_right[0]]
    return tokenize(ref_window), tokenize(alt_window), segment[n_left:after]


def _score_chunk(model, rows: list, ref_windows: list, alt_windows: list, batch_size: int):
    from deepmotif.zoo.architectures import averages_strands

    windows = np.concatenate([np.stack(ref_windows), np.stack(alt_windows)])
    forward = predict(model, windows, output="logit", batch_size=batch_size)
    if averages_strands(model):
        reverse = forward
    else:
        reverse = predict(model, reverse_complement_tokens(windows), output="logit", batch_size=batch_size)
    return effects_frame(rows, forward, reverse)


def effects_frame(rows: list, forward: np.ndarray, reverse: np.ndarray):
    """The `COLUMNS` DataFrame of `n` alleles from `rows` (`KEYS` + `ref_mismatch` tuples) and the
    `(2n,)` float32 logits of their windows, all reference windows then all alternate ones, as given
    (`forward`) and reverse-complemented (`reverse`)."""
    import pandas as pd

    n = len(rows)
    combined = ((forward.astype(np.float64) + reverse) / 2).astype(np.float32)
    frame = pd.DataFrame(rows, columns=KEYS + ["ref_mismatch"])
    sigmoid = lambda z: (1.0 / (1.0 + np.exp(-z.astype(np.float64)))).astype(np.float32)  # noqa: E731
    scores = {
        "ref_prob": sigmoid(combined[:n]), "alt_prob": sigmoid(combined[n:]),
        "delta_logit": combined[n:] - combined[:n],
        "ref_logit": combined[:n], "alt_logit": combined[n:],
        "ref_logit_forward": forward[:n], "ref_logit_reverse": reverse[:n],
        "alt_logit_forward": forward[n:], "alt_logit_reverse": reverse[n:],
    }
    for key, value in scores.items():
        frame[key] = np.asarray(value, np.float32)
    return frame[COLUMNS]


def allele_rows(genome, alleles: Iterable, window: int, ref_mismatch: str, skipped: list) -> Iterator[tuple]:
    """The alleles that can be scored, with their windows: `(row, ref (W,) uint8, alt (W,) uint8)`,
    `row` = `KEYS` + `ref_mismatch`. Every other allele goes to `skipped` as a `Skipped`, with why."""
    for allele in alleles:
        reason = allele.skip
        if reason is None and genome.resolve(allele.chrom) is None:
            reason = f"contig {allele.chrom} is not in genome {genome.assembly}"
        if reason is None and max(len(allele.ref), len(allele.alt)) > window:
            reason = f"an allele of {max(len(allele.ref), len(allele.alt))} bp is longer than the {window}-bp window"
        mismatch = False
        if reason is None:
            ref_tokens, alt_tokens, genome_ref = allele_windows(genome, allele.chrom, allele.pos, allele.ref,
                                                                allele.alt, window)
            mismatch = genome_ref != allele.ref
            if mismatch and ref_mismatch != "flag":
                reason = f"REF {allele.ref} but the genome has {genome_ref}"
        if reason is not None:
            skipped.append(Skipped(allele.chrom, allele.pos, allele.id, allele.ref, allele.alt, allele.line, reason))
            continue
        yield (allele.chrom, allele.pos, allele.id, allele.ref, allele.alt, mismatch), ref_tokens, alt_tokens


def score_variants(model, genome, variants, *, window: int | None = None, ref_mismatch: str = "refuse",
                   batch_size: int = 1024, chunk: int = DEFAULT_CHUNK, skipped: list | None = None,
                   checked: bool = False) -> Iterator:
    """Stream variant effects as pandas DataFrames of at most `chunk` alleles (columns `COLUMNS`).

    Parameters
    ----------
    model, genome, variants, window, ref_mismatch, batch_size
        As in `variant_effects`.
    chunk : int, default 8192
        Alleles scored per predict call; bounds memory whatever the number of variants.
    skipped : list, optional
        Receives a `Skipped` for every allele left out.
    checked : bool, default False
        The caller already ran `check_reference` (refuse mode reads the variants twice otherwise).
    """
    from deepmotif.zoo.scanning import window_of

    if ref_mismatch not in REF_MISMATCH:
        raise VariantError(f"ref_mismatch must be one of {REF_MISMATCH}, got {ref_mismatch!r}")
    window = int(window or window_of(model))
    alleles, source = _as_alleles(variants)
    if ref_mismatch == "refuse" and not checked:
        if not isinstance(variants, (str, Path)):
            alleles = list(alleles)
        report = check_reference(genome, variants if isinstance(variants, (str, Path)) else alleles)
        if report.count:
            raise RefMismatchError(mismatch_message(report, source, genome))
    skipped = skipped if skipped is not None else []
    rows, ref_windows, alt_windows = [], [], []
    for row, ref_tokens, alt_tokens in allele_rows(genome, alleles, window, ref_mismatch, skipped):
        rows.append(row)
        ref_windows.append(ref_tokens)
        alt_windows.append(alt_tokens)
        if len(rows) >= chunk:
            yield _score_chunk(model, rows, ref_windows, alt_windows, batch_size)
            rows, ref_windows, alt_windows = [], [], []
    if rows:
        yield _score_chunk(model, rows, ref_windows, alt_windows, batch_size)


def variant_effects(model, genome, variants, *, window: int | None = None, ref_mismatch: str = "refuse",
                    batch_size: int = 1024):
    """Score how each variant changes the model's binding score.

    Parameters
    ----------
    model : keras.Model
        A DeepMotif model; windows are its trained length (`window_of`).
    genome : deepmotif.datasets.genome.Genome or path
        The reference genome FASTA (plain or bgzip), opened here if a path.
    variants : path, pandas.DataFrame or iterable
        A VCF file (plain or gzip); a DataFrame with `chrom`, `pos` (VCF POS, 1-based), `ref`, `alt`
        (and `id`); or tuples `(chrom, pos, ref, alt)` / `(chrom, pos, id, ref, alt)`.
    window : int, optional
        Default `window_of(model)`.
    ref_mismatch : {"refuse", "skip", "flag"}, default "refuse"
        What to do when REF differs from the genome (module docstring).
    batch_size : int, default 1024
        Windows per model call.

    Returns
    -------
    pandas.DataFrame
        One row per scored allele, columns `COLUMNS` (scores float32); `df.attrs["skipped"]` lists
        the alleles left out (`Skipped` tuples).
    """
    import pandas as pd

    from deepmotif.datasets.genome import open_genome

    owned = not hasattr(genome, "fetch")
    genome = open_genome(genome) if owned else genome
    skipped: list = []
    try:
        frames = list(score_variants(model, genome, variants, window=window, ref_mismatch=ref_mismatch,
                                     batch_size=batch_size, skipped=skipped))
    finally:
        if owned:
            genome.close()
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {c: pd.Series(dtype=np.float32 if c in SCORES else object) for c in COLUMNS})
    frame.attrs["skipped"] = skipped
    return frame


__all__ = ["COLUMNS", "REF_MISMATCH", "MismatchReport", "RefMismatchError", "Skipped", "VariantError",
           "allele_rows", "allele_windows", "effects_frame", "check_reference", "mismatch_message", "score_variants", "variant_effects"]
