"""The Deep Motif Dashboard: one static page per TF comparing the three architectures.

`build_dashboard(dataset, run_dirs, out)` writes `out/index.html`, `out/img/*.png` and
`out/dashboard.json` (the numbers behind the page): test metrics and ROC/PR curves, saliency
maps of a few test sequences stacked under their logo, forward/reverse temporal output scores
of the recurrent models, class-optimization logos and first-layer filter motifs with their
JASPAR matches, and the model cards of the exported SavedModels. No server, scripts or
network: the page opens from disk. `build_index(out, pages)` links several TF pages.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from pathlib import Path

import numpy as np

from deepmotif.core.errors import DeepMotifError, MissingFilesError, UnknownNameError
from deepmotif.core import atomic

RECURRENT = ("rnn", "cnn_rnn")
DEFAULT_STEPS = 300      # class-optimization steps (the paper: 1000); the page says which
DEFAULT_RESTARTS = 4
DEFAULT_FILTERS = 8      # first-layer filters shown per model
MOTIF_WINDOW = 15        # width of the class-optimization windows matched against JASPAR
SUMMARY_FILE = "dashboard.json"


class DashboardError(DeepMotifError, ValueError):
    """Runs or sequences that cannot make one TF page (another dataset, wrong length, no positives)."""


# ---------------------------------------------------------------- inputs


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def _load_model_run(run_dir: Path, dataset: str) -> dict:
    """Model, config, metrics and test predictions of one training run directory."""
    from deepmotif.zoo.runs import load_run

    run_dir = Path(run_dir)
    if not (run_dir / "model.keras").is_file():
        raise MissingFilesError(f"{run_dir} is not a training run (deepmotif train --out RUN_DIR)",
                                [run_dir / "model.keras"])
    model, config = load_run(run_dir)
    trained_on = config.get("dataset")
    if trained_on and trained_on != dataset:
        raise DashboardError(f"{run_dir} was trained on {trained_on!r}, not {dataset!r}: "
                             "one dashboard page compares models of one dataset")
    metrics = _read_json(run_dir / "metrics.json")
    predictions = run_dir / "predictions_test.npz"
    arrays = dict(np.load(predictions, allow_pickle=False)) if predictions.is_file() else None
    arch = config.get("arch") or model.name
    return {"run_dir": run_dir, "model": model, "config": config, "arch": arch, "metrics": metrics,
            "predictions": arrays}


def _labels(runs: list[dict]) -> list[str]:
    """Architecture names, made unique (`cnn`, `cnn#2`) when two runs share one."""
    seen: dict[str, int] = {}
    labels = []
    for run in runs:
        seen[run["arch"]] = seen.get(run["arch"], 0) + 1
        labels.append(run["arch"] if seen[run["arch"]] == 1 else f"{run['arch']}#{seen[run['arch']]}")
    return labels


def _card_and_path(run: dict, exported) -> tuple[dict | None, str | None]:
    """The model card of the run's exported SavedModel (`exported`: a version directory or None)."""
    if not exported:
        return None, None
    exported = Path(exported)
    card_path = exported / "assets.extra" / "model_card.json"
    if not (exported / "saved_model.pb").is_file():
        raise MissingFilesError(f"{exported} is not an exported SavedModel version directory",
                                [exported / "saved_model.pb"])
    return _read_json(card_path) or None, str(exported.resolve())


def _test_predictions(run: dict, arrays: dict) -> tuple[np.ndarray, np.ndarray]:
    """`(y_true, y_score)` on the test split: the run's saved predictions, else predicted now."""
    saved = run["predictions"]
    if saved is not None and "y_true" in saved and "y_score" in saved:
        return np.asarray(saved["y_true"]).ravel(), np.asarray(saved["y_score"]).ravel()
    return np.asarray(arrays["label"]).ravel(), _predict(run["model"], _one_hot(arrays["tokens"]))


def _one_hot(tokens) -> np.ndarray:
    from deepmotif.core.sequences import one_hot

    return one_hot(np.asarray(tokens)).astype(np.float32)


def _predict(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=256, verbose=0), dtype=np.float64).reshape(-1)


def _planted(arrays: dict, index: int) -> list[dict]:
    """Ground-truth motifs of example `index` as dicts (`motif_name`, `strand`, `start`, `end`)."""
    motifs = arrays.get("motifs")
    if motifs is None:
        return []
    if isinstance(motifs, dict):  # columns of ragged per-example arrays
        keys = [k for k in ("motif_id", "motif_name", "strand", "start", "end") if k in motifs]
        columns = {k: motifs[k][index] for k in keys}
        return [{k: _plain(columns[k][j]) for k in keys} for j in range(len(columns["start"]))]
    return [{k: _plain(v) for k, v in dict(m).items()} for m in motifs[index]]


