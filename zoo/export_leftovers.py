"""Hidden temporary folders left by exports that were killed, and their safe removal.

An export writes `<base_dir>/<name>/.<version>.<8 random>.tmp/<version>/` (`core.atomic.atomic_path`)
and renames the inner folder into place; a killed export leaves the hidden folder behind forever.
`claim` records in it who is writing (`export.owner`: host, pid, start time); `remove_stale` deletes
only folders it can prove an export left: the exact name pattern, nothing inside but the version
folder and the owner file, and either its owner process is gone (same host) or it is older than
`GRACE_SECONDS` (an owner on another host, or a kill before the owner file was written).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import time
from pathlib import Path

OWNER_FILE = "export.owner"
GRACE_SECONDS = 6 * 3600  # longer than any export; only for folders whose owner cannot be checked
# `tempfile.mkdtemp(prefix=".<version>.", suffix=".tmp")`: 8 characters of [a-z0-9_]
_LEFTOVER = re.compile(r"\.([0-9]+)\.[a-z0-9_]{8}\.tmp")


def claim(tmp_dir) -> None:
    """Mark the hidden folder `tmp_dir` as written by this process (host, pid, time)."""
    record = {"host": socket.gethostname(), "pid": os.getpid(), "started": time.time()}
    (Path(tmp_dir) / OWNER_FILE).write_text(json.dumps(record) + "\n")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _is_stale(folder: Path, version: str, now: float, grace: float) -> bool:
    entries = {p.name for p in folder.iterdir()}
    if not entries <= {version, OWNER_FILE}:
        return False  # holds something an export does not write: not ours to delete
    owner_file = folder / OWNER_FILE
    try:
        owner = json.loads(owner_file.read_text())
        if owner.get("host") == socket.gethostname() and not _alive(int(owner["pid"])):
            return True
    except (OSError, ValueError, KeyError, TypeError):
        pass
    newest = max([folder.stat().st_mtime] + [p.stat().st_mtime for p in folder.iterdir()])
    return now - newest > grace


def remove_stale(model_dir, grace: float = GRACE_SECONDS) -> list[Path]:
    """Delete the leftovers of killed exports in `model_dir` (`<base_dir>/<name>`); returns them.

    Parameters
    ----------
    model_dir : str or pathlib.Path
        One model's folder of versions; need not exist.
    grace : float, default GRACE_SECONDS
        Age in seconds after which a leftover whose owner cannot be checked is removed.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return []
    removed, now = [], time.time()
    for folder in sorted(model_dir.iterdir()):
        match = _LEFTOVER.fullmatch(folder.name)
        if not match or folder.is_symlink() or not folder.is_dir():
            continue
        try:
            if _is_stale(folder, match.group(1), now, grace):
                shutil.rmtree(folder)
                removed.append(folder)
        except FileNotFoundError:  # its export finished (renamed) or another cleaner was first
            continue
    return removed
