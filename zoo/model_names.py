"""Published model names: flat, because TF Serving puts them in URLs and folder names.

The one check every writer and resolver applies (`export`, `publish`, `pull`, `load`, `finetune --from`).
"""

from __future__ import annotations

import re

from deepmotif.core.errors import DeepMotifError

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")  # used with fullmatch: `$` would accept a trailing newline


class ModelNameError(DeepMotifError, ValueError):
    """A model name that could escape its directory (path separators, `..`) or is empty."""


def check_name(name: str) -> str:
    """Return `name` if it is a safe flat model name, else raise `ModelNameError`.

    Parameters
    ----------
    name : str
        A model name such as `GATA1_K562_GATA-1_USC.cnn_rnn`: letters, digits and `_ . + -`, not
        starting with `.` or `-`, no `..` and no path separator.

    Returns
    -------
    str
        `name`, unchanged.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        hint = ""
        if isinstance(name, str) and ("/" in name or "\\" in name):
            flat = re.sub(r"[\\/]+", ".", name.strip("/\\"))
            hint = f" Model names are flat (TF Serving puts them in URLs): did you mean {flat!r}?"
        raise ModelNameError(
            f"invalid model name {name!r}: use letters, digits and _ . + - (no path separators, "
            f"no '..', not starting with '.' or '-').{hint}"
        )
    return name
