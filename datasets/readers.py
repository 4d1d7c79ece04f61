"""Readers for the TFBS file formats found in the wild, validating as they go.

Formats (see `../shared/data/README.md`):
- DeepBind `.seq.gz`: gzipped TSV, header `FoldID EventID seq Bound`; EventIDs ending `_shuf` are shuffles.
- DeMo FASTA (`train.fa`/`test.fa`): the header *is* the label, `>1`, `> 1`, `>0`, `> 0`.
- Zeng 2016 `.data`: one record per line, `>chr:start-end SEQUENCE label`; `_shuf` names are shuffles.
- Plain FASTA (user data): header text is the id, multi-line sequences, optional gzip; label given by caller.

Every reader returns `list[Record]` and raises `SequenceFormatError(path, line, problem, text)` with
the 1-based line for bad characters, unequal lengths, empty files, corrupt gzip, bad headers or labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, NamedTuple

from deepmotif.core import fasta
from deepmotif.core.errors import SequenceFormatError
from deepmotif.core.sequences import first_invalid_character

DEEPBIND_HEADER = ("FoldID", "EventID", "seq", "Bound")
SHUFFLE_SUFFIX = "_shuf"


class Record(NamedTuple):
    """One labelled sequence. `label` 1 = bound, 0 = unbound."""

    id: str
    sequence: str
    label: int
    is_shuffled: bool


class _Validator:
    """Checks alphabet and equal lengths across one file."""

    def __init__(self, path, expected_length: int | None):
        self.path, self.expected_length = path, expected_length
        self.first_line = None

    def __call__(self, lineno: int, sequence: str, text: str) -> None:
        if not sequence:
            raise SequenceFormatError(self.path, lineno, "empty sequence", text)
        bad = first_invalid_character(sequence)
        if bad is not None:
            raise SequenceFormatError(
                self.path, lineno, f"character {sequence[bad]!r} at position {bad + 1} is not A, C, G, T or N", text
            )
        if self.expected_length is None:
            self.expected_length, self.first_line = len(sequence), lineno
        elif len(sequence) != self.expected_length:
            since = f" (set by line {self.first_line})" if self.first_line else ""
            raise SequenceFormatError(
                self.path, lineno, f"sequence length {len(sequence)} differs from {self.expected_length}{since}", text
            )


def _label(path, lineno: int, value: str, text: str) -> int:
    if value not in ("0", "1"):
        raise SequenceFormatError(path, lineno, f"label must be 0 or 1, got {value!r}", text)
    return int(value)


def _nonempty(path, records: list[Record], lines_seen: int) -> list[Record]:
    if not records:
        problem = "file is empty" if lines_seen == 0 else "file holds no records"
        raise SequenceFormatError(path, max(lines_seen, 1), problem)
    return records


def read_deepbind_seq(path, expected_length: int | None = None) -> list[Record]:
    """DeepBind `.seq.gz`/`.seq` TSV -> records; `_AC` files hold peaks only, `_B` peaks and `_shuf`s."""
    check, records, n = _Validator(path, expected_length), [], 0
    columns = None
    for n, text in fasta.read_lines(path):
        fields = text.split("\t") if "\t" in text else text.split()
        if columns is None:
            if tuple(f.strip() for f in fields) != DEEPBIND_HEADER:
                raise SequenceFormatError(path, n, "expected the header line 'FoldID EventID seq Bound'", text)
            columns = len(DEEPBIND_HEADER)
            continue
        if not text.strip():
            continue
        if len(fields) != columns:
            raise SequenceFormatError(path, n, f"expected {columns} tab-separated fields, got {len(fields)}", text)
        _, event, sequence, bound = (f.strip() for f in fields)
        if not event:
            raise SequenceFormatError(path, n, "empty EventID", text)
        check(n, sequence, text)
        records.append(Record(event, sequence, _label(path, n, bound, text), event.endswith(SHUFFLE_SUFFIX)))
    return _nonempty(path, records, n)


def _fasta(path, expected_length: int | None) -> Iterator[tuple[int, str, str]]:
    """Yield `(header line number, header text after '>', sequence)` of `core.fasta.read_fasta`,
    with every sequence of `expected_length` (else of the first record's length)."""
    check = _Validator(path, expected_length)
    for record in fasta.read_fasta(path):
        check(record.sequence_line, record.sequence, record.sequence)
        yield record.line, record.header, record.sequence


def read_demo_fasta(path, expected_length: int | None = None) -> list[Record]:
    """DeMo FASTA, header = label (`>1`, `> 1`, `>0`, `> 0`); ids `<file name>:<record index>`.

    DeMo negatives are dinucleotide shuffles, so `is_shuffled` is `label == 0`.
    """
    name, records = Path(path).name, []
    for i, (line, header, sequence) in enumerate(_fasta(path, expected_length)):
        if header not in ("0", "1"):
            problem = "label must be 0 or 1" if header.isdigit() else "header is not a label (expected '>1' or '>0')"
            raise SequenceFormatError(path, line, problem, ">" + header)
        label = int(header)
        records.append(Record(f"{name}:{i}", sequence, label, label == 0))
    return records


def read_fasta(path, label: int, expected_length: int | None = None) -> list[Record]:
    """Plain FASTA (optionally gzipped) with one `label` for all; the header text is the id.

    Ids decide the train/validation/test split, so a repeated header is refused, naming both lines.
    """
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    name, records, lines = Path(path).name, [], []
    for i, (line, header, sequence) in enumerate(_fasta(path, expected_length)):
        records.append(Record(header or f"{name}:{i}", sequence, label, False))
        lines.append(line)
    check_unique_ids(path, zip((r.id for r in records), lines))
    return records


def check_unique_ids(path, ids_and_lines) -> None:
    """Refuse a repeated record id, naming both header lines: ids decide which split a sequence goes to.

    Parameters
    ----------
    path : str or pathlib.Path
        The file the ids come from (for the message).
    ids_and_lines : iterable of (str, int)
        Each record's id and the 1-based line of its header.
    """
    seen: dict[str, int] = {}
    for record_id, line in ids_and_lines:
        if record_id in seen:
            raise SequenceFormatError(path, line, f"duplicate id {record_id!r}, first at {path}:{seen[record_id]} "
                                                  "(ids must be unique: they decide which split a sequence goes to)")
        seen[record_id] = line


def read_zeng(path, expected_length: int | None = None) -> list[Record]:
    """Zeng et al. 2016 `.data`: `>chr:start-end SEQUENCE label` per line; `_shuf` names are shuffles."""
    check, records, n = _Validator(path, expected_length), [], 0
    for n, text in fasta.read_lines(path):
        if not text.strip():
            continue
        fields = text.split()
        if len(fields) != 3:
            raise SequenceFormatError(path, n, f"expected 3 fields '>name SEQUENCE label', got {len(fields)}", text)
        name, sequence, label = fields
        if not name.startswith(">") or len(name) == 1:
            raise SequenceFormatError(path, n, "first field must be a '>name' header", text)
        check(n, sequence, text)
        records.append(Record(name[1:], sequence, _label(path, n, label, text), name.endswith(SHUFFLE_SUFFIX)))
    return _nonempty(path, records, n)


def _first_line(path) -> str:
    for _, text in fasta.read_lines(path):
        if text.strip():
            return text
    return ""


def read_records(path, expected_length: int | None = None) -> list[Record]:
    """Read any labelled format, chosen by file name, else by the first line's content."""
    path = Path(path)
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".seq"):
        return read_deepbind_seq(path, expected_length)
    if name.endswith(".data"):
        return read_zeng(path, expected_length)
    first = _first_line(path)
    if not first:
        raise SequenceFormatError(path, 1, "file is empty")
    fields = first.split()
    if tuple(fields) == DEEPBIND_HEADER:
        return read_deepbind_seq(path, expected_length)
    if first.startswith(">") and len(fields) == 3 and fields[2] in ("0", "1"):
        return read_zeng(path, expected_length)
    if first.startswith(">"):
        return read_demo_fasta(path, expected_length)
    raise SequenceFormatError(
        path, 1, "unknown format: expected DeepBind .seq(.gz), DeMo FASTA (>1/>0 headers) or Zeng .data", first
    )
