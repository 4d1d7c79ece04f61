"""Where a Beam job's workers leave their results, and how the driver reads them back in order.

Each job writes under its own folder `<temp_dir>/deepmotif-<job>-<uuid>/` (any filesystem Beam
reads: a local path, `gs://`, `hdfs://`, `s3://`): `part-<index>.npz`, one per element (the
element's index in the job's plan, so a retried worker rewrites the same file and the driver reads
them back in plan order), and `failed-<index>.json` for each element that failed. After the merge
the driver removes that folder, and only that folder: it is the one thing the job created.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import NamedTuple

import numpy as np

from deepmotif.core.errors import DeepMotifError

PART = "part-{index:09d}.npz"
FAILED = "failed-{index:09d}.json"
_STAGED: dict = {}  # remote genome path -> local copy, once per worker process


class Failure(NamedTuple):
    """One element Beam could not process: its `index` in the plan, a readable `key` (locus or
    variant ids), the `stage` that failed (`read`, `check`, `inference`) and the `error`."""

    index: int
    key: str
    stage: str
    error: str


class LostElementsError(DeepMotifError, RuntimeError):
    """Elements of the plan that came back neither as results nor as failures."""


def new_job_dir(temp_dir: str, job: str) -> str:
    """A fresh `<temp_dir>/deepmotif-<job>-<uuid>` (created where the filesystem has folders)."""
    from apache_beam.io.filesystems import FileSystems

    path = FileSystems.join(str(temp_dir), f"deepmotif-{job}-{uuid.uuid4().hex[:12]}")
    FileSystems.mkdirs(path)
    return path


def remove_job_dir(job_dir: str) -> None:
    """Delete the job folder `new_job_dir` made (nothing else)."""
    from apache_beam.io.filesystems import FileSystems

    if FileSystems.exists(job_dir):
        FileSystems.delete([job_dir])


def write_bytes(path: str, data: bytes) -> None:
    """Write `data` to `path` on any Beam filesystem, byte for byte (never compressed)."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(data)


def read_bytes(path: str) -> bytes:
    """The bytes of `path` on any Beam filesystem, as stored (a `.gz` is not decompressed)."""
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
        return f.read()


def write_part(job_dir: str, index: int, meta=None, **arrays) -> None:
    """`part-<index>.npz` with numeric `arrays` and, if given, `meta` (JSON-able) as a string."""
    from apache_beam.io.filesystems import FileSystems

    buffer = io.BytesIO()
    if meta is not None:
        arrays["meta"] = np.array(json.dumps(meta))
    np.savez(buffer, **arrays)
    write_bytes(FileSystems.join(job_dir, PART.format(index=index)), buffer.getvalue())


def read_part(job_dir: str, index: int) -> dict | None:
    """The arrays of `part-<index>.npz` (`meta` decoded), or None if the element left no part."""
    from apache_beam.io.filesystems import FileSystems

    path = FileSystems.join(job_dir, PART.format(index=index))
    if not FileSystems.exists(path):
        return None
    with np.load(io.BytesIO(read_bytes(path)), allow_pickle=False) as data:
        part = {k: data[k] for k in data.files}
    if "meta" in part:
        part["meta"] = json.loads(str(part["meta"]))
    return part


def write_failure(job_dir: str, failure: Failure) -> None:
    from apache_beam.io.filesystems import FileSystems

    write_bytes(FileSystems.join(job_dir, FAILED.format(index=failure.index)),
                json.dumps(failure._asdict()).encode())


def read_failures(job_dir: str) -> dict[int, Failure]:
    """Every `failed-<index>.json` of the job, by index."""
    from apache_beam.io.filesystems import FileSystems

    found = FileSystems.match([FileSystems.join(job_dir, "failed-*.json")])[0].metadata_list
    failures = [Failure(**json.loads(read_bytes(m.path))) for m in found]
    return {f.index: f for f in failures}


def failure_records(dlq, describe, stages=("read", "check")):
    """`RunInference(...).with_exception_handling()`'s dead letters as `Failure`s, one per element.

    `dlq` is its `RunInferenceDLQ`; `describe(key) -> (index, readable key)`; `stages` names the
    preprocessing steps in the order they run. Those fail one element at a time; an inference
    failure fails a whole batch, so each of its elements is reported.
    """
    import apache_beam as beam

    def one(stage):
        def fail(bad):
            (key, _), (_, message, *_) = bad  # (element, (type, repr(exception), traceback))
            return Failure(*describe(key), stage, message)
        return fail

    def batch(bad):
        elements, (_, message, *_) = bad
        return [Failure(*describe(key), "inference", message) for key, _ in elements]

    collections = [pc | f"Failed{stages[i].title()}" >> beam.Map(one(stages[i]))
                   for i, pc in enumerate(dlq.failed_preprocessing)]
    collections.append(dlq.failed_inferences | "FailedInference" >> beam.FlatMap(batch))
    return collections | "Failures" >> beam.Flatten()


def check_complete(job_dir: str, n: int, done: set, failures: dict) -> None:
    """Raise `LostElementsError` if an index below `n` has neither a part nor a failure."""
    lost = [i for i in range(n) if i not in done and i not in failures]
    if lost:
        raise LostElementsError(f"{len(lost)} of {n} elements left neither results nor failures in {job_dir} "
                                f"(first: {lost[:5]}); the runner lost them")


def write_failures(path, failures) -> None:
    """The failed elements as a TSV (`index key stage error`), written atomically."""
    from deepmotif.core import atomic

    lines = ["index\tkey\tstage\terror"]
    lines += [f"{f.index}\t{f.key}\t{f.stage}\t{' '.join(str(f.error).split())}" for f in failures]
    atomic.write_text(path, "\n".join(lines) + "\n")


def local_genome(path: str) -> str:
    """A genome path pyfaidx can open: `path` itself if local, else a copy (FASTA, and its `.fai`
    and `.gzi` when present beside it) made once per process under the system temp folder."""
    if "://" not in str(path):
        return str(path)
    if path not in _STAGED:
        import os
        import tempfile

        from apache_beam.io.filesystem import CompressionTypes
        from apache_beam.io.filesystems import FileSystems

        folder = tempfile.mkdtemp(prefix="deepmotif-genome-")
        name = path.rstrip("/").rsplit("/", 1)[-1]
        for suffix in ("", ".fai", ".gzi"):
            if suffix and not FileSystems.exists(path + suffix):
                continue
            source = FileSystems.open(path + suffix, compression_type=CompressionTypes.UNCOMPRESSED)
            with source, open(os.path.join(folder, name + suffix), "wb") as copy:
                while block := source.read(1 << 24):
                    copy.write(block)
        _STAGED[path] = os.path.join(folder, name)
    return _STAGED[path]


class WorkerGenome:
    """Base of a picklable Beam step that reads `self.genome_path`: each worker opens its own handle
    (pyfaidx handles do not pickle), once, on first use."""

    genome_path: str
    _genome = None

    def __getstate__(self):
        return {**self.__dict__, "_genome": None}

    @property
    def genome(self):
        """The worker's open `Genome` (a local copy of a remote genome: `local_genome`)."""
        if self._genome is None:
            from deepmotif.datasets.genome import open_genome

            self._genome = open_genome(local_genome(self.genome_path))
        return self._genome
