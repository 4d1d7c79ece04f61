"""Load a trained model from whatever names it: the one loader behind `deepmotif.zoo.load`,
`load_run`, fine-tuning (`--from`) and interpretation (`--model`).

A reference is, in the order tried:

- a run directory (`deepmotif train --out RUN_DIR`): `RUN_DIR/model.keras`, config `RUN_DIR/config.json`;
- a `.keras` file (config: a `config.json` beside it, or the model card beside it in `assets.extra/`);
- an exported version directory (`<base>/<name>/<version>/`, holding `saved_model.pb`), or a model
  folder holding versions (the newest is used). The Keras model is rebuilt from
  `assets.extra/keras_model.json` and the SavedModel's `variables/` (`deepmotif.zoo.exported_keras`), or,
  for versions exported before that layout, read from `assets.extra/model.keras`; the config comes
  from the model card;
- a registry name (`GATA1_K562_GATA-1_USC.cnn`), resolved by `deepmotif.zoo.registry.pull`.

Keras files are always loaded with `safe_mode=True`: a Lambda layer's Python bytecode is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deepmotif.core.errors import DeepMotifError, MissingFilesError, UnknownNameError
from deepmotif.zoo import exported_keras, registry, runs
from deepmotif.zoo.model_names import ModelNameError, check_name
from deepmotif.zoo.version_dirs import versions

EXTRA = "assets.extra"
LEGACY_KERAS_FILE = "model.keras"  # versions exported before keras_model.json: a second copy of the weights


class ModelNotFoundError(MissingFilesError):
    """A reference that is no run directory, `.keras` file, exported version or registry name;
    lists every path tried."""

    def __init__(self, ref, problem: str, searched: list):
        super().__init__(f"no trained model at {ref}: {problem}", searched)


class ModelFileError(DeepMotifError, ValueError):
    """A file that should hold a model does not load (corrupt, not Keras, or unsafe to load)."""


@dataclass(frozen=True)
class ModelSource:
    """Where a reference resolved to.

    Attributes
    ----------
    kind : str
        `"run"` (a run directory), `"keras"` (a `.keras` file) or `"export"` (a version directory).
    path : pathlib.Path
        The run directory, `.keras` file or version directory.
    name : str or None
        The registry name, when the reference was one.
    """

    kind: str
    path: Path
    name: str | None = None


def _looks_like_path(ref: str) -> bool:
    return any(sep in ref for sep in "/\\") or ref.startswith(("~", ".")) or ref.endswith(".keras")


def _newest_version(folder: Path) -> Path | None:
    present = versions(folder)
    return folder / str(present[-1]) if present else None


def _from_path(path: Path) -> ModelSource:
    tried = [path / runs.MODEL, path / "saved_model.pb", path / "<version>" / "saved_model.pb"]
    if path.is_file():
        return ModelSource("keras", path)
    if not path.is_dir():
        looked = [path] if path.suffix == ".keras" else [path, *tried[:2]]
        raise ModelNotFoundError(path, "no such file or directory", looked)
    if (path / "saved_model.pb").is_file():
        return ModelSource("export", path)
    if (path / runs.MODEL).is_file():
        return ModelSource("run", path)
    newest = _newest_version(path)
    if newest is not None:
        return ModelSource("export", newest)
    problem = "a run directory without a model yet" if (path / runs.CONFIG).is_file() else \
        "not a run directory, an exported version or a folder of versions"
    raise ModelNotFoundError(path, problem, tried)


def locate(ref, offline: bool = False) -> ModelSource:
    """Resolve a model reference without loading it.

    Parameters
    ----------
    ref : str or pathlib.Path
        Run directory, `.keras` file, exported version directory, folder of versions, or registry name.
    offline : bool, default False
        For registry names: use only local exports and the cache, never download.

    Returns
    -------
    ModelSource

    Raises
    ------
    ModelNotFoundError
        `ref` is none of these (the message lists the paths tried and suggests close model names).
    """
    text = str(ref)
    if "\x00" in text:
        raise ModelNotFoundError(text, "a path or name cannot hold a NUL character", [])
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # `~user` for a user this machine does not have
        path = Path(text)
    try:
        if path.exists() or _looks_like_path(text) or isinstance(ref, Path):
            return _from_path(path)
    except ModelNotFoundError:
        raise
    except OSError as e:  # a name longer than the file system allows, a folder it may not read
        raise ModelNotFoundError(text, f"cannot be used as a path ({e.strerror or e})", [path]) from None
    try:
        check_name(text)
    except ModelNameError as e:
        raise ModelNotFoundError(text, f"no such file or directory, and {e}", [path]) from None
    try:
        pulled = registry.pull(text, offline=offline, saved_model=True)
    except UnknownNameError as e:
        tried = [path] + [d / text for d in registry.local_dirs()] + [registry.cache_dir() / "serving" / text]
        raise ModelNotFoundError(text, f"no such file or directory, and {e}", tried) from None
    return ModelSource("export", Path(pulled["saved_model"]), name=text)


def _load_keras_file(path: Path, compile: bool):
    import keras

    import deepmotif.zoo.architectures  # noqa: F401  registers ReverseComplement for deserialization

    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as e:  # zip, h5, JSON and deserialization errors all mean "not a model we load"
        why = f"{type(e).__name__}: {e}"
        if "safe_mode" in str(e) or "lambda" in str(e).lower():
            why = "it holds Python code (a Lambda layer), which is never loaded (safe_mode=True)"
        raise ModelFileError(f"{path}: not a loadable Keras model file ({why})") from e


def _load_export(version_dir: Path, compile: bool):
    extra = version_dir / EXTRA
    if (extra / exported_keras.KERAS_CONFIG_FILE).is_file():
        try:
            return exported_keras.read_keras_model(version_dir)
        except exported_keras.ExportedWeightsError as e:
            raise ModelFileError(str(e)) from e
    if (extra / LEGACY_KERAS_FILE).is_file():
        return _load_keras_file(extra / LEGACY_KERAS_FILE, compile)
    raise ModelNotFoundError(version_dir, "an exported version without a Keras model",
                             [extra / exported_keras.KERAS_CONFIG_FILE, extra / LEGACY_KERAS_FILE])


def load_model(ref, offline: bool = False, compile: bool = False):
    """A Keras model from a run directory, `.keras` file, exported version (or folder of versions)
    or registry name.

    Parameters
    ----------
    ref : str or pathlib.Path
        What to load (see the module docstring for the order tried).
    offline : bool, default False
        For registry names: never download.
    compile : bool, default False
        Restore the training configuration of a `.keras` file (exports carry none).

    Returns
    -------
    keras.Model
        One-hot `(batch, L, 4)` float32 -> probability `(batch, 1)`.

    Raises
    ------
    ModelNotFoundError
        Nothing loadable at `ref` (lists the paths tried).
    ModelFileError
        A file was found but does not load (corrupt, not Keras, a Lambda layer).
    """
    return _load(locate(ref, offline=offline), compile)


def _load(source: ModelSource, compile: bool):
    if source.kind == "export":
        return _load_export(source.path, compile)
    return _load_keras_file(source.path / runs.MODEL if source.kind == "run" else source.path, compile)


def read_card(source: ModelSource) -> dict:
    """The model card of an exported version (or of the `.keras` file inside one), else `{}`."""
    from deepmotif.zoo.model_card import CARD_FILE  # imports datasets: only when a card is read

    folder = source.path / EXTRA if source.kind == "export" else source.path.parent
    card = folder / CARD_FILE
    if source.kind == "run" or not card.is_file():
        return {}
    return runs.read_json(card)


def read_config(source: ModelSource) -> dict:
    """The run config of a source: `config.json` of its run, or for an export the part of a run
    config its model card records (`arch`, `dataset`, `model` hyperparameters); `{}` if neither.
    """
    folder = source.path if source.kind == "run" else source.path.parent
    if source.kind != "export" and (folder / runs.CONFIG).is_file():
        return runs.read_json(folder / runs.CONFIG)
    card = read_card(source)
    if not card:
        return {}
    hyperparameters = card.get("hyperparameters") or {}
    return {
        "arch": card.get("architecture") or hyperparameters.get("arch"),
        "dataset": (card.get("training") or {}).get("dataset"),
        "model": hyperparameters if hyperparameters.get("arch") else None,
        "exported_as": {"name": card.get("name"), "version": card.get("version")},
    }


def load_run(ref, compile: bool = False, offline: bool = False):
    """`(model, config)` for any reference `load_model` accepts; config as in `read_config`.

    Parameters
    ----------
    ref : str or pathlib.Path
        Run directory, `.keras` file, exported version directory, folder of versions, or registry name.
    compile : bool, default False
        Restore a `.keras` file's training configuration.
    offline : bool, default False
        For registry names: never download.

    Returns
    -------
    model : keras.Model
    config : dict
        The run's `config.json`, the card-derived config of an export, or `{}`.
    """
    source = locate(ref, offline=offline)
    return _load(source, compile), read_config(source)


def architecture_hyperparameters(source: ModelSource) -> dict:
    """How the source model was built (`arch`, `filters`, ...), for rebuilding it on new data.

    Raises
    ------
    MissingFilesError
        Neither a run config nor a model card records it.
    """
    hyperparameters = read_config(source).get("model")
    if isinstance(hyperparameters, dict) and hyperparameters.get("arch"):
        return dict(hyperparameters)
    from deepmotif.zoo.model_card import CARD_FILE

    folder = source.path if source.kind == "run" else source.path.parent
    card_dir = source.path / EXTRA if source.kind == "export" else folder
    raise MissingFilesError(f"cannot tell how {source.path} was built (architecture hyperparameters)",
                            [folder / runs.CONFIG, card_dir / CARD_FILE])
