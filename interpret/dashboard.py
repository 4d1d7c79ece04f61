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

from deepmotif.core import atomic
from deepmotif.zoo.layer_walk import all_layers
from deepmotif.core.errors import DeepMotifError, MissingFilesError, UnknownNameError
from deepmotif.core.motif_math import informative_windows
from deepmotif.core.sequences import one_hot
from deepmotif.zoo import evaluation
from deepmotif.zoo.prediction import predict
from deepmotif.zoo.architectures import recorded_window

RECURRENT = ("rnn", "cnn_rnn")
DEFAULT_STEPS = 300      # class-optimization steps (the paper: 1000); the page says which
DEFAULT_RESTARTS = 8
MIN_FILTER_FRACTION = 0.1  # a filter shown must fire in 10% of the test sequences: a handful of windows
                           # gives a confident-looking but meaningless PWM
INFLUENCE_SEQUENCES = 256  # test positives the filter influence is averaged over
TRIM_BITS = 0.3          # flanking positions with less information are trimmed before TOMTOM
DEFAULT_FILTERS = 8      # first-layer filters shown per model
MOTIF_WINDOW = 15        # width of the class-optimization windows matched against JASPAR
SUMMARY_FILE = "dashboard.json"


class DashboardError(DeepMotifError, ValueError):
    """Runs or sequences that cannot make one TF page (another dataset, wrong length, no positives)."""


# ---------------------------------------------------------------- inputs


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def _load_model_run(ref, dataset: str) -> dict:
    """Model, config, metrics and test predictions of one model: a training run directory, or an
    exported version / published model name (its card's metrics and recipe; its test predictions are
    made on the page's test split)."""
    from deepmotif.zoo.model_loading import load_run, locate, read_card

    source = locate(ref)  # a run, a .keras file, an exported version or a published name (pulled)
    model, config = load_run(source.path)
    card = read_card(source) if source.kind == "export" else {}
    if card:
        training = card.get("training") or {}
        config = {**config, "recipe": training.get("recipe"), "epochs": training.get("epochs")}
    trained_on = config.get("dataset")
    if trained_on and trained_on != dataset:
        raise DashboardError(f"{ref} was trained on {trained_on!r}, not {dataset!r}: "
                             "one dashboard page compares models of one dataset")
    folder = source.path if source.kind == "run" else None
    metrics = _read_json(folder / "metrics.json") if folder else (card.get("metrics") or {})
    predictions = folder / "predictions_test.npz" if folder else None
    arrays = dict(np.load(predictions, allow_pickle=False)) if predictions and predictions.is_file() else None
    arch = config.get("arch") or model.name
    return {"run_dir": Path(source.path), "model": model, "config": config, "arch": arch, "metrics": metrics,
            "predictions": arrays, "export_dir": source.path if source.kind == "export" else None}


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
    return np.asarray(arrays["label"]).ravel(), predict(run["model"], arrays["tokens"])


def _planted(arrays: dict, index: int) -> list[dict]:
    """Ground-truth motifs of example `index` (`load_arrays`' `motifs`: a list of dicts per example)."""
    motifs = arrays.get("motifs")
    return [] if motifs is None else [dict(m) for m in motifs[index]]


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


def _matches(pwms: list[np.ndarray], top: int, say) -> list[list[dict]]:
    """Best JASPAR matches (`name`, `id`, `p_value`, `q_value`) of each PWM `(w, 4)`."""
    from deepmotif.interpret.motifs import match_jaspar, tomtom_is_compiled

    if not tomtom_is_compiled():
        say("compiling TOMTOM (one time, about a minute)...")
    return [[{"name": m["name"], "id": m["matrix_id"], "p_value": m["p_value"], "q_value": m["q_value"]}
             for m in row] for row in match_jaspar(pwms, top=top)]


