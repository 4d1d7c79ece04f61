"""`deepmotif variants --runner ...`: `zoo.variant_scoring.score_variants`, scored on Beam.

The driver streams the VCF once (`datasets.vcf.read_alleles`) into chunks of `chunk` alleles,
written to the job folder; each element is one chunk, keyed by its index and VCF lines. As a
preprocessing step of `RunInference`, a worker reads its chunk, checks each allele against its own
handle on the genome and cuts the reference and alternate windows (`variant_scoring.allele_rows`,
the local path's code: same skips, same windows); the exported model's `predict_logits` signature
scores them on both strands (`model_handler`); the logits, rows and skipped alleles go to one part
per chunk (`shards`). The driver reads the parts back in VCF order and builds each DataFrame with
`variant_scoring.effects_frame`, so `deepmotif variants` writes the same TSV as the local path.
Chunks that fail are reported (`Failure`, naming their VCF lines), not lost.
"""

from __future__ import annotations

import json
from itertools import islice
from typing import Iterator, NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.ml.inference.base import RunInference

from deepmotif.zoo.beam import shards
from deepmotif.zoo.beam.model_handler import DEFAULT_BATCH_SIZE, job_saved_model, keyed_handler
from deepmotif.zoo.variant_scoring import DEFAULT_CHUNK, REF_MISMATCH, Skipped, VariantError, effects_frame

INPUT = "input-{index:09d}.json"
SIGNATURE = "predict_logits"


class ChunkKey(NamedTuple):
    """One element: chunk `index` of the VCF's alleles, `where` they come from (`file:first-last` lines)."""

    index: int
    where: str


class ScoredKey(NamedTuple):
    """A chunk after its windows were cut: the scored `rows` (`KEYS` + ref_mismatch) and `skipped`."""

    index: int
    where: str
    rows: list
    skipped: list


class read_chunk(shards.WorkerGenome):  # noqa: N801  (a picklable preprocessing step)
    """`(ChunkKey, None)` -> `(ScoredKey, (2n, window) uint8)`: reference windows, then alternate ones."""

    def __init__(self, job_dir: str, genome_path: str, window: int, ref_mismatch: str):
        self.job_dir, self.genome_path = str(job_dir), str(genome_path)
        self.window, self.ref_mismatch = int(window), ref_mismatch

    def __call__(self, keyed):
        from apache_beam.io.filesystems import FileSystems

        from deepmotif.datasets.vcf import Allele
        from deepmotif.zoo.variant_scoring import allele_rows

        key, _ = keyed
        text = shards.read_bytes(FileSystems.join(self.job_dir, INPUT.format(index=key.index)))
        alleles = [Allele(*fields) for fields in json.loads(text)]
        skipped, rows, ref, alt = [], [], [], []
        for row, ref_tokens, alt_tokens in allele_rows(self.genome, alleles, self.window, self.ref_mismatch, skipped):
            rows.append(row)
            ref.append(ref_tokens)
            alt.append(alt_tokens)
        windows = np.concatenate([np.stack(ref), np.stack(alt)]) if rows else np.zeros((0, self.window), np.uint8)
        return ScoredKey(key.index, key.where, rows, skipped), windows


def describe_chunk(key):
    """`ChunkKey` or `ScoredKey` -> `(index, where)`."""
    return key.index, key.where


def write_inputs(job_dir: str, vcf, chunk: int) -> list[ChunkKey]:
    """Stream the VCF's alleles into `input-<index>.json` chunks of `chunk`; returns their keys."""
    from apache_beam.io.filesystems import FileSystems

    from deepmotif.datasets.vcf import read_alleles

    keys, alleles = [], read_alleles(vcf)
    while batch := list(islice(alleles, int(chunk))):
        key = ChunkKey(len(keys), f"{vcf}:{batch[0].line}-{batch[-1].line}")
        shards.write_bytes(FileSystems.join(job_dir, INPUT.format(index=key.index)),
                           json.dumps([list(a) for a in batch]).encode())
        keys.append(key)
    return keys


def _write_scored(job_dir: str):
    def write(kv):
        key, result = kv
        meta = {"rows": key.rows, "skipped": [list(s) for s in key.skipped]}
        shards.write_part(job_dir, key.index, meta=meta, logits=np.asarray(result.inference, np.float32))
    return write


