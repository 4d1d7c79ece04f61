"""TF Serving's version directories: `<base_dir>/<name>/<version>/` with an all-digit version.

TF Serving loads only all-digit names, so hidden temporary siblings (an export in progress) are
never counted; a version counts once its `saved_model.pb` is in place.
"""

from __future__ import annotations

import re
from pathlib import Path

_VERSION = re.compile(r"[0-9]+")  # fullmatch only


def versions(model_dir) -> list[int]:
    """Complete versions of one model, ascending.

    Parameters
    ----------
    model_dir : str or pathlib.Path
        `<base_dir>/<name>`; need not exist.

    Returns
    -------
    list of int
        The all-digit subdirectories that hold a `saved_model.pb`.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return []
    return sorted(
        int(p.name) for p in model_dir.iterdir() if _VERSION.fullmatch(p.name) and (p / "saved_model.pb").is_file()
    )