def _optimize(model, steps: int, restarts: int, seed: int, background=None) -> tuple[np.ndarray, float, float]:
    """The best restart of class optimization, its base composition held to `background (4,)`:
    `(pwm (L, 4), probability, logit)`."""
    from deepmotif.interpret import class_optimization

    pwms, scores = class_optimization(model, n_restarts=restarts, steps=steps, seed=seed, background=background)
    pwms, scores = np.asarray(pwms), np.asarray(scores).reshape(-1)
    best = int(np.argmax(scores))
    probability = float(predict(model, pwms[best:best + 1])[0])
    return pwms[best], probability, float(scores[best])


def _composition_check(model, x_test: np.ndarray, labels: np.ndarray) -> dict:
    """Logits of poly-A/C/G/T against the real test positives: a model that scores a homopolymer
    above most bound sequences rewards base composition, and its class-optimization logo shows runs."""
    from deepmotif.interpret.input_optimization import homopolymer_scores

    homopolymers = homopolymer_scores(model, x_test.shape[1])
    positives = predict(model, x_test[labels == 1], output="logit")
    base = max(homopolymers, key=homopolymers.get)
    above = float((positives < homopolymers[base]).mean()) if len(positives) else 0.0
    return {"homopolymer_logits": homopolymers, "best_homopolymer": base, "positives_below_it": above,
            "rewards_composition": above >= 0.5}


def selection_sentence(runs: list[dict]) -> str:
    """How the shown models were selected, from each run's recipe (`monitor`): `default` selects on
    validation auROC, `demo` (the paper's) on training auROC."""
    what = {"val_auroc": "validation auROC", "auroc": "training auROC", "val_loss": "validation loss"}
    by_monitor: dict[str, list[str]] = {}
    for run in runs:
        recipe = run["config"].get("recipe") or {}
        monitor = recipe.get("monitor") if isinstance(recipe, dict) else None
        by_monitor.setdefault(what.get(monitor, "an unrecorded criterion"), []).append(run["label"])
    if len(by_monitor) == 1:
        return f"models selected on {next(iter(by_monitor))}"
    return "models selected on " + "; ".join(f"{k} ({', '.join(v)})" for k, v in by_monitor.items())


def best_match_is_planted(matches: list[dict], planted) -> bool:
    """Whether a motif's best JASPAR match (`matches`, best first, each with `name` and `q_value`) is one
    of the `planted` motif names. Names compare case-insensitively (JASPAR names the mouse SPI1 matrix
    `Spi1`), and a planted motif whose q-value ties the best one counts too: TOMTOM cannot rank CEBPB above
    CEBPE when both matrices match equally well."""
    if not matches:
        return False
    names = {str(name).upper() for name in planted}
    best_q = matches[0].get("q_value")
    tied = [m for m in matches if m is matches[0] or (best_q is not None and m.get("q_value") == best_q)]
    return any(str(m["name"]).upper() in names for m in tied)


def _filters(model, x: np.ndarray, labels: np.ndarray, n_filters: int, planted, say) -> tuple[list[dict], dict]:
    """First-layer filter motifs (each test sequence's strongest window, flanks trimmed) with their
    JASPAR matches, most informative first; the `n_filters` shown also get their influence (logit
    drop on test positives when removed). With ground truth, also how many filters' best match
    is a planted motif."""
    from deepmotif.interpret.motifs import filter_influence, filter_motifs

    floor = max(10, int(np.ceil(MIN_FILTER_FRACTION * len(x))))
    motifs = [m for m in filter_motifs(model, x, rank_by="information", min_sites=floor) if m["n_sites"] >= floor]
    items = [{"filter": m["filter"], "pwm": m["pwm"], "n_sites": m["n_sites"], "bits": m["information"]}
             for m in motifs]
    for item, row in zip(items, _matches([item["pwm"] for item in items], 3, say) if items else []):
        item["matches"] = row
    shown = items[:n_filters]
    positives = x[labels == 1][:INFLUENCE_SEQUENCES]
    if shown and len(positives):
        influence = filter_influence(model, positives, filters=[item["filter"] for item in shown])
        for item, value in zip(shown, influence):
            item["influence"] = float(value)
    tally = {}
    if planted:
        def hit(item):
            return best_match_is_planted(item.get("matches") or [], planted)
        tally = {"filters": len(items), "planted_best": sum(map(hit, items)),
                 "shown": len(shown), "shown_planted_best": sum(map(hit, shown))}
    return shown, tally


