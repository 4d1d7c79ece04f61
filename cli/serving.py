"""CLI: `deepmotif export`, `deepmotif models list|info|pull|publish`, `deepmotif finetune`."""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from deepmotif.cli.plain_output import keras_verbose

EXPORT_EPILOG = """\
Layout written (what TensorFlow Serving polls):
  BASE_DIR/NAME/VERSION/saved_model.pb, variables/, assets.extra/{model_card.json,
  tf_serving_warmup_requests, keras_model.json}, and BASE_DIR/models.config for all models
  (keras_model.json is the Keras architecture; its weights are read from variables/).
Signatures: serving_default (one_hot float32 [batch, L, 4]) and predict_sequences
(sequences string [batch]); both return `probability`.
Serve:  docker run -p 8501:8501 -v "$PWD/exported_models:/models" tensorflow/serving \\
          --model_config_file=/models/models.config
Query:  curl -d '{"signature_name": "predict_sequences", "instances": ["ACGT..."]}' \\
          http://localhost:8501/v1/models/NAME:predict
"""


def _export(args) -> int:
    from deepmotif.zoo.saved_models import export

    path = export(args.run_dir, args.name, version=args.version, base_dir=args.base_dir)
    print(f"exported {args.run_dir} -> {path}")
    print(f"TF Serving config: {path.parent.parent / 'models.config'}")
    return 0


def _fmt(x, spec=".3f", width=5) -> str:
    return (format(x, spec) if isinstance(x, (int, float)) else "-").rjust(width)


def _list(args) -> int:
    from deepmotif.zoo.registry import list_models

    rows = list_models(registry=args.registry)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no models published or exported")
        return 0
    width = max(len(r["name"]) for r in rows)
    print(f"{'NAME':<{width}}  VER  {'ARCH':<7}  AUROC  {'95% CI':<14}  DB*    SIZE(MB)  WHERE")
    for r in rows:
        m = r.get("metrics", {})
        artifacts = r.get("artifacts", {})
        size = (artifacts.get("saved_model") or artifacts.get("keras") or {}).get("size")
        where = "local" if r["location"] not in ("cache", "remote") else r["location"]
        interval = m.get("test_auroc_ci")
        interval = f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else "-"
        print(f"{r['name']:<{width}}  {r['version']:>3}  {str(r.get('arch', '-')):<7}  {_fmt(m.get('test_auroc'))}  "
              f"{interval:<14}  {_fmt(m.get('deepbind_star_auroc'))}  {_fmt(size / 1e6 if size else None, '.2f', 8)}  "
              f"{where}")
    return 0


def _info(args) -> int:
    from deepmotif.zoo.registry import info

    print(json.dumps(info(args.name, registry=args.registry), indent=2))
    return 0


def _pull(args) -> int:
    from deepmotif.zoo.registry import pull

    paths = pull(args.name, offline=args.offline, saved_model=not args.keras_only, progress=sys.stderr.isatty(),
                 registry=args.registry)
    if paths.get("saved_model"):
        print(f"{args.name}: SavedModel {paths['saved_model']}")
    if paths.get("keras"):
        print(f"{args.name}: keras {paths['keras']}")
    return 0


def _publish(args) -> int:
    from deepmotif.zoo.publish import publish

    kw = {"dist_dir": args.dist, "release_url": args.release_url}
    if args.base_dir:
        kw["base_dir"] = args.base_dir
    if args.manifest:
        kw["manifest_path"] = args.manifest
    entries = publish(args.runs, **kw)
    print(f"{len(entries)} models in the manifest; release assets in {args.dist}")
    return 0


def _finetune(args) -> int:
    from deepmotif.zoo.fine_tuning import finetune

    summary = finetune(
        args.from_, args.dataset, args.out, freeze=args.freeze, epochs=args.epochs,
        max_train_examples=args.max_train_examples, max_validation_examples=args.max_validation_examples,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size, seed=args.seed, manual_dir=args.manual_dir, data_dir=args.data_dir,
        overwrite=args.overwrite, offline=args.offline, verbose=keras_verbose(args.verbose),
        command=shlex.join(["deepmotif"] + sys.argv[1:]),
    )
    test = summary["test"]
    print(f"{args.out}: test auROC {test['auroc']:.4f}  auPRC {test['auprc']:.4f}  (n={test['n']})")
    return 0


