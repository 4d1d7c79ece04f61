"""`deepmotif dashboard`: the Deep Motif Dashboard page of one TF (a command that combines packages)."""

from __future__ import annotations

from pathlib import Path

# The parser's defaults; kept equal to deepmotif.interpret.dashboard's (a test checks), so --help imports no TensorFlow.
DEFAULT_STEPS = 300
DEFAULT_RESTARTS = 8
DEFAULT_FILTERS = 8


def _progress(message: str) -> None:
    print(message, flush=True)


def _run(args) -> int:
    from deepmotif.interpret.dashboard import SUMMARY_FILE, build_dashboard, page_slug, build_index

    out = Path(args.out)
    if args.exported:
        args.exported = [None if e.lower() in ("none", "-") else e for e in args.exported]
    if args.index:
        page_dir = out / page_slug(args.dataset)
        index = build_dashboard(args.dataset, args.models, page_dir, sequences=args.sequences,
                                n_sequences=args.n_sequences, exported=args.exported,
                                optimization_steps=args.optimization_steps, restarts=args.restarts,
                                n_filters=args.n_filters, seed=args.seed, manual_dir=args.manual_dir,
                                data_dir=args.data_dir, index_href="../index.html", log=_progress)
        pages = sorted(p.parent for p in out.glob(f"*/{SUMMARY_FILE}"))
        top = build_index(out, pages)
        print(f"TF page: {index.resolve()}\nindex of {len(pages)} page(s): {top.resolve()}")
        return 0
    index = build_dashboard(args.dataset, args.models, out, sequences=args.sequences, n_sequences=args.n_sequences,
                            exported=args.exported, optimization_steps=args.optimization_steps,
                            restarts=args.restarts, n_filters=args.n_filters, seed=args.seed,
                            manual_dir=args.manual_dir, data_dir=args.data_dir, log=_progress)
    print(f"dashboard: {index.resolve()}\nopen file://{index.resolve()} in a browser")
    return 0


def register(subparsers) -> None:
    """`deepmotif dashboard --dataset NAME --models RUN ... --out DIR`."""
    p = subparsers.add_parser(
        "dashboard", help="build the Deep Motif Dashboard: one static page comparing models of one TF",
        description="Write a self-contained static page (index.html + PNGs; opens from disk) comparing "
                    "the given models of one dataset (training runs, exports or published models): metrics "
                    "and ROC/PR curves, saliency maps, temporal output scores, class optimization and filter "
                    "motifs with JASPAR matches, model cards.")
    p.add_argument("--dataset", required=True, help="dataset name, e.g. encode_tfbs/GATA1_K562_GATA-1_USC")
    p.add_argument("--models", nargs="+", required=True, metavar="MODEL",
                   help="the models to compare, e.g. a cnn, an rnn and a cnn_rnn: training run directories "
                        "(deepmotif train --out), exported SavedModel versions, or published model names "
                        "(synthetic_grammar.cnn; see deepmotif models list)")
    p.add_argument("--out", required=True, help="output folder (index.html, img/, dashboard.json)")
    p.add_argument("--sequences", nargs="+", metavar="ID_OR_DNA",
                   help="test sequence ids or DNA strings to explain (default: the best-scored positives)")
    p.add_argument("--n-sequences", type=int, default=4, help="how many positives to explain by default (4)")
    p.add_argument("--exported", nargs="+", metavar="SAVEDMODEL_DIR",
                   help="exported SavedModel version directories, one per run in --models order ('none' for a run "
                        "not exported), for the model cards")
    p.add_argument("--optimization-steps", type=int, default=DEFAULT_STEPS,
                   help=f"class-optimization steps ({DEFAULT_STEPS}; the paper used 1000)")
    p.add_argument("--restarts", type=int, default=DEFAULT_RESTARTS, help="class-optimization restarts")
    p.add_argument("--n-filters", type=int, default=DEFAULT_FILTERS, help="first-layer filters shown per model")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--index", action="store_true",
                   help="write the page to OUT/<dataset>/ and OUT/index.html linking every TF page under OUT")
    p.add_argument("--manual-dir", help="where the dataset's raw files are (encode_tfbs, user_tfbs)")
    p.add_argument("--data-dir", help="TFDS data directory")
    p.set_defaults(func=_run)

