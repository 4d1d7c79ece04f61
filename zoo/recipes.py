"""Named training recipes: optimizer, learning-rate schedule, batch size, epochs, model selection.

- `demo`: the Deep Motif Dashboard paper's exact recipe (Adam lr 0.01, gradient values clipped at
  ±5, lr halved every 10 epochs, batch 256, 50 epochs, model selected by *training* auROC).
  Measured on GATA1_K562 (docs/results.md §1, 12 epochs, seed 0) it did not collapse the CNN
  (test auROC 0.880) but trailed `default` by 0.07 (CNN) and 0.09 (CNN-RNN), with validation auROC
  at 0.50 for the first epoch; kept for fidelity.
- `default`: Adam with a one-epoch linear warm-up (from lr/10) then cosine decay to 0, gradient norm
  clipped at 1, batch 128, batch norm in the convolutions, both strands averaged, selection and early
  stopping (patience 6) on validation auROC, 30 epochs; the RNN trains up to 200 epochs with patience 31.
  The peak learning rates (cnn 1e-2, cnn_rnn 1e-2, rnn 3e-3), the RNN's epochs and patience, and the
  strand mode were chosen on **validation** auROC over the ENCODE experiments of ../shared/data/encode
  (all ten; five for the RNN), never on a test set (bench/recipe_selection.py,
  bench/reverse_complement_selection.py; docs/results.md §1a, §1b). An earlier version chose them on
  GATA1's test auROC (docs/results.md §1, kept as history).
"""

from __future__ import annotations

import copy
import math

from deepmotif.core.errors import DeepMotifError, UnknownNameError

RECIPES = {
    "default": {
        "optimizer": "adam",
        "learning_rate": 3e-3,
        # Chosen on validation auROC over the ten ENCODE experiments of ../shared/data/encode
        # (bench/recipe_selection.py, bench/results/recipe_selection.json; the test split was not read).
        "arch_learning_rate": {"cnn": 1e-2, "rnn": 3e-3, "cnn_rnn": 1e-2},
        # The RNN learns slowly from raw one-hot input: a lower peak rate over a long cosine schedule (3e-3,
        # 200 epochs) beat 3e-2 over 60 and 3e-3 over 60 on validation, and its patience is the longest wait
        # for a new best seen on the validation curves at that rate (both budgets) plus two (same script,
        # docs/results.md §1c).
        "arch_settings": {"rnn": {"epochs": 200, "early_stopping_patience": 31}},
        "clipnorm": 1.0,
        "clipvalue": None,
        "schedule": "warmup_cosine",
        "warmup_epochs": 1,
        "batch_size": 128,
        "epochs": 30,
        "monitor": "val_auroc",
        "early_stopping_patience": 6,
        "arch_overrides": {"cnn": {"batch_norm": True}, "cnn_rnn": {"batch_norm": True}},
        # Chosen on validation auROC (never test) over the ten experiments of ../shared/data/encode:
        # "average" beat "off" and "augment" on all ten (bench/reverse_complement_selection.py, docs/results.md).
        "reverse_complement": "average",
    },
    "demo": {
        "optimizer": "adam",
        "learning_rate": 0.01,
        "clipnorm": None,
        "clipvalue": 5.0,
        "schedule": "step",
        "step_every_epochs": 10,
        "step_factor": 0.5,
        "batch_size": 256,
        "epochs": 50,
        "monitor": "auroc",
        "early_stopping_patience": None,
        "arch_overrides": {},
        "reverse_complement": "off",  # the paper's models read one strand
    },
}
SCHEDULES = ("constant", "step", "warmup_cosine")
MONITORS = ("val_auroc", "auroc", "val_loss")


def get_recipe(name: str, arch: str | None = None, **overrides) -> dict:
    """The recipe `name` for `arch`, merged with `overrides` (keys of the recipe; `None` ignored).

    The recipe's `arch_learning_rate[arch]` is the peak learning rate unless `learning_rate` is given;
    its `arch_settings[arch]` (other settings for one architecture) apply unless given in `overrides`.
    """
    if name not in RECIPES:
        raise UnknownNameError("recipe", name, RECIPES)
    recipe = copy.deepcopy(RECIPES[name])
    unknown = set(overrides) - set(recipe) - {"step_every_epochs", "step_factor", "warmup_epochs"}
    if unknown:
        raise UnknownNameError(f"setting of recipe {name}", sorted(unknown)[0], recipe)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if "learning_rate" not in overrides and arch in recipe.get("arch_learning_rate", {}):
        overrides["learning_rate"] = recipe["arch_learning_rate"][arch]
    recipe.update(recipe.get("arch_settings", {}).get(arch, {}))  # e.g. the RNN's longer patience
    recipe.update(overrides)
    recipe["name"] = name
    if recipe["schedule"] not in SCHEDULES:
        raise UnknownNameError("learning-rate schedule", recipe["schedule"], SCHEDULES)
    if recipe["monitor"] not in MONITORS:
        raise UnknownNameError("monitor", recipe["monitor"], MONITORS)
    if int(recipe["epochs"]) < 1 or int(recipe["batch_size"]) < 1:
        raise DeepMotifError(f"epochs and batch_size must be >= 1, got {recipe['epochs']}, {recipe['batch_size']}")
    return recipe


def make_optimizer(recipe: dict, steps_per_epoch: int):
    """Adam with the recipe's clipping; `warmup_cosine` is a per-step schedule inside the optimizer
    (its step counter is saved by BackupAndRestore, so a resumed run continues the same curve)."""
    import keras  # here, not at the top: the recipe table is read by `--help` without a backend

    lr = float(recipe["learning_rate"])
    if recipe["schedule"] == "warmup_cosine":
        warmup = max(1, int(recipe.get("warmup_epochs", 1)) * steps_per_epoch)
        total = max(warmup + 1, int(recipe["epochs"]) * steps_per_epoch)
        lr = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=lr / 10,
            decay_steps=total - warmup,
            alpha=0.0,
            warmup_target=lr,
            warmup_steps=warmup,
        )
    clip = {k: float(recipe[k]) for k in ("clipnorm", "clipvalue") if recipe.get(k) is not None}
    if recipe["optimizer"] != "adam":
        raise UnknownNameError("optimizer", recipe["optimizer"], ("adam",))
    return keras.optimizers.Adam(learning_rate=lr, **clip)


def epoch_learning_rate(recipe: dict):
    """For the `step` schedule: `epoch -> lr` for `keras.callbacks.LearningRateScheduler`; else None."""
    if recipe["schedule"] != "step":
        return None
    base, every, factor = float(recipe["learning_rate"]), int(recipe["step_every_epochs"]), float(recipe["step_factor"])
    return lambda epoch, lr=None: base * factor ** math.floor(epoch / every)
