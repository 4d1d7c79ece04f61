"""Publish finished training runs: export each to `exported_models/`, pack its release asset
(`<name>-<version>.saved_model.tar.gz`, byte-reproducible; versions exported before weights were
stored once also have `<name>-<version>.keras`), and write its manifest entry (size, sha256) into
`zoo/published_models.json`.

    deepmotif models publish runs/compare --dist dist/models
"""

from __future__ import annotations

import gzip
import json
import shutil
import tarfile
from pathlib import Path

from deepmotif.core.errors import DeepMotifError
from deepmotif.core import atomic
from deepmotif.zoo.registry import MANIFEST_FILE, PUBLISHED_MODELS_DIR, sha256_file

DEFAULT_MANIFEST = Path(__file__).resolve().parent / MANIFEST_FILE
DEFAULT_RELEASE_URL = "https://github.com/deepmotif-zoo/deepmotif-zoo/releases/download/models-v1"


def model_name(config: dict) -> str:
    """Registry name of a run: `<experiment>.<arch>`, `synthetic_<config>.<arch>`, `<user name>.<arch>`."""
    family, _, sub = str(config["dataset"]).partition("/")
    stem = {"encode_tfbs": sub, "synthetic_tfbs": f"synthetic_{sub}", "user_tfbs": f"user_{sub}"}.get(family, family + "_" + sub)
    return f"{stem}.{config['arch']}"


def finished_runs(paths) -> list[Path]:
    """Run directories (with `config.json`, `model.keras` and `metrics.json`) at or under `paths`, sorted."""
    found = set()
    for p in map(Path, paths):
        for config in ([p / "config.json"] if (p / "config.json").is_file() else p.rglob("config.json")):
            run = config.parent
            if (run / "model.keras").is_file() and (run / "metrics.json").is_file():
                found.add(run)
    return sorted(found)