def _registry_option(parser) -> None:
    parser.add_argument("--registry", default=None, metavar="BASE",
                        help="where published models are fetched from: a folder, file:// or https:// base "
                             "(default: $DEEPMOTIF_REGISTRY, else the manifest's release_url); a folder may hold "
                             "its own published_models.json")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="export a trained run as a TensorFlow Serving SavedModel",
        description="Export RUN_DIR's model.keras to BASE_DIR/NAME/VERSION/ (TF Serving layout), atomically, "
                    "with a model card and warmup requests, and refresh BASE_DIR/models.config.",
        epilog=EXPORT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run directory of `deepmotif train` (or a .keras file)")
    p.add_argument("--name", required=True,
                   help="model name, flat (letters, digits, _ . + -), e.g. GATA1_K562_GATA-1_USC.cnn_rnn")
    p.add_argument("--version", type=int, default=None, help="version number (default: highest present + 1)")
    p.add_argument("--base-dir", default="exported_models", help="TF Serving base path (default: exported_models)")
    p.set_defaults(func=_export)

    models = subparsers.add_parser(
        "models", help="pretrained models: list, info, pull, publish",
        description="The registry of published models (zoo/published_models.json). A name resolves to "
                    "./exported_models and the published models installed with the package first, then the "
                    "cache ($DEEPMOTIF_CACHE, default ~/.cache/deepmotif), then a sha256-verified fetch from "
                    "the registry (--registry or $DEEPMOTIF_REGISTRY: a folder, file:// or https:// base; "
                    "default: the manifest's release_url).",
    )
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ls = msub.add_parser("list", help="list published and locally exported models")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _registry_option(ls)
    ls.set_defaults(func=_list)
    inf = msub.add_parser("info", help="show one model's manifest entry and model card (JSON)")
    inf.add_argument("name", metavar="NAME")
    _registry_option(inf)
    inf.set_defaults(func=_info)
    pl = msub.add_parser("pull", help="download a model into the cache (verified by sha256)")
    pl.add_argument("name", metavar="NAME")
    pl.add_argument("--offline", action="store_true", help="use only exported_models/ and the cache; never download")
    pl.add_argument("--keras-only", action="store_true",
                    help="fetch only the .keras file of versions published with one, not the SavedModel")
    _registry_option(pl)
    pl.set_defaults(func=_pull)
    pub = msub.add_parser(
        "publish", help="export finished runs and write their manifest entries (maintainers)",
        description="Export every finished run under RUNS as the next SavedModel version of its model\n"
                    "(exported_models/<model>/<version>/, TF Serving's layout; a run already exported from\n"
                    "the same weights is skipped), pack each version as a release asset in --dist, and\n"
                    "rewrite the manifest entries: test auROC with its 95% interval, DeepBind references,\n"
                    "sha256, the command that trained it. Of a `deepmotif compare --seeds` cell, the seed\n"
                    "whose validation auROC is the median is published; every seed's numbers go into its\n"
                    "model card.",
        epilog="example:\n  deepmotif models publish runs/claims --release-url https://example.org/models",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    pub.add_argument("runs", nargs="+", metavar="RUNS", help="run directories, or folders searched for them")
    pub.add_argument("--dist", default="dist/models", help="where release assets go (default: dist/models)")
    pub.add_argument("--base-dir", default=None, help="export base path (default: the repository's exported_models)")
    pub.add_argument("--manifest", default=None, help="manifest to update (default: zoo/published_models.json)")
    pub.add_argument("--release-url", default=None, help="URL the assets will be uploaded to")
    pub.set_defaults(func=_publish)

    ft = subparsers.add_parser(
        "finetune", help="fine-tune a pretrained model on a new TF's data",
        description="Start from a pretrained model's weights, optionally freeze its convolution (the motif "
                    "detectors), and train on DATASET; RUN_DIR gets the layout of `deepmotif train`.",
        epilog="Example: deepmotif finetune --from GATA1_K562_GATA-1_USC.cnn "
               "--dataset user_tfbs/my_tf --out runs/my_tf_ft --freeze conv --epochs 10",
    )
    ft.add_argument("--from", dest="from_", required=True, metavar="NAME_OR_RUN",
                    help="registry name, run directory, exported version directory or .keras file")
    ft.add_argument("--dataset", required=True, help="dataset name, e.g. encode_tfbs/<experiment> or user_tfbs/<name>")
    ft.add_argument("--out", required=True, metavar="RUN_DIR", help="run directory to write")
    ft.add_argument("--freeze", default="conv", choices=("conv", "none"),
                    help="conv: keep the convolution filters fixed (default); none: train every layer")
    ft.add_argument("--epochs", type=int, default=10, help="epochs (default 10; early stopping on validation auROC)")
    ft.add_argument("--max-train-examples", type=int, default=None, help="use at most this many training sequences")
    ft.add_argument("--max-validation-examples", type=int, default=None,
                    help="select the model on at most this many validation sequences (default: all); keep it no "
                         "larger than --max-train-examples to measure what a user with that little data would get")
    ft.add_argument("--learning-rate", type=float, default=None, help="peak learning rate (default: the recipe's)")
    ft.add_argument("--batch-size", type=int, default=None, help="batch size (default: the recipe's)")
    ft.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ft.add_argument("--manual-dir", default=None, help="raw files for manual-download datasets (encode_tfbs)")
    ft.add_argument("--data-dir", default=None, help="TFDS data_dir (default: TFDS's own)")
    ft.add_argument("--offline", action="store_true", help="resolve --from without downloading")
    ft.add_argument("--overwrite", action="store_true", help="replace RUN_DIR if it holds a different run")
    ft.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                    help="Keras verbosity: 0 silent, 1 progress bar on a terminal, else one line per epoch "
                         "(default), 2 one line per epoch")
    ft.set_defaults(func=_finetune)
