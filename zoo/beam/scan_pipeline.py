"""`deepmotif scan --runner ...`: the genome track of `zoo.scanning.scan_track`, scored on Beam.

The driver plans the job without reading a base (`zoo.scanning.track_spans`: runs of at most
`chunk` bins, in track order) and writes the plan to the job folder; workers read it
(`ReadFromText`, then a reshuffle to spread it), cut each span's windows from their own handle
on the genome (`zoo.scanning.span_windows`) as a preprocessing step of `RunInference`, score them
with the exported model's `serving_default` (`model_handler`), and write one part per span
(`shards`). The driver then reads the parts back in plan order and yields the same `TrackChunk`s
`scan_track` yields, so `deepmotif scan` writes the track and picks the hits with the code of the
local path: same rows, same order, same values. Spans that fail are reported (`Failure`), not lost.
"""

from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple

import apache_beam as beam
from apache_beam.ml.inference.base import RunInference

from deepmotif.zoo.beam import shards
from deepmotif.zoo.beam.model_handler import DEFAULT_BATCH_SIZE, job_saved_model, keyed_handler
from deepmotif.zoo.scanning import DEFAULT_CHUNK, ScanTarget, TrackChunk, span_windows, track_spans

PLAN = "plan.tsv"


class SpanKey(NamedTuple):
    """One element: span `index` of the plan, `n` windows of `chrom` from `first_start`, `stride` apart."""

    index: int
    chrom: str
    first_start: int
    n: int


class read_span(shards.WorkerGenome):  # noqa: N801  (a picklable preprocessing step)
    """`(SpanKey, None)` -> `(SpanKey, (n, window) uint8 windows)`, read from the worker's genome."""

    def __init__(self, genome_path: str, window: int, stride: int):
        self.genome_path, self.window, self.stride = str(genome_path), int(window), int(stride)

    def __call__(self, keyed):
        key, _ = keyed
        fetch = lambda start, end: self.genome.fetch_tokens(key.chrom, start, end)  # noqa: E731
        return key, span_windows(fetch, key.first_start, key.n, self.window, self.stride)


class describe_span:  # noqa: N801
    """`SpanKey` -> `(index, "chrom:start-end")`, the bases its windows cover."""

    def __init__(self, window: int, stride: int):
        self.window, self.stride = int(window), int(stride)

    def __call__(self, key):
        end = key.first_start + (key.n - 1) * self.stride + self.window
        return key.index, f"{key.chrom}:{key.first_start}-{end}"


def parse_span(line: str) -> tuple:
    index, chrom, first_start, n = line.split("\t")
    return SpanKey(int(index), chrom, int(first_start), int(n)), None


def write_plan(job_dir: str, targets: Iterable[ScanTarget], window: int, stride: int, chunk: int) -> int:
    """Write the job's plan (`index chrom first_window_start n` per span); returns the span count."""
    from apache_beam.io.filesystems import FileSystems

    lines = [f"{i}\t{target.chrom}\t{int(starts[0])}\t{len(starts)}"
             for i, (target, _, _, starts) in enumerate(track_spans(targets, window, stride, chunk))]
    shards.write_bytes(FileSystems.join(job_dir, PLAN), "".join(line + "\n" for line in lines).encode())
    return len(lines)


def build_scan_pipeline(pipeline, job_dir: str, saved_model: str, genome_path: str, window: int, stride: int, *,
                        both_strands: bool = False, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
    """Add the scan job to `pipeline`: plan -> windows -> RunInference -> parts and failures."""
    from apache_beam.io.filesystems import FileSystems

    handler = keyed_handler(saved_model, window, preprocess=(read_span(genome_path, window, stride),),
                            both_strands=both_strands, batch_size=batch_size)
    spans = (pipeline
             | "ReadPlan" >> beam.io.ReadFromText(FileSystems.join(job_dir, PLAN))
             | "ParsePlan" >> beam.Map(parse_span)
             | "Spread" >> beam.Reshuffle())
    scored, dead = spans | "Score" >> RunInference(handler).with_exception_handling()
    _ = scored | "WriteParts" >> beam.Map(
        lambda kv: shards.write_part(job_dir, kv[0].index, scores=kv[1].inference))
    _ = (shards.failure_records(dead, describe_span(window, stride))
         | "WriteFailures" >> beam.Map(lambda failure: shards.write_failure(job_dir, failure)))


def scan_track_beam(model, model_ref, genome_path: str, targets: list[ScanTarget], window: int, stride: int = 1, *,
                    options, temp_dir: str, strand: str = "forward", averages_strands: bool = False,
                    batch_size: int = DEFAULT_BATCH_SIZE, chunk: int = DEFAULT_CHUNK,
                    failures: list | None = None) -> Iterator[TrackChunk]:
    """`zoo.scanning.scan_track`, run as a Beam job; yields the same chunks in the same order.

    Parameters
    ----------
    model : keras.Model
        The model (exported into the job folder unless `model_ref` is a usable export).
    model_ref : str
        What the user named (`--model`): an exported version directory is used as it is.
    genome_path : str
        The genome FASTA the workers read (a local path they share, or `gs://...`, copied per worker).
    targets : list of ScanTarget
        `zoo.scanning.genome_targets(genome, regions)` of that genome, opened on the driver.
    window, stride, strand, batch_size, chunk
        As in `scan_track` (`strand` "forward" or "both").
    options : PipelineOptions
        From `runners.pipeline_options`.
    temp_dir : str
        Folder (any Beam filesystem) for the job folder; removed after the merge.
    averages_strands : bool
        The model averages both strands itself (`zoo.architectures.averages_strands`).
    failures : list, optional
        Receives a `shards.Failure` for each span that failed (its bins are missing from the track).

    Yields
    ------
    TrackChunk
        Once the job has finished, in plan order; spans that failed are left out.
    """
    failures = failures if failures is not None else []
    both = strand == "both" and not averages_strands
    job_dir = shards.new_job_dir(temp_dir, "scan")
    try:
        n = write_plan(job_dir, targets, window, stride, chunk)
        saved_model = job_saved_model(model, model_ref, job_dir, "serving_default")
        with beam.Pipeline(options=options) as pipeline:
            build_scan_pipeline(pipeline, job_dir, saved_model, genome_path, window, stride, both_strands=both,
                                batch_size=batch_size)
        failed = shards.read_failures(job_dir)
        done = set()
        for index, (target, starts, ends, window_starts) in enumerate(track_spans(targets, window, stride, chunk)):
            part = shards.read_part(job_dir, index)
            if part is None:
                continue
            done.add(index)
            scores = part["scores"]
            forward = scores[:, 0] if scores.ndim == 2 else scores
            reverse = scores[:, 1] if scores.ndim == 2 else (forward if strand == "both" else None)
            yield TrackChunk(target.chrom, starts, ends, window_starts, forward, reverse)
        shards.check_complete(job_dir, n, done, failed)
        failures.extend(failed[i] for i in sorted(failed))
    finally:
        shards.remove_job_dir(job_dir)
