"""The model registry: published pretrained models by name, found locally, cached or fetched.

The manifest (`published_models.json`, packaged with `deepmotif.zoo`) lists each model's name,
version, architecture, dataset, metrics and artifacts with file name, size and sha256: the
SavedModel as a `.tar.gz` (TF Serving, and the Keras model inside it) and, for versions published
before weights were stored once, the `.keras` file.

Resolution of a name, first hit wins:

1. local export base paths: `$DEEPMOTIF_EXPORTED_MODELS` (os.pathsep-separated), else
   `./exported_models` and the published models that ship with the package (`PUBLISHED_MODELS_DIR`);
2. the cache (`$DEEPMOTIF_CACHE`, else `~/.cache/deepmotif`), verified file by file;
3. the registry (`--registry` / `$DEEPMOTIF_REGISTRY`, else the manifest's `release_url`): a
   directory, a `file://` URL or an `http(s)://` base. Artifacts are checked against the manifest's
   size and sha256 before they enter the cache; a local registry may carry its own manifest.

Model names are flat (`GATA1_K562_GATA-1_USC.cnn_rnn`) because TF Serving puts them in
URLs (`/v1/models/<name>:predict`) and the registry puts them in paths; so are artifact file names.
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
import urllib.parse
import urllib.request
import warnings
import zlib
from pathlib import Path, PurePosixPath

from deepmotif.core import atomic
from deepmotif.core.errors import DeepMotifError, UnknownNameError
from deepmotif.core.user_cache import cache_dir  # noqa: F401  (public here too)
from deepmotif.zoo.model_names import ModelNameError, check_name  # noqa: F401  (public here too)
from deepmotif.zoo.version_dirs import versions

MANIFEST_FILE = "published_models.json"
# The published models beside the package: the top-level `exported_models/` of a source checkout
# (also TF Serving's base path), and `deepmotif/exported_models/` in an installed wheel (package data).
PUBLISHED_MODELS_DIR = Path(__file__).resolve().parent.parent / "exported_models"
_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")  # artifact file names; fullmatch only
_SHA256 = re.compile(r"[0-9a-f]{64}")


class DownloadError(DeepMotifError, OSError):
    """A download failed or arrived truncated; nothing was left in the cache."""


class ChecksumError(DeepMotifError, ValueError):
    """A downloaded artifact's sha256 differs from the manifest; it was discarded."""


class CacheError(DeepMotifError, OSError):
    """The cache directory cannot be created or written."""


class OfflineError(DeepMotifError, FileNotFoundError):
    """`--offline` and the model is neither in `exported_models/` nor in the cache."""


class ManifestError(DeepMotifError, ValueError):
    """A manifest entry that cannot be trusted as written (a file name with a path in it, a bad sha256)."""


class ArchiveError(DeepMotifError, ValueError):
    """A SavedModel archive with a member that would land outside its folder, a link, or no SavedModel."""


class CorruptCacheError(DeepMotifError, OSError):
    """A cached SavedModel changed since it was extracted and `--offline` forbids fetching it again."""


class CacheRepairWarning(UserWarning):
    """A cached SavedModel changed since it was extracted; it is being fetched again."""


# ---------------------------------------------------------------- names and places