def build_variant_pipeline(pipeline, job_dir: str, keys: list[ChunkKey], saved_model: str, genome_path: str,
                           window: int, *, ref_mismatch: str = "skip", both_strands: bool = True,
                           batch_size: int = DEFAULT_BATCH_SIZE) -> None:
    """Add the variant job to `pipeline`: chunk keys -> windows -> RunInference -> parts and failures."""
    handler = keyed_handler(saved_model, window, preprocess=(read_chunk(job_dir, genome_path, window, ref_mismatch),),
                            signature=SIGNATURE, both_strands=both_strands, batch_size=batch_size)
    chunks = (pipeline
              | "Chunks" >> beam.Create([(key, None) for key in keys])
              | "Spread" >> beam.Reshuffle())
    scored, dead = chunks | "Score" >> RunInference(handler).with_exception_handling()
    _ = scored | "WriteParts" >> beam.Map(_write_scored(job_dir))
    _ = (shards.failure_records(dead, describe_chunk)
         | "WriteFailures" >> beam.Map(lambda failure: shards.write_failure(job_dir, failure)))


def score_variants_beam(model, model_ref, genome_path: str, vcf, window: int, *, options, temp_dir: str,
                        ref_mismatch: str = "refuse", averages_strands: bool = False,
                        batch_size: int = DEFAULT_BATCH_SIZE, chunk: int = DEFAULT_CHUNK,
                        skipped: list | None = None, failures: list | None = None) -> Iterator:
    """`zoo.variant_scoring.score_variants`, run as a Beam job; yields DataFrames in VCF order.

    Parameters
    ----------
    model : keras.Model
        The model (exported into the job folder unless `model_ref` is a usable export).
    model_ref : str
        What the user named (`--model`).
    genome_path : str
        The genome FASTA the workers read (a shared local path, or `gs://...`, copied per worker).
    vcf : str
        The VCF (read on the driver only).
    window : int
        The model's window.
    options : PipelineOptions
        From `runners.pipeline_options`.
    temp_dir : str
        Folder (any Beam filesystem) for the job folder; removed after the merge.
    ref_mismatch : {"refuse", "skip", "flag"}
        As in `score_variants`; "refuse" expects the caller to have run `check_reference`, and skips.
    averages_strands : bool
        The model averages both strands itself: the reverse logits are the forward ones.
    batch_size, chunk
        Windows per model call; alleles per element.
    skipped, failures : list, optional
        Receive `Skipped` alleles (VCF order) and a `shards.Failure` per failed chunk.

    Yields
    ------
    pandas.DataFrame
        `variant_scoring.COLUMNS`, one per chunk that has scored alleles, in VCF order.
    """
    if ref_mismatch not in REF_MISMATCH:
        raise VariantError(f"ref_mismatch must be one of {REF_MISMATCH}, got {ref_mismatch!r}")
    skipped = skipped if skipped is not None else []
    failures = failures if failures is not None else []
    job_dir = shards.new_job_dir(temp_dir, "variants")
    try:
        keys = write_inputs(job_dir, vcf, chunk)
        saved_model = job_saved_model(model, model_ref, job_dir, SIGNATURE)
        mode = "skip" if ref_mismatch == "refuse" else ref_mismatch
        with beam.Pipeline(options=options) as pipeline:
            build_variant_pipeline(pipeline, job_dir, keys, saved_model, genome_path, window, ref_mismatch=mode,
                                   both_strands=not averages_strands, batch_size=batch_size)
        failed = shards.read_failures(job_dir)
        done = set()
        for key in keys:
            part = shards.read_part(job_dir, key.index)
            if part is None:
                continue
            done.add(key.index)
            skipped.extend(Skipped(*fields) for fields in part["meta"]["skipped"])
            rows = [tuple(row) for row in part["meta"]["rows"]]
            if rows:
                logits = part["logits"]
                forward = logits[:, 0] if logits.ndim == 2 else logits
                yield effects_frame(rows, forward, logits[:, 1] if logits.ndim == 2 else forward)
        shards.check_complete(job_dir, len(keys), done, failed)
        failures.extend(failed[i] for i in sorted(failed))
    finally:
        shards.remove_job_dir(job_dir)
