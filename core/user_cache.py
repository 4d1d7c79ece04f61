"""deepmotif's per-user cache folder: downloaded models, and tables worth keeping between runs."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """`$DEEPMOTIF_CACHE`, else `~/.cache/deepmotif` (need not exist yet)."""
    env = os.environ.get("DEEPMOTIF_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "deepmotif"