# ---------------------------------------------------------------- page


def page_slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "page"


def _title(dataset: str, metadata: dict) -> str:
    if metadata.get("tf"):
        return " ".join(str(metadata[k]) for k in ("tf", "cell_line", "lab") if metadata.get(k))
    return dataset.split("/")[-1]


def _with_intervals(test: dict | None, y_true, y_score) -> dict:
    """The run's test metrics with 95% bootstrap intervals (computed from its predictions if absent)."""
    if test and "auroc_ci" in test:
        return test
    fresh = evaluation.scores(y_true, y_score, bootstrap=1000)
    return {**test, **{k: fresh[k] for k in ("auroc_ci", "auprc_ci", "bootstrap", "ci_level")}} if test else fresh


def _performance_panel(runs, labels, exported, arrays, metadata, images: Path) -> tuple[list[dict], list[dict]]:
    """Each model's metrics, run and card, the ROC/PR figure, and DeepBind's published auROCs (ENCODE)."""
    from deepmotif.interpret import dashboard_figures as figures

    curves, models = [], []
    for run, label, export_dir in zip(runs, labels, exported):
        y_true, y_score = _test_predictions(run, arrays)
        curves.append((label, y_true, y_score))
        card, export_path = _card_and_path(run, export_dir or run.get("export_dir"))
        metrics = run["metrics"]
        models.append({"label": label, "arch": run["arch"], "run_dir": str(run["run_dir"].resolve()),
                       "test": _with_intervals(metrics.get("test"), y_true, y_score),
                       "validation": metrics.get("validation"),
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
    from deepmotif.interpret.temporal import temporal_scores

    positives = np.flatnonzero(np.asarray(arrays["label"]).ravel() == 1)
    mean_score = np.zeros(len(x_test))
    for run in runs:
        mean_score[positives] += predict(run["model"], x_test[positives]) / len(runs)
    chosen = select_sequences(arrays, mean_score, sequences, n_sequences)
    x = one_hot(np.stack([c["tokens"] for c in chosen]))
    probabilities = {label: predict(run["model"], x) for run, label in zip(runs, labels)}
    say(f"saliency maps of {len(chosen)} test sequences ({', '.join(labels)})")
    saliency = {label: _saliency_per_position(run["model"], x) for run, label in zip(runs, labels)}
    recurrent = [(run, label) for run, label in zip(runs, labels) if run["arch"] in RECURRENT]
    if recurrent:
        say(f"temporal output scores ({', '.join(label for _, label in recurrent)})")
    temporal = {label: temporal_scores(run["model"], x) for run, label in recurrent}
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


def _optimization_panels(runs, labels, steps: int, restarts: int, seed: int, images: Path, say,
                         x_test: np.ndarray, test_labels: np.ndarray) -> list[dict]:
    """Each model's best class-optimization restart (base composition held to the test set's), matched
    against JASPAR in its most informative windows (low-information flanks trimmed), and whether the
    model scores a homopolymer above most real positives."""
    from deepmotif.interpret import dashboard_figures as figures
    from deepmotif.interpret.motifs import trim_flanks

    background = np.clip(x_test.mean(axis=(0, 1)), 1e-3, None)
    panels = []
    for run, label in zip(runs, labels):
        say(f"class optimization of {label} ({steps} steps x {restarts} restarts), matched against JASPAR")
        pwm, probability, logit = _optimize(run["model"], steps, restarts, seed, background)
        windows = informative_windows(pwm, MOTIF_WINDOW, count=2)
        cores = [trim_flanks(pwm[s:e], TRIM_BITS)[1] for s, e in windows]
        matches = [{**m, "window": [s, e]}
                   for (s, e), row in zip(windows, _matches(cores, 3, say)) for m in row]
        image = f"img/optimization_{page_slug(label)}.png"
        figures.optimization_figure(pwm, images.parent / image, window=windows[0],
                                    title=f"{label}: input optimized for P(bound)")
        panels.append({"label": label, "image": image, "probability": probability, "logit": logit,
                       "window": list(windows[0]), "windows": [list(w) for w in windows], "matches": matches,
                       "composition": _composition_check(run["model"], x_test, test_labels)})
    return panels


def _filter_panels(runs, labels, x_test, n_filters: int, images: Path, say, test_labels, planted) -> list[dict]:
    """First-layer filter motifs of the convolutional models, with their JASPAR matches."""
    from deepmotif.interpret import dashboard_figures as figures

    panels = []
    for run, label in zip(runs, labels):
        if not any(layer.name == "conv1" for layer in all_layers(run["model"])):
            continue
        say(f"first-layer filter motifs of {label}, matched against JASPAR")
        items, tally = _filters(run["model"], x_test, test_labels, n_filters, planted, say)
        captions = [(f"filter {item['filter']}: " + (item["matches"][0]["name"] if item["matches"] else "no match"),
                     item["pwm"]) for item in items]
        image = f"img/filters_{page_slug(label)}.png"
        figures.motif_grid_figure(captions, images.parent / image)
        panels.append({"label": label, "image": image, "planted_tally": tally,
                       "filters": [{k: v for k, v in item.items() if k != "pwm"} for item in items]})
    return panels


def build_dashboard(dataset: str, run_dirs, out, sequences=None, n_sequences: int = 4, exported=None,
                    optimization_steps: int = DEFAULT_STEPS, restarts: int = DEFAULT_RESTARTS,
                    n_filters: int = DEFAULT_FILTERS, seed: int = 0, manual_dir=None, data_dir=None,
                    index_href: str | None = None, log=None) -> Path:
    """Write one TF's Deep Motif Dashboard page to `out/`.

    Writes `out/index.html` (opens from disk: no server, scripts or network), `out/img/*.png` and
    `out/dashboard.json` (the numbers behind the page, what `build_index` reads).

    Parameters
    ----------
    dataset : str
        The dataset all runs were trained on; its test split is explained.
    run_dirs : sequence of str or pathlib.Path
        The models (typically cnn, rnn, cnn_rnn): training run directories, exported SavedModel
        versions or published model names (`synthetic_grammar.cnn`; pulled when not local). An
        exported or published model brings its card's metrics and recipe; its test predictions are
        made here.
    out : str or pathlib.Path
        Output folder.
    sequences : sequence of str, optional
        Test ids or DNA strings of the models' length to explain; default the `n_sequences`
        best-scored test positives.
    n_sequences : int, default 4
    exported : sequence of (str or pathlib.Path or None), optional
        One SavedModel version directory (or None) per run, for the model cards.
    optimization_steps : int, default `DEFAULT_STEPS`
        Class-optimization steps (the paper used 1000).
    restarts : int, default `DEFAULT_RESTARTS`
        Class-optimization restarts; the best is shown.
    n_filters : int, default `DEFAULT_FILTERS`
        First-layer filters shown per convolutional model.
    seed : int, default 0
    manual_dir, data_dir : str or pathlib.Path, optional
        As in `deepmotif.datasets.load_arrays`.
    index_href : str, optional
        Link back to a page listing several TFs (`build_index`).
    log : callable, optional
        Called with one progress line as each step starts (e.g. `print`).

    Returns
    -------
    pathlib.Path
        `out/index.html`.
    """
    from deepmotif.datasets import dataset_metadata, load_arrays
    from deepmotif.interpret.dashboard_page import render_page

    started = time.time()
    run_dirs = list(run_dirs)
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
    x_test = one_hot(arrays["tokens"])
    length = x_test.shape[1]
    for run in runs:
        expected = recorded_window(run["model"])
        if expected is not None and expected != length:
            raise DashboardError(f"{run['run_dir']} takes sequences of {expected} bases; {dataset} has {length}")
    say(f"{dataset}: {len(runs)} models, {len(x_test)} test sequences")

    say("test metrics and ROC/PR curves")
    models, reference = _performance_panel(runs, labels, exported, arrays, metadata, images)
    page_sequences = _sequence_panels(runs, labels, arrays, x_test, sequences, n_sequences, images, say)
    test_labels = np.asarray(arrays["label"]).ravel()
    planted = [m["motif_name"] for m in metadata.get("motifs") or []]
    optimization = _optimization_panels(runs, labels, optimization_steps, restarts, seed, images, say,
                                        x_test, test_labels)
    filters = _filter_panels(runs, labels, x_test, n_filters, images, say, test_labels, planted)
    selected = selection_sentence([{**run, "label": label} for run, label in zip(runs, labels)])

    summary = {
        "title": _title(dataset, metadata), "dataset": dataset, "description": metadata.get("description", ""),
        "metadata": {k: v for k, v in metadata.items() if isinstance(v, (str, int, float, bool))},
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "planted": planted,
        "models": models, "reference": reference, "images": {"metrics": "img/metrics.png"},
        "sequences": page_sequences, "optimization": optimization, "filters": filters, "index_href": index_href,
        "metrics_note": (f"Test split, {selected}. Brackets: 95% bootstrap intervals over the test sequences "
                         "(1000 resamples)."
                         + (" DeepBind and DeepBind* are the published test auROCs of the same ENCODE experiment; "
                            "a model is above one only when its whole interval is." if reference else "")),
        "saliency_note": ("Sequence logo with each architecture's saliency |d logit / d x| * x under it (each row "
                          "scaled to its maximum). Grey spans are the planted motifs (ground truth)."
                          if any(s["motifs"] for s in page_sequences) else
                          "Sequence logo with each architecture's saliency |d logit / d x| * x under it "
                          "(each row scaled to its maximum)."),
        "temporal_note": ("P(bound) given only the sequence up to each position (fwd) and only the sequence "
                          "from each position on (rev): where the score jumps, the recurrent model has read "
                          "what it needs."),
        "optimization_note": (f"Input maximizing the bound score ({optimization_steps} Adam steps on a softmax "
                              f"per position, best of {restarts} restarts, base composition held to the test "
                              "set's; the paper used L2-penalized gradient ascent for 1000 steps), as an "
                              f"information logo. JASPAR matches (TOMTOM) of its most informative {MOTIF_WINDOW}-bp "
                              "windows, uninformative flanks trimmed."),
        "filters_note": ("PWM of each first-layer filter from every test sequence's strongest window (when above "
                         "half the filter's maximum), uninformative flanks trimmed, matched against JASPAR "
                         f"(TOMTOM); the {n_filters} most informative filters with sites in at least "
                         f"{MIN_FILTER_FRACTION:.0%} of the test sequences shown. Influence: mean drop of "
                         "the logit on test positives when the filter is removed."),
        "settings": {"n_sequences": len(page_sequences), "optimization_steps": optimization_steps, "restarts": restarts,
                     "n_filters": n_filters, "seed": seed},
    }
    atomic.write_json(out / SUMMARY_FILE, _jsonable(summary))
    atomic.write_text(out / "index.html", render_page(summary))
    say(f"wrote {out / 'index.html'}")
    return out / "index.html"


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
    """Write `out/index.html` linking several TF pages built by `build_dashboard`.

    Parameters
    ----------
    out : str or pathlib.Path
        Folder of the index (the pages are linked relative to it).
    pages : sequence of str or pathlib.Path
        Each page's folder or its `index.html`.

    Returns
    -------
    pathlib.Path
        `out/index.html`.
    """
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


__all__ = ["build_dashboard", "build_index", "select_sequences", "DashboardError"]
