"""Fine-tuning: start from a pretrained model (registry name or run), train on a new TF.

A thin layer over `deepmotif.zoo.training.train`, so the run directory has the same layout
as any training run (`config.json` records `initial_weights_from` and `freeze`).
"""

from __future__ import annotations

import json
from pathlib import Path

from deepmotif.core.errors import DeepMotifError, MissingFilesError

DEFAULT_EPOCHS = 10


def resolve_source(from_, offline: bool = False) -> Path:
    """A registry name, run directory, exported version directory or `.keras` file -> the `.keras` path."""
    from deepmotif.zoo import registry

    path = Path(str(from_))
    if path.exists():
        if path.is_dir() and (path / "saved_model.pb").is_file():
            return path / "assets.extra" / "model.keras"
        return path / "model.keras" if path.is_dir() else path
    try:
        registry.check_name(str(from_))
    except registry.ModelNameError as e:
        raise registry.ModelNameError(f"--from {from_}: no such file or directory, and {e}") from None
    return Path(registry.pull(str(from_), offline=offline, saved_model=False)["keras"])


def source_hyperparameters(keras_path) -> dict:
    """The architecture config the source was built with: from the run's `config.json` beside
    the `.keras` file, or from the model card beside it in an exported `assets.extra/`."""
    folder = Path(keras_path).parent
    config, card = folder / "config.json", folder / "model_card.json"
    if config.is_file() and isinstance(json.loads(config.read_text()).get("model"), dict):
        return json.loads(config.read_text())["model"]
    if card.is_file():
        hp = json.loads(card.read_text()).get("hyperparameters") or {}
        if hp.get("arch"):
            return hp
    raise MissingFilesError(f"cannot tell how {keras_path} was built (architecture hyperparameters)", [config, card])


def finetune(from_, dataset: str, out, freeze: str = "conv", epochs: int = DEFAULT_EPOCHS, *,
             max_train_examples: int | None = None, learning_rate: float | None = None,
             batch_size: int | None = None, recipe: str = "default", seed: int = 0, manual_dir=None,
             data_dir=None, overwrite: bool = False, offline: bool = False, verbose: int = 1,
             command: str | None = None) -> dict:
    """Fine-tune `from_` on `dataset` into run directory `out`; returns the run summary.

    `from_`: registry name (e.g. `GATA1_K562_GATA-1_USC.cnn`), run directory, exported version
    directory or `.keras` file. `freeze="conv"` keeps the convolution filters fixed (the learned
    motif detectors) and trains the rest; `"none"` trains everything.
    `max_train_examples` caps the training set (the low-data regime fine-tuning is for).
    """
    from deepmotif.zoo.training import FREEZE, train

    if freeze not in FREEZE:
        from deepmotif.core.errors import UnknownNameError

        raise UnknownNameError("freeze option", freeze, FREEZE)
    keras_path = resolve_source(from_, offline=offline)
    if not keras_path.is_file():
        raise MissingFilesError(f"no model to fine-tune from at {from_}", [keras_path])
    hp = dict(source_hyperparameters(keras_path))
    arch = hp.pop("arch")
    hp.pop("seq_len", None)  # the new dataset decides the length; conv and LSTM weights do not depend on it
    if not epochs or int(epochs) < 1:
        raise DeepMotifError(f"epochs must be >= 1, got {epochs}")
    return train(dataset, arch, out, epochs=int(epochs), batch_size=batch_size, recipe=recipe, seed=seed,
                 manual_dir=manual_dir, data_dir=data_dir, overwrite=overwrite,
                 max_train_examples=max_train_examples, learning_rate=learning_rate, verbose=verbose,
                 initial_weights_from=str(keras_path), freeze=freeze, command=command, **hp)
