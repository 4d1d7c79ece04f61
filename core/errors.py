"""Typed errors raised at the boundary, each naming the file, line and offending text."""

from __future__ import annotations


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
