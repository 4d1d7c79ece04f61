"""`deepmotif interpret {saliency,temporal,optimize,ism,motifs}`: a thin layer over the API.

Each writes into `--out`: the numbers (`.npz`, and `.tsv` for JASPAR matches), the figure as
PNG and SVG, and `<command>.json` recording the arguments it ran with.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from deepmotif.cli.arguments import positive_int
from deepmotif.core.atomic import atomic_path, write_json, write_text

MATCH_COLUMNS = ("query", "rank", "matrix_id", "name", "p_value", "e_value", "q_value", "strand", "offset", "overlap")


def register(subparsers) -> None:
    parser = subparsers.add_parser("interpret", help="explain a model: saliency, temporal scores, class "
                                   "optimization, ISM, motifs vs JASPAR",
                                   description="Explain a trained model; each method writes numbers and figures.")
    methods = parser.add_subparsers(dest="method", metavar="METHOD", required=True)
    helps = {
        "saliency": "d logit / d input per base (the paper's |grad| * x by default)",
        "temporal": "forward/reverse temporal output scores (rnn, cnn_rnn)",
        "optimize": "class optimization: the input that maximizes the bound class, matched to JASPAR",
        "ism": "in-silico saturation mutagenesis",
        "motifs": "first-layer filter (or saliency) motifs matched to JASPAR with TOMTOM",
    }
    for name, text in helps.items():
        sub = methods.add_parser(name, help=text, description=text)
        sub.add_argument("--model", required=True, help="run directory, .keras file or published model name")
        sub.add_argument("--out", required=True, type=Path, help="output directory")
        sub.add_argument("--batch-size", type=positive_int, default=None)
        if name != "optimize":
            src = sub.add_mutually_exclusive_group(required=True)
            src.add_argument("--fasta", type=Path, help="FASTA of sequences of the model's length (ACGTN)")
            src.add_argument("--dataset", help="dataset name, e.g. synthetic_tfbs/gata1")
            sub.add_argument("--split", default="test")
            sub.add_argument("--n", type=positive_int, default=None,
                             help="first N sequences of the split (default 10; 1000 for motifs)")
            sub.add_argument("--positives", action="store_true", help="use only bound sequences of the split")
            sub.add_argument("--manual-dir", type=Path, default=None)
            sub.add_argument("--data-dir", type=Path, default=None)
            sub.add_argument("--plot-n", type=int, default=5, help="sequences drawn in the figure")
        if name == "saliency":
            sub.add_argument("--method", dest="saliency_method", default="abs_grad_x",
                             choices=("abs_grad_x", "grad_x", "grad"))
        if name in ("optimize", "motifs"):
            sub.add_argument("--top", type=positive_int, default=5, help="JASPAR matches kept per motif")
        if name == "optimize":
            sub.add_argument("--restarts", type=positive_int, default=8)
            sub.add_argument("--steps", type=positive_int, default=1000)
            sub.add_argument("--method", dest="optimize_method", choices=("softmax", "l2"), default="softmax",
                             help="softmax per position, base composition held (default), or the paper's L2 ascent")
            sub.add_argument("--lr", type=float, default=None, help="step size (default 0.1 softmax, 0.05 l2)")
            sub.add_argument("--l2", type=float, default=0.009, help="L2 weight (--method l2)")
            sub.add_argument("--seed", type=int, default=0)
            sub.add_argument("--width", type=int, default=15, help="motif window cut from each PWM for TOMTOM")
        if name == "motifs":
            sub.add_argument("--source", choices=("filters", "saliency"), default="filters")
            sub.add_argument("--layer", default="conv1")
            sub.add_argument("--threshold", type=float, default=0.5)
            sub.add_argument("--width", type=int, default=15, help="window width for --source saliency")
            sub.add_argument("--show", type=int, default=8, help="motifs drawn in the figure")
        sub.set_defaults(func=_run, command=f"interpret {name}")


def _sequences(args, model):
    """(`ids`, one-hot `(n, L, 4)`, per-sequence site spans or None) from --fasta or --dataset."""
    from deepmotif.core.sequences import one_hot
    from deepmotif.interpret.inputs import check_input, dataset_sequences, read_fasta
    from deepmotif.interpret.logits import seq_len_of

    default_n = 1000 if args.method == "motifs" else 10
    if args.fasta is not None:
        ids, tokens = read_fasta(args.fasta, seq_len=seq_len_of(model))
        sites = None
    else:
        arrays = dataset_sequences(args.dataset, args.split, args.n or default_n, positives_only=args.positives,
                                   manual_dir=args.manual_dir, data_dir=args.data_dir)
        ids, tokens = [str(i) for i in arrays["id"]], arrays["tokens"]
        # ground truth to shade: planted target sites (decoys are other TFs' motifs)
        sites = ([[(m["start"], m["end"]) for m in ms if m.get("role", "target") == "target"]
                  for ms in arrays["motifs"]] if "motifs" in arrays else None)
    return ids, check_input(model, one_hot(tokens)), sites


def _write_npz(path: Path, **arrays) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)


def _write_matches(path: Path, labels, matches) -> None:
    rows = ["\t".join(MATCH_COLUMNS)]
    for label, found in zip(labels, matches):
        for rank, m in enumerate(found, start=1):
            rows.append("\t".join(str(v) for v in (label, rank, m["matrix_id"], m["name"], f"{m['p_value']:.3g}",
                                                   f"{m['e_value']:.3g}", f"{m['q_value']:.3g}", m["strand"],
                                                   m["offset"], m["overlap"])))
    write_text(path, "\n".join(rows) + "\n")


def _run(args) -> int:
    from deepmotif.interpret import plots
    from deepmotif.interpret.inputs import load_model

    model = load_model(args.model)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = _METHODS[args.method](args, model, out, plots)
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "func"}
    write_json(out / f"{args.method}.json", {**settings, "argv": sys.argv, "outputs": [str(p) for p in written]})
    for path in written:
        print(path)
    return 0


def _batch(args, default: int) -> int:
    return args.batch_size or default


def _saliency(args, model, out, plots):
    from deepmotif.interpret.saliency_maps import saliency

    ids, x, sites = _sequences(args, model)
    values = saliency(model, x, method=args.saliency_method, batch_size=_batch(args, 256))
    _write_npz(out / "saliency.npz", saliency=values, one_hot=x.astype(np.uint8), id=np.array(ids))
    k = args.plot_n
    fig = plots.plot_saliency(x[:k], values[:k], ids[:k], sites[:k] if sites else None,
                              title=f"Saliency ({args.saliency_method})")
    return [out / "saliency.npz", *plots.save_figure(fig, out / "saliency")]


def _temporal(args, model, out, plots):
    from deepmotif.interpret.temporal import recurrent_core, temporal_scores

    recurrent_core(model)  # the arch error before reading any data
    ids, x, _ = _sequences(args, model)
    forward, reverse = temporal_scores(model, x, batch_size=_batch(args, 16))
    _write_npz(out / "temporal.npz", forward=forward, reverse=reverse, one_hot=x.astype(np.uint8), id=np.array(ids))
    k = args.plot_n
    return [out / "temporal.npz", *plots.save_figure(plots.plot_temporal(x[:k], forward[:k], reverse[:k], ids[:k]),
                                                      out / "temporal")]


def _say_tomtom_compile() -> None:
    from deepmotif.interpret.motifs import tomtom_is_compiled

    if not tomtom_is_compiled():
        print("compiling TOMTOM (one time, about a minute)...", file=sys.stderr, flush=True)


def _optimize(args, model, out, plots):
    from deepmotif.interpret.input_optimization import class_optimization
    from deepmotif.interpret.motifs import informative_window, match_jaspar

    pwms, scores = class_optimization(model, n_restarts=args.restarts, steps=args.steps, lr=args.lr, l2=args.l2,
                                      seed=args.seed, method=args.optimize_method)
    cut = [informative_window(p, args.width) for p in pwms]
    _say_tomtom_compile()
    matches = match_jaspar([c[1] for c in cut], top=args.top)
    labels = [f"restart{i + 1}" for i in range(len(pwms))]
    _write_npz(out / "optimize.npz", pwms=pwms, scores=scores, window_start=np.array([c[0] for c in cut]))
    _write_matches(out / "optimize_matches.tsv", labels, matches)
    windows = [(c[0], c[0] + len(c[1])) for c in cut]
    fig = plots.plot_class_optimization(pwms, scores, matches, windows)
    return [out / "optimize.npz", out / "optimize_matches.tsv", *plots.save_figure(fig, out / "optimize")]


def _ism(args, model, out, plots):
    from deepmotif.interpret.saturation_mutagenesis import ism

    ids, x, _ = _sequences(args, model)
    deltas = ism(model, x, batch_size=_batch(args, 8))
    _write_npz(out / "ism.npz", ism=deltas, one_hot=x.astype(np.uint8), id=np.array(ids))
    k = args.plot_n
    return [out / "ism.npz", *plots.save_figure(plots.plot_ism(x[:k], deltas[:k], ids[:k]), out / "ism")]


def _motifs(args, model, out, plots):
    from deepmotif.core.motif_math import information_content
    from deepmotif.interpret.motifs import attribution_motif, filter_motifs, match_jaspar
    from deepmotif.interpret.saliency_maps import saliency

    _, x, _ = _sequences(args, model)
    if args.source == "filters":
        found = [m for m in filter_motifs(model, x, layer=args.layer, threshold=args.threshold,
                                          batch_size=_batch(args, 256)) if m["n_sites"] > 0]
        labels = [f"filter{m['filter']} ({m['n_sites']} sites)" for m in found]
        pwms = [m["pwm"] for m in found]
        extra = {"filter": np.array([m["filter"] for m in found]), "n_sites": np.array([m["n_sites"] for m in found])}
    else:
        pwms = [attribution_motif(saliency(model, x, "grad_x", batch_size=_batch(args, 256)), x, args.width)]
        labels, extra = ["saliency windows"], {}
    _say_tomtom_compile()
    matches = match_jaspar(pwms, top=args.top) if pwms else []
    _write_npz(out / "motifs.npz", pwms=np.array(pwms), **extra)
    _write_matches(out / "motifs_matches.tsv", labels, matches)
    order = sorted(range(len(pwms)), key=lambda i: -information_content(pwms[i]).sum())[:args.show]
    written = [out / "motifs.npz", out / "motifs_matches.tsv"]
    if order:
        fig = plots.plot_motif_matches([pwms[i] for i in order], [matches[i] for i in order], [labels[i] for i in order])
        written += plots.save_figure(fig, out / "motifs")
    return written


_METHODS = {"saliency": _saliency, "temporal": _temporal, "optimize": _optimize, "ism": _ism, "motifs": _motifs}

