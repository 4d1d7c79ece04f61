"""The model registry: published pretrained models by name, found locally, cached or downloaded.

`zoo/published_models.json` (the manifest) lists each model's name, version, architecture,
dataset, metrics and two artifacts with size and sha256: the `.keras` file (for `load`,
fine-tuning, interpretation) and the SavedModel as a `.tar.gz` (for TF Serving).

Resolution of a name: local `exported_models/` first, then the cache (`~/.cache/deepmotif`,
or `$DEEPMOTIF_CACHE`), then a download from the release URL (`$DEEPMOTIF_MODELS_URL`
overrides it), verified against the manifest's sha256 before it enters the cache.

Model names are flat (`GATA1_K562_GATA-1_USC.cnn_rnn`) because TF Serving puts them in
URLs (`/v1/models/<name>:predict`) and the registry puts them in paths.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import re
import shutil
import tarfile
import tempfile
from pathlib import Path

from deepmotif.core.errors import DeepMotifError, UnknownNameError

MANIFEST_FILE = "published_models.json"
REPO_ROOT = Path(__file__).resolve().parent.parent
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")  # used with fullmatch: `$` would accept a trailing newline


class ModelNameError(DeepMotifError, ValueError):
    """A model name that could escape its directory (path separators, `..`) or is empty."""


class DownloadError(DeepMotifError, OSError):
    """A download failed or arrived truncated; nothing was left in the cache."""


class ChecksumError(DeepMotifError, ValueError):
    """A downloaded artifact's sha256 differs from the manifest; it was discarded."""


class CacheError(DeepMotifError, OSError):
    """The cache directory cannot be created or written."""


class OfflineError(DeepMotifError, FileNotFoundError):
    """`--offline` and the model is neither in `exported_models/` nor in the cache."""


# ---------------------------------------------------------------- names and places


def check_name(name: str) -> str:
    """Return `name` if it is a safe flat model name, else raise `ModelNameError`."""
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