def _plain(value):
    if isinstance(value, bytes):
        return value.decode()
    return value.item() if hasattr(value, "item") else value


def select_sequences(arrays: dict, scores: np.ndarray, sequences=None, n_sequences: int = 4) -> list[dict]:
    """The test sequences the page explains: `sequences` (test ids or DNA strings of the model's
    length), else the `n_sequences` positives with the highest mean score `scores (n,)`."""
    from deepmotif.core.sequences import first_invalid_character, tokenize

    ids = [str(_plain(i)) for i in arrays["id"]]
    tokens = np.asarray(arrays["tokens"])
    length = tokens.shape[1]
    chosen = []
    if sequences:
        where = {name: i for i, name in enumerate(ids)}
        for k, item in enumerate(sequences):
            if item in where:
                i = where[item]
                chosen.append({"id": item, "index": i, "tokens": tokens[i], "label": int(arrays["label"][i])})
                continue
            if item and first_invalid_character(item) is None:  # DNA, not an id
                if len(item) != length:
                    raise DashboardError(f"sequence {k + 1} has {len(item)} bases; the models take {length}")
                chosen.append({"id": f"sequence {k + 1}", "index": None, "tokens": tokenize(item), "label": None})
                continue
            raise UnknownNameError("test sequence id", item, ids)
        return chosen
    positives = np.flatnonzero(np.asarray(arrays["label"]).ravel() == 1)
    if positives.size == 0:
        raise DashboardError("the test split holds no positive (bound) sequence to explain; pass --sequences")
    top = positives[np.argsort(-scores[positives], kind="stable")[:n_sequences]]
    return [{"id": ids[i], "index": int(i), "tokens": tokens[i], "label": int(arrays["label"][i])} for i in top]


# ---------------------------------------------------------------- interpretation


def _saliency_per_position(model, x: np.ndarray) -> np.ndarray:
    """The paper's saliency `|d logit / d x| * x`, summed over channels: `(n, L)`."""
    from deepmotif.interpret import saliency

    values = np.abs(np.asarray(saliency(model, x), dtype=np.float64))
    return values.sum(axis=-1) if values.ndim == 3 else values


