"""Builders that download nothing (synthetic data, the user's own FASTA) say nothing about downloads.

TFDS prints "Downloading and preparing dataset Unknown size (download: Unknown size, ...)" and
"... downloaded and prepared to ..." around every build; for a builder that generates its data
locally both lines mislead, and `deepmotif data build` and the demo say what they build themselves.
"""

from __future__ import annotations


class BuiltLocally:
    """Mixin for `tfds.core.GeneratorBasedBuilder` subclasses that download nothing (list it before it)."""

    def _log_download_bytes(self) -> None:
        pass

    def _log_download_done(self) -> None:
        pass
