"""Fine-tuning: start from a pretrained model (registry name or run), train on a new TF.

A thin layer over `deepmotif.zoo.training.train`, so the run directory has the same layout
as any training run (`config.json` records `initial_weights_from` and `freeze`).
"""

from __future__ import annotations

from deepmotif.core.errors import DeepMotifError
from deepmotif.zoo import model_loading

DEFAULT_EPOCHS = 10


def finetune(from_, dataset: str, out, freeze: str = "conv", epochs: int = DEFAULT_EPOCHS, *,
             max_train_examples: int | None = None, max_validation_examples: int | None = None,
             learning_rate: float | None = None,
             batch_size: int | None = None, recipe: str = "default", seed: int = 0, manual_dir=None,
             data_dir=None, overwrite: bool = False, offline: bool = False, verbose: int = 1,
             command: str | None = None) -> dict:
    """Fine-tune a pretrained model on a new dataset; the run directory gets the layout of `train`.

    Parameters
    ----------
    from_ : str or pathlib.Path
        Registry name (e.g. `GATA1_K562_GATA-1_USC.cnn`), run directory, exported version directory
        (or folder of versions) or `.keras` file, resolved by `deepmotif.zoo.model_loading`.
    dataset : str
        The dataset to fine-tune on, e.g. `user_tfbs/<name>`.
    out : str or pathlib.Path
        Run directory to write.
    freeze : {"conv", "none"}, default "conv"
        "conv" keeps the convolution filters (the learned motif detectors) fixed; "none" trains everything.
    epochs : int, default 10
    max_train_examples : int, optional
        Caps the training set (the low-data regime fine-tuning is for).
    max_validation_examples : int, optional
        Caps the validation set the model is selected on (keep it no larger than the training set, as a
        user with few labelled sequences would have).
    learning_rate, batch_size : optional
        Default: the recipe's.
    recipe : str, default "default"
    seed : int, default 0
    manual_dir, data_dir : str or pathlib.Path, optional
        As in `train`.
    overwrite : bool, default False
        Replace a different run in `out`.
    offline : bool, default False
        Resolve `from_` without downloading.
    verbose : int, default 1
        Keras verbosity.
    command : str, optional
        The command line recorded in the run's config.

    Returns
    -------
    dict
        The run summary, as `train` returns it.
    """
    from deepmotif.zoo.training import FREEZE, train

    if freeze not in FREEZE:
        from deepmotif.core.errors import UnknownNameError

        raise UnknownNameError("freeze option", freeze, FREEZE)
    source = model_loading.locate(from_, offline=offline)
    hp = model_loading.architecture_hyperparameters(source)
    arch = hp.pop("arch")
    hp.pop("seq_len", None)  # the new dataset decides the length; conv and LSTM weights do not depend on it
    if not epochs or int(epochs) < 1:
        raise DeepMotifError(f"epochs must be >= 1, got {epochs}")
    return train(dataset, arch, out, epochs=int(epochs), batch_size=batch_size, recipe=recipe, seed=seed,
                 manual_dir=manual_dir, data_dir=data_dir, overwrite=overwrite,
                 max_train_examples=max_train_examples, max_validation_examples=max_validation_examples,
                 learning_rate=learning_rate, verbose=verbose,
                 initial_weights_from=str(source.path), freeze=freeze, command=command, **hp)