def pack_saved_model(version_dir, archive) -> Path:
    """A byte-reproducible `.tar.gz` of an exported version directory (paths relative to it): the same
    files give the same bytes wherever the archive is written (no name or time in the gzip header) and
    whether or not the folder came from a git checkout (empty directories, such as the SavedModel's empty
    `assets/`, which git does not keep, are left out)."""
    version_dir, archive = Path(version_dir), Path(archive)
    files = sorted(p for p in version_dir.rglob("*") if p.is_file())
    folders = {parent for p in files for parent in p.relative_to(version_dir).parents if parent != Path(".")}
    with atomic.atomic_path(archive) as tmp:
        with open(tmp, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for path in sorted([*files, *(version_dir / f for f in folders)]):
                    info = tar.gettarinfo(str(path), arcname=path.relative_to(version_dir).as_posix())
                    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                    info.mode = 0o755 if path.is_dir() else 0o644
                    if path.is_file():
                        with open(path, "rb") as f:
                            tar.addfile(info, f)
                    else:
                        tar.addfile(info)
    return archive


def _relative(path: Path) -> str:
    """`exported_models/...` for the published models (the same in a checkout and a wheel), else the path."""
    try:
        return path.resolve().relative_to(PUBLISHED_MODELS_DIR.parent).as_posix()
    except ValueError:
        return str(path)


def manifest_entry(version_dir, dist_dir) -> dict:
    """The manifest entry of one exported version; writes its release assets into `dist_dir`."""
    from deepmotif.zoo.model_card import portable_command, read_card

    version_dir, dist_dir = Path(version_dir), Path(dist_dir)
    card = read_card(version_dir)
    name, version = card["name"], int(card["version"])
    dist_dir.mkdir(parents=True, exist_ok=True)
    tarball = pack_saved_model(version_dir, dist_dir / f"{name}-{version}.saved_model.tar.gz")
    artifacts = {"saved_model": {"file": tarball.name, "path": _relative(version_dir), "size": tarball.stat().st_size,
                                 "sha256": sha256_file(tarball)}}
    keras_file = version_dir / "assets.extra" / "model.keras"  # only in versions exported before keras_model.json
    if keras_file.is_file():
        keras_asset = dist_dir / f"{name}-{version}.keras"
        shutil.copyfile(keras_file, keras_asset)
        artifacts["keras"] = {"file": keras_asset.name, "path": _relative(keras_file),
                              "size": keras_file.stat().st_size, "sha256": sha256_file(keras_file)}
    command = card.get("training", {}).get("command")
    metrics = card.get("metrics") or {}
    test = metrics.get("test", {})
    return {
        "name": name,
        "version": version,
        "arch": card.get("architecture"),
        "dataset": card.get("training", {}).get("dataset"),
        "seq_len": card.get("seq_len"),
        "parameters": card.get("parameters"),
        "metrics": {
            "test_auroc": test.get("auroc"),
            **({"test_auroc_ci": test["auroc_ci"]} if test.get("auroc_ci") else {}),
            "test_auprc": test.get("auprc"),
            **({"test_auprc_ci": test["auprc_ci"]} if test.get("auprc_ci") else {}),
            "test_n": test.get("n"),
            "deepbind_star_auroc": metrics.get("deepbind_star_auroc", test.get("deepbind_star_auroc")),
            "deepbind_auroc": metrics.get("deepbind_auroc", test.get("deepbind_auroc")),
            **({"seeds_test_auroc_mean": card["seeds"]["test_auroc_mean"], "seeds_test_auroc_sd": card["seeds"]["test_auroc_sd"],
                "seeds_test_auroc_mean_ci": card["seeds"].get("test_auroc_mean_ci"),
                "seeds": card["seeds"]["seeds"], "published_seed": card["seeds"]["published_seed"]}
               if card.get("seeds") else {}),
        },
        "command": portable_command(command) if command else None,
        "path": _relative(version_dir),
        "artifacts": artifacts,
    }


def seeds_card(runs_of_one_model: list[Path]) -> tuple[Path, dict | None]:
    """The run to publish among several seeds of one model, and the card's `seeds` section.

    One run: itself, no section. Several (a `compare --seeds` cell): the seed whose validation auROC is
    the median (`deepmotif.zoo.comparison.seeds_summary`), and every seed's test and validation auROC,
    their mean ± sd and the paired-bootstrap 95% interval of the mean.
    """
    from deepmotif.zoo.comparison import seeds_summary
    from deepmotif.zoo.runs import read_config

    if len(runs_of_one_model) == 1:
        return runs_of_one_model[0], None
    summary = seeds_summary(runs_of_one_model)
    metrics = [json.loads((r / "metrics.json").read_text()) for r in runs_of_one_model]
    return summary["published"], {
        "seeds": [read_config(r).get("seed") for r in runs_of_one_model],
        "test_auroc": [m["test"]["auroc"] for m in metrics],
        "validation_auroc": [m["validation"]["auroc"] for m in metrics],
        "test_auroc_mean": summary["auroc"], "test_auroc_sd": summary["sd"],
        "test_auroc_mean_ci": summary["interval"],
        "published_seed": read_config(summary["published"]).get("seed"),
        "published_because": "its validation auROC is the median of the seeds' (the test set played no part)",
    }


def publish(run_paths, base_dir=PUBLISHED_MODELS_DIR, manifest_path=DEFAULT_MANIFEST,
            dist_dir="dist/models", release_url: str | None = None, verbose: bool = True) -> list[dict]:
    """Export every finished run under `run_paths` (skipping runs already exported from the same
    `model.keras`), pack release assets into `dist_dir`, and rewrite the manifest. Returns its entries.

    Several runs of one model (the seeds of a `deepmotif compare --seeds` cell) publish one version:
    the seed with the median validation auROC, its card holding every seed's numbers (`seeds_card`).
    """
    from deepmotif.zoo.saved_models import current_export, export
    from deepmotif.zoo.runs import read_config

    manifest_path = Path(manifest_path)
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    entries = {m["name"]: m for m in manifest.get("models", [])}
    runs = finished_runs(run_paths)
    if not runs:
        raise DeepMotifError(f"no finished run directories (config.json + model.keras + metrics.json) under {list(map(str, run_paths))}")
    by_name: dict[str, list[Path]] = {}
    for run in runs:
        by_name.setdefault(model_name(read_config(run)), []).append(run)
    for name, group in by_name.items():
        run, seeds = seeds_card(group)
        current = current_export(base_dir, name, run)
        same = current is not None
        if not same:
            current = export(run, name, base_dir=base_dir, card_extra={"seeds": seeds} if seeds else None)
        entries[name] = manifest_entry(current, dist_dir)
        if verbose:
            e = entries[name]
            auroc = e["metrics"]["test_auroc"]
            print(f"{name} v{e['version']}: test auROC {auroc if auroc is None else round(auroc, 4)}, "
                  f"{e['artifacts']['saved_model']['size'] / 1e6:.2f} MB SavedModel archive "
                  f"({'kept' if same else 'exported'})", flush=True)
    manifest = {
        "format": 1,
        "release_url": release_url or manifest.get("release_url") or DEFAULT_RELEASE_URL,
        "description": "Published DeepMotif Zoo models. Regenerate with `deepmotif models publish RUNS...`; "
                       "upload dist/models/* to the release_url.",
        "models": [entries[n] for n in sorted(entries)],
    }
    atomic.write_json(manifest_path, manifest)
    return manifest["models"]

