"""PyTorch twins of the three DeepMotif architectures and of the `default` recipe's training step.

They mirror `deepmotif.zoo.architectures.build(**architecture_config(...))` layer for layer (same
filters, kernels, padding, pooling, bias-free convolutions before batch norm with Keras' momentum
0.99 and epsilon 1e-3, bi-LSTM averaged over time per direction, dropout 0.5, one logit, both
strands averaged when `reverse_complement`), and `zoo.recipes.make_optimizer`: Adam (epsilon 1e-7
as Keras), each gradient clipped to norm `clipnorm` on its own (Keras' `clipnorm`), the recipe's
per-step learning rate. The loss is binary cross-entropy on the logit. Keras' training also
updates two AUC metrics per batch; the reference does not. Input is `(batch, L, 4)` float32,
channels last as in Keras (transposed inside the model).
"""

from __future__ import annotations

import math

import torch
from torch import nn


class ConvBlock(nn.Module):
    """Conv1d (+ BatchNorm1d) + ReLU, as `architectures._conv_block`."""

    def __init__(self, c_in: int, c_out: int, kernel: int, padding: str, batch_norm: bool):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel, padding=padding, bias=not batch_norm)
        self.bn = nn.BatchNorm1d(c_out, eps=1e-3, momentum=0.01) if batch_norm else nn.Identity()

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class StrandNet(nn.Module):
    """One strand's network: `(batch, L, 4)` -> logit `(batch, 1)`."""

    def __init__(self, cfg: dict):
        super().__init__()
        self.arch = cfg["arch"]
        c_in, blocks = 4, []
        if self.arch in ("cnn", "cnn_rnn"):
            padding = "valid" if self.arch == "cnn" else "same"
            for f, k in zip(cfg["filters"], cfg["kernel_sizes"]):
                blocks.append(ConvBlock(c_in, f, k, padding, cfg["batch_norm"]))
                c_in = f
        self.blocks = nn.ModuleList(blocks)
        self.pool = nn.MaxPool1d(cfg.get("pool_size", 2))
        if self.arch in ("rnn", "cnn_rnn"):
            self.lstm = nn.LSTM(c_in, cfg["lstm_units"], batch_first=True, bidirectional=True)
            c_in = 2 * cfg["lstm_units"]
        self.dropout = nn.Dropout(cfg["dropout"])
        self.logit = nn.Linear(c_in, 1)

    def forward(self, x):
        h = x.transpose(1, 2)  # (b, 4, L): channels first for Conv1d
        for i, block in enumerate(self.blocks):
            h = block(h)
            if self.arch == "cnn" and i < len(self.blocks) - 1:
                h = self.pool(h)
        if self.arch == "cnn":
            h = h.amax(dim=2)  # GlobalMaxPooling1D
        else:
            seq, _ = self.lstm(h.transpose(1, 2) if self.blocks else x)
            h = seq.mean(dim=1)  # forward and backward means, concatenated (b, 2 * units)
        return self.logit(self.dropout(h))


class TorchMotifModel(nn.Module):
    """`(batch, L, 4)` -> logit `(batch,)`; averages both strands' logits when `reverse_complement`."""

    def __init__(self, cfg: dict):
        super().__init__()
        self.strand = StrandNet(cfg)
        self.reverse_complement = bool(cfg.get("reverse_complement"))

    def forward(self, x):
        logit = self.strand(x)
        if self.reverse_complement:
            logit = (logit + self.strand(torch.flip(x, dims=(1, 2)))) / 2
        return logit[:, 0]


def warmup_cosine(recipe: dict, steps_per_epoch: int):
    """`step -> learning rate` of the recipe (Keras' CosineDecay with linear warm-up from lr/10)."""
    lr = float(recipe["learning_rate"])
    if recipe["schedule"] != "warmup_cosine":
        return lambda step: lr
    warmup = max(1, int(recipe.get("warmup_epochs", 1)) * steps_per_epoch)
    total = max(warmup + 1, int(recipe["epochs"]) * steps_per_epoch)

    def rate(step: int) -> float:
        if step < warmup:
            return lr / 10 + (lr - lr / 10) * step / warmup
        done = min(step - warmup, total - warmup) / (total - warmup)
        return lr * 0.5 * (1 + math.cos(math.pi * done))

    return rate


def make_trainer(model: TorchMotifModel, recipe: dict, steps_per_epoch: int):
    """A `train_step(x, y) -> loss` closure: BCE on the logit, per-tensor norm clipping, Adam."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=float(recipe["learning_rate"]), eps=1e-7, foreach=True)
    loss_fn = nn.BCEWithLogitsLoss()
    schedule = warmup_cosine(recipe, steps_per_epoch)
    clipnorm = recipe.get("clipnorm")
    clipvalue = recipe.get("clipvalue")
    state = {"step": 0}

    def train_step(x, y, scaler=None):
        """One step; `scaler` (a `torch.amp.GradScaler`) for float16 autocast, as Keras scales the loss."""
        model.train()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x).float(), y)
        (scaler.scale(loss) if scaler is not None else loss).backward()
        if scaler is not None:
            scaler.unscale_(optimizer)
        grads = [p.grad for p in params]
        if clipnorm is not None:  # Keras clips each gradient to its own norm
            norms = torch._foreach_norm(grads)
            torch._foreach_mul_(grads, [torch.clamp(float(clipnorm) / torch.clamp(n, min=1e-12), max=1.0)
                                        for n in norms])
        if clipvalue is not None:
            torch._foreach_clamp_min_(grads, -float(clipvalue))
            torch._foreach_clamp_max_(grads, float(clipvalue))
        for group in optimizer.param_groups:
            group["lr"] = schedule(state["step"])
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        state["step"] += 1
        return loss

    return train_step