def cache_dir() -> Path:
    """`$DEEPMOTIF_CACHE`, else `~/.cache/deepmotif`."""
    env = os.environ.get("DEEPMOTIF_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "deepmotif"


def local_dirs() -> list[Path]:
    """Export base paths searched first: `$DEEPMOTIF_EXPORTED_MODELS` (os.pathsep-separated),
    else `./exported_models` and the repository's `exported_models/`."""
    env = os.environ.get("DEEPMOTIF_EXPORTED_MODELS")
    dirs = [Path(p) for p in env.split(os.pathsep) if p] if env else [Path("exported_models"), REPO_ROOT / "exported_models"]
    unique = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def release_url(manifest: dict) -> str:
    return (os.environ.get("DEEPMOTIF_MODELS_URL") or manifest.get("release_url", "")).rstrip("/")


# ---------------------------------------------------------------- manifest


def read_manifest(path=None) -> dict:
    """The manifest: `path`, `$DEEPMOTIF_MANIFEST`, or the packaged `published_models.json`."""
    path = path or os.environ.get("DEEPMOTIF_MANIFEST")
    if path:
        text = Path(path).read_text()
    else:
        resource = importlib.resources.files("deepmotif.zoo") / MANIFEST_FILE
        text = resource.read_text() if resource.is_file() else '{"models": []}'
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DeepMotifError(f"{path or MANIFEST_FILE}:{e.lineno}: manifest is not valid JSON ({e.msg})") from e


def _entry(name: str, manifest: dict, version: int | None = None) -> dict | None:
    entries = [m for m in manifest.get("models", []) if m["name"] == name]
    if version is not None:
        entries = [m for m in entries if int(m["version"]) == int(version)]
    return max(entries, key=lambda m: int(m["version"])) if entries else None


def _local_names() -> set[str]:
    from deepmotif.zoo.saved_models import versions

    return {p.name for d in local_dirs() for p in d.iterdir() if p.is_dir() and versions(p)}


def _unknown(name: str, manifest: dict) -> UnknownNameError:
    return UnknownNameError("model", name, {m["name"] for m in manifest.get("models", [])} | _local_names())


def _local_version_dir(name: str, version: int | None = None) -> Path | None:
    from deepmotif.zoo.saved_models import versions

    for base in local_dirs():
        present = versions(base / name)
        if version is not None:
            present = [v for v in present if v == int(version)]
        if present:
            return base / name / str(present[-1])
    return None


def _cached_keras(name: str, version: int) -> Path:
    return cache_dir() / "keras" / name / str(version) / "model.keras"


def _cached_serving(name: str, version: int) -> Path:
    return cache_dir() / "serving" / name / str(version)


# ---------------------------------------------------------------- listing


def list_models() -> list[dict]:
    """Every published model (manifest entries) plus local exports, each with `location`:
    `local` (a path), `cache`, or `remote`."""
    manifest = read_manifest()
    rows = []
    for entry in manifest.get("models", []):
        local = _local_version_dir(entry["name"], entry["version"])
        cached = _cached_keras(entry["name"], entry["version"]).is_file()
        rows.append({**entry, "location": str(local) if local else ("cache" if cached else "remote")})
    published = {m["name"] for m in manifest.get("models", [])}
    for name in sorted(_local_names() - published):
        path = _local_version_dir(name)
        rows.append({"name": name, "version": int(path.name), "location": str(path), "published": False})
    return rows


def info(name: str) -> dict:
    """Manifest entry of `name` with its model card (when available locally or cached) and locations."""
    check_name(name)
    manifest = read_manifest()
    entry = _entry(name, manifest)
    local = _local_version_dir(name)
    if entry is None and local is None:
        raise _unknown(name, manifest)
    out = dict(entry or {"name": name, "version": int(local.name), "published": False})
    version = int(out["version"])
    out["local_path"] = str(local) if local else None
    out["cached_keras"] = str(_cached_keras(name, version)) if _cached_keras(name, version).is_file() else None
    if entry:
        base = release_url(manifest)
        out["urls"] = {kind: f"{base}/{a['file']}" for kind, a in entry.get("artifacts", {}).items()}
    card_dir = local or (_cached_serving(name, version) if _cached_serving(name, version).is_dir() else None)
    if card_dir is not None and (card_dir / "assets.extra" / "model_card.json").is_file():
        out["card"] = json.loads((card_dir / "assets.extra" / "model_card.json").read_text())
    return out


# ---------------------------------------------------------------- download


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise CacheError(
            f"model cache {directory} is not writable ({e.strerror or e}); set DEEPMOTIF_CACHE to a "
            "writable folder, or use --offline with models in exported_models/"
        ) from e


def download(url: str, dest, sha256: str, size: int | None = None, progress: bool = False) -> Path:
    """Download `url` to `dest` (pooch), verifying size and sha256; atomic, nothing left on failure."""
    import pooch
    import requests

    dest = Path(dest)
    _writable(dest.parent)
    tmpdir = Path(tempfile.mkdtemp(prefix=".download-", dir=dest.parent))
    try:
        tmp = tmpdir / dest.name
        try:
            pooch.HTTPDownloader(progressbar=progress, timeout=60)(url, str(tmp), None)
        except requests.exceptions.ChunkedEncodingError as e:
            got = tmp.stat().st_size if tmp.exists() else 0
            raise DownloadError(f"truncated download from {url}: connection closed after {got} bytes"
                                + (f" of {size}" if size else "")) from e
        except requests.exceptions.RequestException as e:
            raise DownloadError(f"could not download {url}: {e}") from e
        got = tmp.stat().st_size
        if size is not None and got != int(size):
            raise DownloadError(f"truncated download from {url}: got {got} bytes, the manifest says {size}")
        digest = sha256_file(tmp)
        if digest != sha256:
            raise ChecksumError(
                f"sha256 mismatch for {url}: expected {sha256}, got {digest}. The file was discarded; "
                "the release asset or the manifest is wrong (or the download was tampered with)."
            )
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return dest


def _extract(archive: Path, target: Path) -> None:
    """Extract a SavedModel `.tar.gz` into `target` atomically (TF Serving never sees half)."""
    from deepmotif.core import atomic

    with atomic.atomic_path(target) as tmp:
        tmp.mkdir()
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")  # refuses absolute paths and `..`


def pull(name: str, offline: bool = False, saved_model: bool = True, progress: bool = False) -> dict:
    """Make `name` available locally; returns `{"keras": path, "saved_model": path or None}`.

    Uses `exported_models/` if it has the model, else the cache, else downloads the `.keras`
    file (and with `saved_model` the SavedModel archive, extracted under `<cache>/serving/`).
    """
    check_name(name)
    local = _local_version_dir(name)
    manifest = read_manifest()
    entry = _entry(name, manifest)
    if local is not None and (entry is None or int(local.name) >= int(entry["version"])):
        return {"keras": local / "assets.extra" / "model.keras", "saved_model": local}
    if entry is None:
        raise _unknown(name, manifest)
    version = int(entry["version"])
    artifacts = entry.get("artifacts", {})
    keras_path, serving_path = _cached_keras(name, version), _cached_serving(name, version)
    wanted = {"keras": keras_path} | ({"saved_model": serving_path} if saved_model and "saved_model" in artifacts else {})
    missing = {k: p for k, p in wanted.items() if not p.exists()}
    if "keras" not in missing and sha256_file(keras_path) != artifacts["keras"]["sha256"]:
        keras_path.unlink()  # a corrupted cache entry is replaced, never used
        missing["keras"] = keras_path
    if missing and offline:
        raise OfflineError(
            f"model {name!r} v{version} is not in exported_models/ or the cache ({cache_dir()}) and "
            f"--offline was given; run `deepmotif models pull {name}` while online"
        )
    base = release_url(manifest)
    if "keras" in missing:
        art = artifacts["keras"]
        download(f"{base}/{art['file']}", keras_path, art["sha256"], art.get("size"), progress)
    if "saved_model" in missing:
        art = artifacts["saved_model"]
        _writable(serving_path.parent)
        archive = Path(tempfile.mkdtemp(prefix=".archive-", dir=serving_path.parent))
        try:
            tarball = download(f"{base}/{art['file']}", archive / art["file"], art["sha256"], art.get("size"), progress)
            _extract(tarball, serving_path)
        finally:
            shutil.rmtree(archive, ignore_errors=True)
    return {"keras": keras_path, "saved_model": serving_path if serving_path.is_dir() else None}


def load(name_or_path, offline: bool = False):
    """A Keras model from a run directory, a `.keras` file, an exported version directory,
    or a registry name (resolved as in `pull`, downloading only the `.keras` file)."""
    from deepmotif.zoo.runs import load_run

    path = Path(str(name_or_path))
    if path.exists():
        if path.is_dir() and (path / "saved_model.pb").is_file():
            path = path / "assets.extra" / "model.keras"
        return load_run(path)[0]
    try:
        check_name(str(name_or_path))
    except ModelNameError as e:
        raise ModelNameError(f"{name_or_path}: no such file or directory, and {e}") from None
    return load_run(pull(name_or_path, offline=offline, saved_model=False)["keras"])[0]