def _temporal(model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward and reverse temporal output scores `(n, L)` each."""
    from deepmotif.interpret import temporal_scores

    result = temporal_scores(model, x)
    if isinstance(result, dict):
        return np.asarray(result["forward"]), np.asarray(result["reverse"])
    forward, reverse = result
    return np.asarray(forward), np.asarray(reverse)


def information_windows(pwm: np.ndarray, width: int = MOTIF_WINDOW, count: int = 2) -> list[tuple[int, int]]:
    """Up to `count` non-overlapping windows of `width` columns of `pwm (L, 4)` with the most
    information content (bits), best first; the second only if it holds half the first's."""
    p = pwm / np.clip(pwm.sum(axis=1, keepdims=True), 1e-9, None)
    bits = 2.0 + (p * np.log2(np.clip(p, 1e-9, 1.0))).sum(axis=1)
    width = min(width, len(bits))
    sums = np.convolve(bits, np.ones(width), mode="valid")
    windows: list[tuple[int, int]] = []
    for start in np.argsort(-sums, kind="stable"):
        start = int(start)
        if all(start + width <= s or start >= e for s, e in windows):
            if windows and sums[start] < 0.5 * sums[windows[0][0]]:
                break
            windows.append((start, start + width))
            if len(windows) == count:
                break
    return windows


def _matches(pwms: list[np.ndarray], top: int) -> list[list[dict]]:
    """Best JASPAR matches (`name`, `id`, `p_value`, `q_value`) of each PWM `(w, 4)`."""
    from deepmotif.interpret import match_jaspar

    results = match_jaspar(pwms, top=top)
    return [[_match_dict(m) for m in row] for row in results]


def _match_dict(match) -> dict:
    if isinstance(match, dict):
        get = match.get
    else:
        def get(key, default=None):
            return getattr(match, key, default)
    return {"name": str(get("name", get("motif_name", ""))), "id": str(get("id", get("matrix_id", ""))),
            "p_value": _float(get("p_value", get("pvalue"))), "q_value": _float(get("q_value", get("qvalue")))}


def _float(value):
    return None if value is None else float(value)


def _optimize(model, steps: int, restarts: int, seed: int) -> tuple[np.ndarray, float]:
    """The best restart of class optimization: `(pwm (L, 4), probability)`."""
    from deepmotif.interpret import class_optimization

    pwms, scores = class_optimization(model, n_restarts=restarts, steps=steps, seed=seed)
    pwms, scores = np.asarray(pwms), np.asarray(scores).reshape(-1)
    best = int(np.argmax(scores))
    probability = float(np.asarray(_predict(model, pwms[best:best + 1]))[0])
    return pwms[best], probability


def _filters(model, x: np.ndarray, n_filters: int) -> list[dict]:
    """First-layer filter motifs (PWMs from their top-activating windows) with their JASPAR matches:
    the `n_filters` with the most significant best match (then the most informative) first."""
    from deepmotif.interpret import filter_motifs

    motifs = filter_motifs(model, x)
    items = []
    for k, m in enumerate(motifs):
        if isinstance(m, dict):
            pwm, index, n_sites = m["pwm"], m.get("filter", k), m.get("n_sites")
        else:
            pwm, index, n_sites = m, k, None
        pwm = np.asarray(pwm, dtype=np.float64)
        if not np.isfinite(pwm).all() or pwm.sum() == 0:
            continue
        p = pwm / pwm.sum(axis=1, keepdims=True)
        bits = float((2.0 + (p * np.log2(np.clip(p, 1e-9, 1.0))).sum(axis=1)).sum())
        if n_sites != 0:
            items.append({"filter": int(index), "pwm": p, "n_sites": n_sites, "bits": bits})
    for item, row in zip(items, _matches([item["pwm"] for item in items], top=3) if items else []):
        item["matches"] = row
    items.sort(key=lambda item: (item["matches"][0]["q_value"] if item["matches"] else 1.0, -item["bits"]))
    return items[:n_filters]


# ---------------------------------------------------------------- page


def page_slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "page"


def _title(dataset: str, metadata: dict) -> str:
    if metadata.get("tf"):
        return " ".join(str(metadata[k]) for k in ("tf", "cell_line", "lab") if metadata.get(k))
    return dataset.split("/")[-1]


def _performance_panel(runs, labels, exported, arrays, metadata, images: Path) -> tuple[list[dict], list[dict]]:
    """Each model's metrics, run and card, the ROC/PR figure, and DeepBind's published auROCs (ENCODE)."""
    from deepmotif.interpret import dashboard_figures as figures

    curves, models = [], []
    for run, label, export_dir in zip(runs, labels, exported):
        y_true, y_score = _test_predictions(run, arrays)
        curves.append((label, y_true, y_score))
        card, export_path = _card_and_path(run, export_dir)
        metrics = run["metrics"]
        models.append({"label": label, "arch": run["arch"], "run_dir": str(run["run_dir"].resolve()),
                       "test": metrics.get("test") or _auc(y_true, y_score), "validation": metrics.get("validation"),
                       "train_seconds": metrics.get("train_seconds"), "epochs": run["config"].get("epochs"),
                       "config": run["config"], "exported": export_path, "card": card})
    figures.metrics_figure(curves, images / "metrics.png")
    published = (("DeepBind", "deepbind_auroc"), ("DeepBind*", "deepbind_star_auroc"))
    reference = [{"label": label, "auroc": metadata[key]} for label, key in published if metadata.get(key) is not None]
    return models, reference


def _sequence_panels(runs, labels, arrays, x_test, sequences, n_sequences, images: Path, say) -> list[dict]:
    """Saliency (every model) and temporal scores (recurrent models) of the chosen test sequences;
    by default the positives with the best mean score over all models."""
    from deepmotif.interpret import dashboard_figures as figures

    positives = np.flatnonzero(np.asarray(arrays["label"]).ravel() == 1)
    mean_score = np.zeros(len(x_test))
    for run in runs:
        mean_score[positives] += _predict(run["model"], x_test[positives]) / len(runs)
    chosen = select_sequences(arrays, mean_score, sequences, n_sequences)
    x = _one_hot(np.stack([c["tokens"] for c in chosen]))
    probabilities = {label: _predict(run["model"], x) for run, label in zip(runs, labels)}
    saliency = {label: _saliency_per_position(run["model"], x) for run, label in zip(runs, labels)}
    say(f"saliency of {len(chosen)} sequences")
    temporal = {label: _temporal(run["model"], x) for run, label in zip(runs, labels) if run["arch"] in RECURRENT}
    if temporal:
        say(f"temporal output scores ({', '.join(temporal)})")
    panels = []
    for k, c in enumerate(chosen):
        motifs = _planted(arrays, c["index"]) if c["index"] is not None else []
        name = f"seq{k + 1}"
        figures.saliency_figure(x[k], [(label, saliency[label][k]) for label in labels],
                                images / f"saliency_{name}.png", motifs=motifs)
        temporal_image = None
        if temporal:
            figures.temporal_figure(x[k], [(label, f[k], r[k]) for label, (f, r) in temporal.items()],
                                    images / f"temporal_{name}.png", motifs=motifs)
            temporal_image = f"img/temporal_{name}.png"
        panels.append({"id": c["id"], "label": c["label"], "motifs": motifs,
                       "scores": {label: float(probabilities[label][k]) for label in labels},
                       "saliency_image": f"img/saliency_{name}.png", "temporal_image": temporal_image,
                       "saliency_peak": {label: int(np.argmax(saliency[label][k])) for label in labels}})
    return panels


def _optimization_panels(runs, labels, steps: int, restarts: int, seed: int, images: Path, say) -> list[dict]:
    """Each model's best class-optimization restart, matched against JASPAR in its most informative windows."""
    from deepmotif.interpret import dashboard_figures as figures

    panels = []
    for run, label in zip(runs, labels):
        pwm, probability = _optimize(run["model"], steps, restarts, seed)
        windows = information_windows(pwm)
        matches = [{**m, "window": [s, e]}
                   for (s, e), row in zip(windows, _matches([pwm[s:e] for s, e in windows], top=3)) for m in row]
        image = f"img/optimization_{page_slug(label)}.png"
        figures.optimization_figure(pwm, images.parent / image, window=windows[0],
                                    title=f"{label}: input optimized for P(bound)")
        panels.append({"label": label, "image": image, "probability": probability, "window": list(windows[0]),
                       "windows": [list(w) for w in windows], "matches": matches})
        say(f"class optimization of {label} ({steps} steps x {restarts} restarts)")
    return panels


def _filter_panels(runs, labels, x_test, n_filters: int, images: Path, say) -> list[dict]:
    """First-layer filter motifs of the convolutional models, with their JASPAR matches."""
    from deepmotif.interpret import dashboard_figures as figures

    panels = []
    for run, label in zip(runs, labels):
        if not any(layer.name == "conv1" for layer in run["model"].layers):
            continue
        items = _filters(run["model"], x_test, n_filters)
        captions = [(f"filter {item['filter']}: " + (item["matches"][0]["name"] if item["matches"] else "no match"),
                     item["pwm"]) for item in items]
        image = f"img/filters_{page_slug(label)}.png"
        figures.motif_grid_figure(captions, images.parent / image)
        panels.append({"label": label, "image": image,
                       "filters": [{k: v for k, v in item.items() if k != "pwm"} for item in items]})
        say(f"first-layer filter motifs of {label}")
    return panels


def build_dashboard(dataset: str, run_dirs, out, sequences=None, n_sequences: int = 4, exported=None,
                    optimization_steps: int = DEFAULT_STEPS, restarts: int = DEFAULT_RESTARTS,
                    n_filters: int = DEFAULT_FILTERS, seed: int = 0, manual_dir=None, data_dir=None,
                    index_href: str | None = None, log=None) -> Path:
    """Write one TF's dashboard to `out/` and return the path of `out/index.html`.

    `run_dirs`: training run directories of one dataset (typically cnn, rnn, cnn_rnn).
    `sequences`: test ids or DNA strings to explain, else the `n_sequences` best-scored positives.
    `exported`: one SavedModel version directory (or None) per run, for the model cards.
    """
    from deepmotif.datasets import dataset_metadata, load_arrays
    from deepmotif.interpret.dashboard_page import render_page

    started = time.time()
    run_dirs = [Path(p) for p in run_dirs]
    if not run_dirs:
        raise DashboardError("no model runs given (--models RUN_DIR ...)")
    exported = list(exported) if exported is not None else [None] * len(run_dirs)
    if len(exported) != len(run_dirs):
        raise DashboardError(f"{len(exported)} exported models for {len(run_dirs)} runs: give one per run")
    out = Path(out)
    images = out / "img"
    images.mkdir(parents=True, exist_ok=True)

    def say(message):
        if log is not None:
            log(f"[dashboard {time.time() - started:5.0f}s] {message}")

    runs = [_load_model_run(p, dataset) for p in run_dirs]
    labels = _labels(runs)
    metadata = dataset_metadata(dataset, data_dir=data_dir)
    arrays = load_arrays(dataset, "test", manual_dir=manual_dir, data_dir=data_dir)
    x_test = _one_hot(arrays["tokens"])
    length = x_test.shape[1]
    for run in runs:
        expected = run["model"].input_shape[1]
        if expected is not None and expected != length:
            raise DashboardError(f"{run['run_dir']} takes sequences of {expected} bases; {dataset} has {length}")
    say(f"{dataset}: {len(runs)} models, {len(x_test)} test sequences")

    models, reference = _performance_panel(runs, labels, exported, arrays, metadata, images)
    say("metrics and ROC/PR curves")
    page_sequences = _sequence_panels(runs, labels, arrays, x_test, sequences, n_sequences, images, say)
    optimization = _optimization_panels(runs, labels, optimization_steps, restarts, seed, images, say)
    filters = _filter_panels(runs, labels, x_test, n_filters, images, say)

    summary = {
        "title": _title(dataset, metadata), "dataset": dataset, "description": metadata.get("description", ""),
        "metadata": {k: v for k, v in metadata.items() if isinstance(v, (str, int, float, bool))},
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "planted": [m["motif_name"] for m in metadata.get("motifs") or []],
        "models": models, "reference": reference, "images": {"metrics": "img/metrics.png"},
        "sequences": page_sequences, "optimization": optimization, "filters": filters, "index_href": index_href,
        "metrics_note": ("Test split, models selected on validation auROC. DeepBind and DeepBind* are the "
                         "published test auROCs of the same ENCODE experiment." if reference else
                         "Test split, models selected on validation auROC."),
        "saliency_note": ("Sequence logo with each architecture's saliency |d logit / d x| * x under it (each row "
                          "scaled to its maximum). Grey spans are the planted motifs (ground truth)."
                          if any(s["motifs"] for s in page_sequences) else
                          "Sequence logo with each architecture's saliency |d logit / d x| * x under it "
                          "(each row scaled to its maximum)."),
        "temporal_note": ("P(bound) given only the sequence up to each position (fwd) and only the sequence "
                          "from each position on (rev): where the score jumps, the recurrent model has read "
                          "what it needs."),
        "optimization_note": (f"Input maximizing the bound score (RMSprop, {optimization_steps} steps, best of "
                              f"{restarts} restarts; the paper used 1000 steps), as an information logo. "
                              f"JASPAR matches (TOMTOM) of its most informative {MOTIF_WINDOW}-bp windows."),
        "filters_note": ("PWMs of each first-layer filter's top-activating test windows, matched against JASPAR "
                         f"(TOMTOM); the {n_filters} filters with the most significant best match shown."),
        "settings": {"n_sequences": len(page_sequences), "optimization_steps": optimization_steps, "restarts": restarts,
                     "n_filters": n_filters, "seed": seed},
    }
    atomic.write_json(out / SUMMARY_FILE, _jsonable(summary))
    atomic.write_text(out / "index.html", render_page(summary))
    say(f"wrote {out / 'index.html'}")
    return out / "index.html"


def _auc(y_true, y_score) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return {"auroc": float(roc_auc_score(y_true, y_score)), "auprc": float(average_precision_score(y_true, y_score)),
            "n": int(len(y_true))}


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.generic,)):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def build_index(out, pages) -> Path:
    """Write `out/index.html` linking every TF page in `pages` (their folders or `index.html` files)."""
    from deepmotif.interpret.dashboard_page import render_index

    out = Path(out)
    entries = []
    for page in pages:
        folder = Path(page).parent if Path(page).suffix == ".html" else Path(page)
        summary_path = folder / SUMMARY_FILE
        if not summary_path.is_file():
            raise MissingFilesError(f"{folder} holds no dashboard page", [summary_path])
        summary = json.loads(summary_path.read_text())
        href = Path(_relative(folder / "index.html", out)).as_posix()
        entries.append({"href": href, "title": summary["title"], "dataset": summary["dataset"],
                        "models": summary["models"]})
    entries.sort(key=lambda e: e["title"])
    atomic.write_text(out / "index.html", render_index(entries))
    return out / "index.html"


def _relative(path: Path, start: Path) -> str:
    import os

    return os.path.relpath(path.resolve(), start.resolve())


__all__ = ["build_dashboard", "build_index", "select_sequences", "information_windows", "DashboardError"]
