"""Typed errors raised at the boundary, each naming the file, line and offending text."""

from __future__ import annotations

import errno
import os


class DeepMotifError(Exception):
    """Base class for every error this project raises on purpose."""


class SequenceFormatError(DeepMotifError, ValueError):
    """A sequence file is malformed; says where (path, 1-based line) and what."""

    def __init__(self, path, line: int | None, problem: str, text: str | None = None):
        self.path, self.line, self.problem, self.text = str(path), line, problem, text
        where = f"{self.path}:{line}" if line is not None else self.path
        shown = f": {text[:80]!r}" if text is not None else ""
        super().__init__(f"{where}: {problem}{shown}")


class MissingFilesError(DeepMotifError, FileNotFoundError):
    """Files a dataset needs are not where we looked; lists every path tried."""

    def __init__(self, what: str, searched: list):
        self.searched = [str(p) for p in searched]
        listing = "\n  ".join(self.searched) or "(nothing)"
        super().__init__(f"{what}. Looked for:\n  {listing}")


class UnknownNameError(DeepMotifError, KeyError):
    """A dataset, architecture, model or option that does not exist; suggests close names."""

    def __init__(self, kind: str, name: str, known):
        import difflib

        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        shown = ", ".join(known[:12]) + (" ..." if len(known) > 12 else "")
        self.message = f"unknown {kind} {name!r}.{hint} Known: {shown}"
        super().__init__(self.message)

    def __str__(self):
        return self.message


class DatasetError(DeepMotifError, ValueError):
    """A dataset cannot be built or read as asked (bad name, empty split, built from other files)."""


class DiskFullError(DeepMotifError, OSError):
    """A write failed for lack of space (ENOSPC), a file-size limit (EFBIG) or a quota (EDQUOT)."""


_DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def disk_full(error: BaseException) -> DiskFullError | None:
    """`error` as a `DiskFullError` if it, or an exception it was raised from, is a write that failed
    for lack of space; else None. Recognizes OSError's errno and the same errors as TensorFlow and
    h5py word them ("No space left on device", "File too large", "Disk quota exceeded")."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        text = str(error)
        for code in _DISK_FULL:
            if getattr(error, "errno", None) == code or os.strerror(code) in text:
                where = getattr(error, "filename", None) or text.split(";")[0].strip()[:300]
                return DiskFullError(
                    code, f"{os.strerror(code)} while writing {where}. Free some space (or raise the limit) and run "
                    "the same command again: files written completely before (checkpoints, the last finished epoch "
                    "of a run, exported versions) are intact, and a run resumes from its last finished epoch."
                )
        error = error.__cause__ or error.__context__
    return None