def local_dirs() -> list[Path]:
    """Export base paths searched first: `$DEEPMOTIF_EXPORTED_MODELS` (os.pathsep-separated),
    else `./exported_models` and `PUBLISHED_MODELS_DIR`; only those that exist, each once."""
    env = os.environ.get("DEEPMOTIF_EXPORTED_MODELS")
    dirs = [Path(p) for p in env.split(os.pathsep) if p] if env else [Path("exported_models"), PUBLISHED_MODELS_DIR]
    unique = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def _local_registry(base: str) -> Path | None:
    """The folder a registry base names, or None for an http(s) base."""
    parsed = urllib.parse.urlparse(base)
    if parsed.scheme in ("http", "https"):
        return None
    if parsed.scheme == "file":
        return Path(urllib.request.url2pathname(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:  # one letter is a Windows drive
        raise ManifestError(f"registry {base!r}: use a directory, a file:// URL or an http(s):// URL")
    return Path(base).expanduser()


def registry_base(manifest: dict, registry: str | None = None) -> str:
    """Where artifacts come from: `registry`, else `$DEEPMOTIF_REGISTRY`, else the manifest's `release_url`."""
    return str(registry or os.environ.get("DEEPMOTIF_REGISTRY") or manifest.get("release_url", "")).rstrip("/")


# ---------------------------------------------------------------- manifest


def read_manifest(path=None, registry: str | None = None) -> dict:
    """The manifest: `path`, else `$DEEPMOTIF_MANIFEST`, else the `published_models.json` of a local
    registry (`registry` or `$DEEPMOTIF_REGISTRY` naming a folder that holds one), else the packaged one."""
    path = path or os.environ.get("DEEPMOTIF_MANIFEST")
    base = registry or os.environ.get("DEEPMOTIF_REGISTRY")
    folder = _local_registry(base) if base and not path else None
    if folder is not None and folder.is_file():
        raise ManifestError(f"registry {base!r} is a file: a registry is the folder that holds the release assets "
                            f"(and optionally its own {MANIFEST_FILE}); to read another manifest, set "
                            "DEEPMOTIF_MANIFEST")
    if folder is not None and (folder / MANIFEST_FILE).is_file():
        path = folder / MANIFEST_FILE
    try:
        if path:
            text = Path(path).read_text(encoding="utf-8")
        else:
            resource = importlib.resources.files("deepmotif.zoo") / MANIFEST_FILE
            text = resource.read_text(encoding="utf-8") if resource.is_file() else '{"models": []}'
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"{path}: cannot read the manifest ({e})") from e
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as e:
        raise ManifestError(f"{path or MANIFEST_FILE}:{e.lineno}: manifest is not valid JSON ({e.msg})") from e
    _check_manifest(manifest, str(path or MANIFEST_FILE))
    manifest.setdefault("source", str(path or MANIFEST_FILE))
    return manifest


def _check_manifest(manifest, source: str) -> None:
    """The shape every reader of a manifest relies on: an object whose `models` is a list of objects,
    each with a flat model name and a positive integer version (artifacts: `_checked_artifacts`)."""
    if not isinstance(manifest, dict) or not isinstance(manifest.get("models", []), list):
        raise ManifestError(f"{source}: a manifest is a JSON object with a list 'models', got {type(manifest).__name__}")
    for i, entry in enumerate(manifest.get("models", [])):
        if not isinstance(entry, dict):
            raise ManifestError(f"{source}: models[{i}] is not an object: {entry!r:.80}")
        try:
            check_name(entry.get("name"))
        except ModelNameError as e:
            raise ManifestError(f"{source}: models[{i}]: {e}") from None
        version = entry.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ManifestError(f"{source}: models[{i}] ({entry['name']}): version {version!r} is not a positive integer")


def _entry(name: str, manifest: dict, version: int | None = None) -> dict | None:
    entries = [m for m in manifest.get("models", []) if m.get("name") == name]
    if version is not None:
        entries = [m for m in entries if int(m["version"]) == int(version)]
    return max(entries, key=lambda m: int(m["version"])) if entries else None


def _checked_artifacts(entry: dict, manifest: dict) -> tuple[int, dict]:
    """`(version, artifacts)` of a manifest entry, after checking every value used in a path or a check."""
    where = f"{manifest.get('source', MANIFEST_FILE)}: model {entry.get('name')!r}"
    try:
        version = int(entry["version"])
    except (KeyError, TypeError, ValueError):
        raise ManifestError(f"{where}: version {entry.get('version')!r} is not an integer") from None
    if version < 1:
        raise ManifestError(f"{where}: version {version} is not positive")
    artifacts = entry.get("artifacts") or {}
    if not isinstance(artifacts, dict) or not all(isinstance(a, dict) for a in artifacts.values()):
        raise ManifestError(f"{where} v{version}: artifacts must map a kind to {{file, sha256, size}}, got "
                            f"{artifacts!r:.80}")
    if "saved_model" not in artifacts and "keras" not in artifacts:
        raise ManifestError(f"{where} v{version}: no artifacts (saved_model or keras)")
    for kind, art in artifacts.items():
        file = art.get("file")
        if not isinstance(file, str) or not _FILE.fullmatch(file) or ".." in file:
            raise ManifestError(f"{where} v{version}: {kind} artifact file {file!r} is not a plain file name "
                                "(letters, digits, _ . + -; no path): it could be written outside the cache")
        if not isinstance(art.get("sha256"), str) or not _SHA256.fullmatch(art["sha256"]):
            raise ManifestError(f"{where} v{version}: {kind} artifact sha256 {art.get('sha256')!r} is not 64 hex digits")
        if art.get("size") is not None and (not isinstance(art["size"], int) or art["size"] < 0):
            raise ManifestError(f"{where} v{version}: {kind} artifact size {art['size']!r} is not a byte count")
    return version, artifacts


def _local_names() -> set[str]:
    return {p.name for d in local_dirs() for p in d.iterdir() if p.is_dir() and versions(p)}


def _unknown(name: str, manifest: dict) -> UnknownNameError:
    return UnknownNameError("model", name, {m["name"] for m in manifest.get("models", [])} | _local_names())


def _local_version_dir(name: str, version: int | None = None) -> Path | None:
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
    """`<cache>/serving/<name>/<version>/`: `<cache>/serving/<name>` is a TF Serving base path."""
    return cache_dir() / "serving" / name / str(version)


def _checksum_record(name: str, version: int) -> Path:
    return cache_dir() / "checksums" / name / f"{version}.json"


# ---------------------------------------------------------------- listing


def list_models(registry: str | None = None) -> list[dict]:
    """Every published model (manifest entries) plus local exports.

    Parameters
    ----------
    registry : str, optional
        Manifest to read; default `$DEEPMOTIF_MANIFEST`, else the packaged `published_models.json`.

    Returns
    -------
    list of dict
        Manifest entries, each with `location`: a local path, `cache`, or `remote`.
    """
    manifest = read_manifest(registry=registry)
    rows = []
    for entry in manifest.get("models", []):
        local = _local_version_dir(entry["name"], entry["version"])
        cached = (_cached_keras(entry["name"], entry["version"]).is_file()
                  or _cached_serving(entry["name"], entry["version"]).is_dir())
        rows.append({**entry, "location": str(local) if local else ("cache" if cached else "remote")})
    published = {m["name"] for m in manifest.get("models", [])}
    for name in sorted(_local_names() - published):
        path = _local_version_dir(name)
        rows.append({"name": name, "version": int(path.name), "location": str(path), "published": False})
    return rows


def info(name: str, registry: str | None = None) -> dict:
    """Manifest entry of `name` with its model card (when available locally or cached) and locations."""
    check_name(name)
    manifest = read_manifest(registry=registry)
    entry = _entry(name, manifest)
    local = _local_version_dir(name)
    if entry is None and local is None:
        raise _unknown(name, manifest)
    out = dict(entry or {"name": name, "version": int(local.name), "published": False})
    version = int(out["version"])
    out["local_path"] = str(local) if local else None
    out["cached_keras"] = str(_cached_keras(name, version)) if _cached_keras(name, version).is_file() else None
    if entry:
        _, artifacts = _checked_artifacts(entry, manifest)
        base = registry_base(manifest, registry)
        out["urls"] = {kind: f"{base}/{a['file']}" for kind, a in artifacts.items()}
    card_dir = local or (_cached_serving(name, version) if _cached_serving(name, version).is_dir() else None)
    if card_dir is not None and (card_dir / "assets.extra" / "model_card.json").is_file():
        out["card"] = json.loads((card_dir / "assets.extra" / "model_card.json").read_text())
    return out


# ---------------------------------------------------------------- fetching


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


def _verify(tmp: Path, source: str, sha256: str, size: int | None) -> None:
    got = tmp.stat().st_size
    if size is not None and got != int(size):
        raise DownloadError(f"truncated download from {source}: got {got} bytes, the manifest says {size}")
    digest = sha256_file(tmp)
    if digest != sha256:
        raise ChecksumError(
            f"sha256 mismatch for {source}: expected {sha256}, got {digest}. The file was discarded; "
            "the release asset or the manifest is wrong (or the download was tampered with)."
        )


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
        _verify(tmp, url, sha256, size)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return dest


def fetch(base: str, file: str, dest, sha256: str, size: int | None = None, progress: bool = False) -> Path:
    """Fetch artifact `file` from a registry `base` (folder, `file://` or `http(s)://`) to `dest`,
    verifying size and sha256; atomic, nothing left on failure."""
    folder = _local_registry(base)
    if folder is None:
        return download(f"{base}/{file}", dest, sha256, size, progress)
    dest = Path(dest)
    _writable(dest.parent)
    source = folder / file
    if not source.is_file():
        raise DownloadError(f"registry {base}: no file {file} (looked for {source})")
    tmpdir = Path(tempfile.mkdtemp(prefix=".download-", dir=dest.parent))
    try:
        tmp = tmpdir / dest.name
        shutil.copyfile(source, tmp)
        _verify(tmp, str(source), sha256, size)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return dest


# ---------------------------------------------------------------- extracted SavedModels


def tree_digests(root) -> dict[str, str]:
    """sha256 of every file under `root`, keyed by its POSIX path relative to `root`."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


def _tree_problem(serving: Path, record_path: Path, archive_sha256: str) -> str | None:
    """Why the extracted tree at `serving` cannot be trusted, or None if it matches its record."""
    try:
        record = json.loads(record_path.read_text())
    except (OSError, json.JSONDecodeError):
        return f"no checksum record at {record_path}"
    if record.get("archive_sha256") != archive_sha256:
        return "it was extracted from another archive than the manifest lists"
    want, have = record.get("files", {}), tree_digests(serving)
    for rel in sorted(set(want) | set(have)):
        if rel not in have:
            return f"{rel}: missing"
        if rel not in want:
            return f"{rel}: not in the archive"
        if want[rel] != have[rel]:
            return f"{rel}: sha256 {have[rel][:12]}... differs from the extracted {want[rel][:12]}..."
    return None


def _safe_member(archive_name: str):
    """A tarfile extraction filter: regular files and folders inside the destination, nothing else."""

    def check(member: tarfile.TarInfo, dest: str):
        parts = PurePosixPath(member.name).parts
        if member.name.startswith(("/", "\\")) or ".." in parts or not parts:
            why = "an absolute path or one with '..'"
        elif not (member.isfile() or member.isdir()):
            why = "a link or special file"
        else:
            return tarfile.data_filter(member, dest)
        raise ArchiveError(f"{archive_name}: refused member {member.name!r} ({why}); nothing was extracted")

    return check


def _extract(archive: Path, target: Path, archive_name: str) -> dict[str, str]:
    """Extract a SavedModel `.tar.gz` into `target` atomically (TF Serving never sees half);
    returns the extracted files' sha256."""
    with atomic.atomic_path(target) as tmp:
        tmp.mkdir()
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(tmp, filter=_safe_member(archive_name))
        except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
            if isinstance(e, ArchiveError):
                raise
            raise ArchiveError(f"{archive_name}: not a readable .tar.gz ({type(e).__name__}: {e}); "
                               "nothing was extracted") from e
        if not (tmp / "saved_model.pb").is_file():
            raise ArchiveError(f"{archive_name}: holds no saved_model.pb at its top level; nothing was extracted")
        digests = tree_digests(tmp)
    return digests


def _discard(path: Path) -> None:
    """Move a cache entry this module wrote out of the way (atomically), then delete it."""
    stale = Path(tempfile.mkdtemp(prefix=f".{path.name}.stale-", dir=path.parent))
    os.replace(path, stale / path.name)
    shutil.rmtree(stale, ignore_errors=True)


def _ensure_serving(name: str, version: int, art: dict, base: str, offline: bool, progress: bool) -> Path:
    """The verified extracted SavedModel of `name` v`version` in the cache, fetched if needed."""
    serving, record = _cached_serving(name, version), _checksum_record(name, version)
    if serving.is_dir():
        problem = _tree_problem(serving, record, art["sha256"])
        if problem is None:
            return serving
        message = f"cached SavedModel {serving} was modified since it was extracted ({problem})"
        if offline:
            raise CorruptCacheError(f"{message}; run `deepmotif models pull {name}` without --offline "
                                    "to fetch it again")
        warnings.warn(f"{message}; fetching it again", CacheRepairWarning, stacklevel=3)
        _discard(serving)
    elif offline:
        raise OfflineError(
            f"model {name!r} v{version} is not in exported_models/ or the cache ({cache_dir()}) and "
            f"--offline was given; run `deepmotif models pull {name}` while online"
        )
    _writable(serving.parent)
    archive_dir = Path(tempfile.mkdtemp(prefix=".archive-", dir=serving.parent))
    try:
        tarball = fetch(base, art["file"], archive_dir / art["file"], art["sha256"], art.get("size"), progress)
        digests = _extract(tarball, serving, art["file"])
    finally:
        shutil.rmtree(archive_dir, ignore_errors=True)
    _writable(record.parent)
    atomic.write_json(record, {"archive": art["file"], "archive_sha256": art["sha256"], "files": digests})
    return serving


def _ensure_keras(name: str, version: int, art: dict, base: str, offline: bool, progress: bool) -> Path:
    path = _cached_keras(name, version)
    if path.is_file() and sha256_file(path) == art["sha256"]:
        return path
    if path.is_file():
        path.unlink()  # a corrupted cache entry is replaced, never used
    if offline:
        raise OfflineError(
            f"model {name!r} v{version} is not in exported_models/ or the cache ({cache_dir()}) and "
            f"--offline was given; run `deepmotif models pull {name}` while online"
        )
    return fetch(base, art["file"], path, art["sha256"], art.get("size"), progress)


def pull(name: str, offline: bool = False, saved_model: bool = True, progress: bool = False,
         registry: str | None = None) -> dict:
    """Make `name` available locally.

    Parameters
    ----------
    name : str
        A flat model name, e.g. `GATA1_K562_GATA-1_USC.cnn`.
    offline : bool, default False
        Use only local exports and the cache; never fetch.
    saved_model : bool, default True
        Fetch the SavedModel. With False, a manifest entry that has a `.keras` artifact (versions
        published before weights were stored once) fetches only that file.
    progress : bool, default False
        Show a download progress bar.
    registry : str, optional
        Folder, `file://` or `http(s)://` base to fetch from (default `$DEEPMOTIF_REGISTRY`, else
        the manifest's `release_url`).

    Returns
    -------
    dict
        `{"saved_model": version directory or None, "keras": .keras file or None}`; a version
        exported with weights stored once has no `.keras` file (load it with `deepmotif.zoo.load`).
    """
    check_name(name)
    manifest = read_manifest(registry=registry)
    entry = _entry(name, manifest)
    local = _local_version_dir(name)
    if local is not None and (entry is None or int(local.name) >= int(entry["version"])):
        keras_file = local / "assets.extra" / "model.keras"
        return {"keras": keras_file if keras_file.is_file() else None, "saved_model": local}
    if entry is None:
        raise _unknown(name, manifest)
    version, artifacts = _checked_artifacts(entry, manifest)
    base = registry_base(manifest, registry)
    if "keras" in artifacts and (not saved_model or "saved_model" not in artifacts):
        keras_file = _ensure_keras(name, version, artifacts["keras"], base, offline, progress)
        serving = _cached_serving(name, version)
        intact = "saved_model" in artifacts and serving.is_dir() and _tree_problem(
            serving, _checksum_record(name, version), artifacts["saved_model"]["sha256"]) is None
        return {"keras": keras_file, "saved_model": serving if intact else None}
    serving = _ensure_serving(name, version, artifacts["saved_model"], base, offline, progress)
    legacy = serving / "assets.extra" / "model.keras"
    return {"keras": legacy if legacy.is_file() else None, "saved_model": serving}
