"""FASTA and line reading: streaming, plain or gzip (detected by its magic bytes), `\\r\\n` accepted.

`read_lines` is what every text reader of the project iterates (FASTA, DeepBind `.seq`, Zeng `.data`);
`read_fasta` yields one `FastaRecord` at a time, multi-line sequences joined. Both raise
`SequenceFormatError(path, line, problem, text)` naming the 1-based line of a missing file, corrupt
gzip, a character outside ACGTN, text before the first header or a header without a sequence.
Length rules (all equal, or the model's length) belong to the callers, who know which length.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Iterator, NamedTuple

from deepmotif.core.errors import SequenceFormatError
from deepmotif.core.sequences import first_invalid_character

GZIP_MAGIC = b"\x1f\x8b"
# Longest line read (bytes): a sequence line is far shorter; a one-line genome or a binary file is
# refused after reading this much, never loaded whole.
MAX_LINE = 1 << 20


class FastaRecord(NamedTuple):
    """One FASTA record: `header` (text after `>`, stripped), `sequence` (lines joined, case kept),
    `line` (1-based line of the header) and `sequence_line` (line of its first sequence line)."""

    header: str
    sequence: str
    line: int
    sequence_line: int


def is_gzip(path) -> bool:
    """Whether the file at `path` starts with gzip's magic bytes (whatever its name)."""
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def read_lines(path) -> Iterator[tuple[int, str]]:
    """Stream a text file, plain or gzip.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; gzip is recognized by content, not by name.

    Yields
    ------
    (int, str)
        The 1-based line number and the line without its ending (`\\n` or `\\r\\n`); bytes that are
        not UTF-8 become U+FFFD, which every sequence check then rejects.

    Raises
    ------
    SequenceFormatError
        The file does not exist or is a directory (line None), a line is longer than `MAX_LINE`
        bytes, or its gzip stream is truncated or corrupt (the line after the last one read).
    """
    path = Path(path)
    if not path.is_file():
        raise SequenceFormatError(path, None, "is a directory, not a file" if path.is_dir() else "no such file")
    opener = gzip.open if is_gzip(path) else open
    lineno = 0
    try:
        with opener(path, "rb") as f:
            for raw in iter(lambda: f.readline(MAX_LINE + 1), b""):
                lineno += 1
                if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                    raise SequenceFormatError(path, lineno, f"line longer than {MAX_LINE:,} bytes: not a sequence file "
                                              "(a FASTA line holds one sequence or part of one)",
                                              raw[:40].decode("utf-8", errors="replace"))
                yield lineno, raw.decode("utf-8", errors="replace").rstrip("\r\n")
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise SequenceFormatError(path, lineno + 1, f"truncated or corrupt gzip ({e})") from e


def bad_character_problem(sequence: str, index: int) -> str:
    """The one wording of a non-nucleotide character at 0-based `index` of a line or sequence."""
    return f"character {sequence[index]!r} at column {index + 1} is not A, C, G, T or N"


def read_fasta(path) -> Iterator[FastaRecord]:
    """Stream the records of a FASTA file (plain or gzip), validating each sequence line.

    Parameters
    ----------
    path : str or pathlib.Path
        A FASTA file: `>header` lines, each followed by one or more sequence lines of A, C, G, T, N
        (either case); blank lines are ignored.

    Yields
    ------
    FastaRecord
        In file order.

    Raises
    ------
    SequenceFormatError
        Naming the file and 1-based line: no such file, corrupt gzip, a character outside ACGTN
        (its column too), sequence text before the first `>`, a header with no sequence, an empty
        file, or a file with no `>` header at all.
    """
    header, header_line, parts, sequence_line, n = None, 0, [], 0, 0

    def finish() -> FastaRecord:
        if not parts:
            raise SequenceFormatError(path, header_line, "record has no sequence", ">" + header)
        return FastaRecord(header, "".join(parts), header_line, sequence_line)

    for n, text in read_lines(path):
        if text.startswith(">"):
            if header is not None:
                yield finish()
            header, header_line, parts, sequence_line = text[1:].strip(), n, [], 0
            continue
        line = text.strip()
        if not line:
            continue
        if header is None:
            raise SequenceFormatError(path, n, "sequence before the first '>' header", text)
        bad = first_invalid_character(line)
        if bad is not None:
            raise SequenceFormatError(path, n, bad_character_problem(line, bad), text)
        if not parts:
            sequence_line = n
        parts.append(line)
    if header is not None:
        yield finish()
    elif n == 0:
        raise SequenceFormatError(path, 1, "file is empty")
    else:
        raise SequenceFormatError(path, 1, "no '>' header found: not FASTA")


__all__ = ["FastaRecord", "GZIP_MAGIC", "MAX_LINE", "bad_character_problem", "is_gzip", "read_fasta", "read_lines"]
