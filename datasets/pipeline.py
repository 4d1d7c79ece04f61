"""Dataset names -> prepared TFDS builders -> `tf.data` pipelines and numpy arrays.

Names are TFDS names: `encode_tfbs/<experiment>`, `synthetic_tfbs/<config>`, `user_tfbs/<name>`.
`data_dir` defaults to TFDS's (`$TFDS_DATA_DIR` or `~/tensorflow_datasets`). A split is read once
into memory as uint8 tokens (101 bytes per 101-bp sequence; the last few splits read stay cached)
and `batches` gathers and one-hot encodes whole batches in the graph, so the input pipeline stays
far faster than any model trained on it (see bench/bench_pipeline.py).
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from deepmotif.datasets.encode_tfbs import encode_tfbs_dataset_builder as encode
from deepmotif.core.errors import DatasetError, MissingFilesError, UnknownNameError
from deepmotif.core.sequences import DEFAULT_SEQ_LEN, TOKEN_N
from deepmotif.datasets.synthetic_tfbs import synthetic_tfbs_dataset_builder as synthetic
from deepmotif.datasets.user_tfbs import user_tfbs_dataset_builder as user

DEFAULT_DATASET = "synthetic_tfbs/gata1"
BUILDERS = {"encode_tfbs": encode.Builder, "synthetic_tfbs": synthetic.Builder, "user_tfbs": user.Builder}
# How `load(..., reverse_complement=...)` augments: off, replace each sequence by its reverse
# complement with probability 1/2 (seeded), or append every sequence's reverse complement (2x batch).
REVERSE_COMPLEMENT_MODES = (False, True, "random", "both")
_READ_CACHE: dict[tuple, dict] = {}
_READ_CACHE_SIZE = 8
_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # used with fullmatch: `$` would accept a trailing newline


def default_data_dir(data_dir=None) -> Path:
    """`data_dir`, else `$TFDS_DATA_DIR`, else TFDS's default (`~/tensorflow_datasets`)."""
    return Path(data_dir or os.environ.get("TFDS_DATA_DIR") or tfds.core.constants.DATA_DIR).expanduser()


def builder_names(builder: str) -> list[str]:
    """Registered config names of `encode_tfbs` or `synthetic_tfbs`."""
    return [f"{builder}/{c}" for c in BUILDERS[builder].builder_configs]


def user_datasets(data_dir=None) -> list[str]:
    """`user_tfbs/<name>` of every user dataset prepared in `data_dir`."""
    root = default_data_dir(data_dir) / "user_tfbs"
    if not root.is_dir():
        return []
    return sorted(f"user_tfbs/{d.name}" for d in root.iterdir() if _user_version_dir(d) is not None)


def list_datasets(data_dir=None) -> list[str]:
    """Every dataset name: the synthetic configs, the ENCODE experiments and prepared user datasets."""
    return builder_names("synthetic_tfbs") + builder_names("encode_tfbs") + user_datasets(data_dir)


def parse_name(name: str, data_dir=None) -> tuple[str, str]:
    """`"builder/config"` -> `(builder, config)`; UnknownNameError (with close names) otherwise."""
    builder, _, config = str(name).partition("/")
    if builder not in BUILDERS:
        known = list_datasets(data_dir)
        if "/" not in str(name):  # a bare config name ("gata1"): suggest its full name
            close = [k for k in known if k.split("/", 1)[1].lower() == str(name).lower()]
            close = close or difflib.get_close_matches(str(name), known, n=3, cutoff=0.3)
            raise UnknownNameError("dataset", str(name), close or known)
        raise UnknownNameError("dataset", str(name), known)
    if builder == "user_tfbs":
        if not _USER_NAME.fullmatch(config):
            raise DatasetError(
                f"user dataset name {config!r} must start with a letter or digit and hold only letters, "
                f"digits, '_', '-' and '.' (e.g. user_tfbs/MYTF_K562)"
            )
    elif config not in BUILDERS[builder].builder_configs:
        raise UnknownNameError("dataset", str(name), builder_names(builder))
    return builder, config


def _user_version_dir(dataset_dir: Path) -> Path | None:
    """Newest prepared version directory of one user dataset, or None."""
    versions = [d for d in dataset_dir.glob("*.*.*") if (d / "dataset_info.json").is_file()]
    return max(versions, key=lambda d: tfds.core.Version(d.name), default=None)


def get_builder(name: str, data_dir=None, **user_kwargs) -> tfds.core.DatasetBuilder:
    """The TFDS builder of `name` (not prepared by this call).

    `user_kwargs` (`positives`, `negatives`, `test_positives`, `test_negatives`, `test_fraction`,
    `validation_fraction`, `seed`) define a `user_tfbs` dataset; without them a user dataset must
    already be prepared in `data_dir`, and is read back from there.
    """
    builder, config = parse_name(name, data_dir)
    data_dir = str(default_data_dir(data_dir))
    if builder == "user_tfbs":
        given = sorted(k for k, v in user_kwargs.items() if v is not None)
        if given and not user_kwargs.get("positives"):
            raise DatasetError(f"{', '.join(given)} given without positives (--positives FASTA)")
        if user_kwargs.get("positives"):
            return user.Builder(config=user.UserConfig(name=config, **user_kwargs), data_dir=data_dir)
        prepared = _user_version_dir(Path(data_dir) / builder / config)
        if prepared is None:
            raise MissingFilesError(
                f"user dataset {name!r} is not built in {data_dir}; build it first with "
                f"`deepmotif data build {name} --positives FILE.fa` (or build_dataset(..., positives=...))",
                [Path(data_dir) / builder / config / str(user.Builder.VERSION) / "dataset_info.json"],
            )
        return tfds.builder_from_directory(str(prepared))
    given = sorted(k for k, v in user_kwargs.items() if v is not None)
    if given:
        raise DatasetError(f"{', '.join(given)} only apply to user_tfbs datasets, not {name!r}")
    return tfds.builder(name, data_dir=data_dir)


def _check_same_sources(builder, name: str, user_kwargs: dict) -> None:
    """A user dataset already built from other files or settings is not silently reused."""
    config = user.UserConfig(name="check", **user_kwargs)
    wanted = {**config.sources(), "test_fraction": config.test_fraction,
              "validation_fraction": config.validation_fraction, "seed": config.seed}
    stored = {k: builder.info.metadata.get(k) for k in wanted}
    differ = sorted(k for k in wanted if wanted[k] != stored[k])
    if differ:
        was = ", ".join(f"{k}={stored[k]}" for k in differ)
        now = ", ".join(f"{k}={wanted[k]}" for k in differ)
        raise DatasetError(
            f"{name} is already built with {was}; pass overwrite=True (--overwrite) to rebuild it with {now}"
        )


def build_dataset(name: str, manual_dir=None, data_dir=None, overwrite: bool = False, **user_kwargs):
    """Prepare `name` (a no-op when already prepared, unless `overwrite`); returns its builder.

    TFDS prints its own progress. `manual_dir` is where `encode_tfbs` looks for the ENCODE files.
    A failed build leaves nothing behind (TFDS writes to a temporary directory and renames it).
    """
    builder = get_builder(name, data_dir, **user_kwargs)
    if builder.is_prepared() and user_kwargs.get("positives") and not overwrite:
        prepared = tfds.builder_from_directory(str(builder.data_dir))
        _check_same_sources(prepared, name, user_kwargs)
        return prepared
    if isinstance(builder, tfds.core.read_only_builder.ReadOnlyBuilder):
        if overwrite:
            raise DatasetError(f"rebuilding {name} needs its files again: pass positives=... (--positives)")
        return builder
    if manual_dir and not Path(manual_dir).is_dir():
        # Else TFDS treats it as absent and `encode_tfbs` would start a 107 MB download instead.
        raise MissingFilesError(f"{name}: the manual_dir given does not exist", [manual_dir])
    modes = tfds.download.GenerateMode
    config = tfds.download.DownloadConfig(
        manual_dir=str(manual_dir) if manual_dir else None,
        download_mode=modes.REUSE_CACHE_IF_EXISTS if overwrite else modes.REUSE_DATASET_IF_EXISTS,
    )
    builder.download_and_prepare(download_config=config)
    return builder


def prepared_builder(name: str, manual_dir=None, data_dir=None) -> tfds.core.DatasetBuilder:
    """The builder of `name`, prepared first if needed."""
    builder = get_builder(name, data_dir)
    if not builder.is_prepared():
        builder = build_dataset(name, manual_dir=manual_dir, data_dir=data_dir)
    return builder


def _check_split(builder, name: str, split: str) -> None:
    known = list(builder.info.splits.keys())
    for part in re.split(r"\+", split):
        base = part.split("[")[0].strip()
        if base not in known:
            raise UnknownNameError(f"split of {name}", base, known)


def read_split(builder, name: str, split: str, keys=("sequence", "label")) -> dict[str, np.ndarray]:
    """Features `keys` of a whole split as numpy arrays, in stored order.

    `sequence` comes back as `tokens (n, L)` uint8; text as `str`; a `motifs` sequence feature as a
    list of `n` lists of dicts. Raises DatasetError for an empty split. The last few splits read are
    kept in memory (arrays read-only), keyed by the prepared directory and its build time.
    """
    _check_split(builder, name, split)
    info_file = Path(str(builder.data_dir)) / "dataset_info.json"
    stamp = info_file.stat().st_mtime_ns if info_file.is_file() else None
    key = (str(builder.data_dir), stamp, split, tuple(keys))
    if stamp is None or key not in _READ_CACHE:
        arrays = _read_split(builder, name, split, tuple(keys))
        for value in arrays.values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        if stamp is None:
            return arrays
        _READ_CACHE[key] = arrays
        while len(_READ_CACHE) > _READ_CACHE_SIZE:
            _READ_CACHE.pop(next(iter(_READ_CACHE)))
    return {k: (list(v) if isinstance(v, list) else v) for k, v in _READ_CACHE[key].items()}


def _read_split(builder, name: str, split: str, keys: tuple) -> dict:
    wanted = {k: True for k in keys}
    if builder.info.splits[split].num_examples == 0:
        raise DatasetError(f"dataset {name!r} split {split!r} holds no examples")
    ds = builder.as_dataset(split=split, shuffle_files=False, decoders=tfds.decode.PartialDecoding(wanted))
    columns: dict[str, list] = {k: [] for k in keys}
    for batch in ds.ragged_batch(8192).prefetch(2):
        for key in keys:
            columns[key].append(batch[key])
    if not columns[keys[0]]:
        raise DatasetError(f"dataset {name!r} split {split!r} holds no examples")
    return {("tokens" if k == "sequence" else k): _to_numpy(k, v) for k, v in columns.items()}


def _to_numpy(key: str, parts: list):
    if key == "motifs":
        return [_sites(part) for batch in parts for part in _unstack_sites(batch)]
    if key == "sequence":
        rows = [p.to_tensor().numpy() if isinstance(p, tf.RaggedTensor) else p.numpy() for p in parts]
        widths = {r.shape[1] for r in rows}
        if len(widths) > 1:
            raise DatasetError(f"sequences of different lengths {sorted(widths)} in one split")
        return np.concatenate(rows).astype(np.uint8)
    values = np.concatenate([p.numpy() for p in parts])
    if values.dtype == object:
        values = np.array([v.decode() for v in values], dtype=str)
    return values


def _unstack_sites(batch: dict) -> list[dict]:
    """A ragged batch of site dicts -> one dict of numpy arrays per example."""
    lengths = batch["start"].row_lengths().numpy()
    flat = {k: v.flat_values.numpy() for k, v in batch.items()}
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [{k: v[bounds[i] : bounds[i + 1]] for k, v in flat.items()} for i in range(len(lengths))]


def _sites(columns: dict) -> list[dict]:
    def value(v):
        return v.decode() if isinstance(v, bytes) else int(v)

    n = len(columns["start"])
    return [{k: value(columns[k][i]) for k in sorted(columns)} for i in range(n)]


def load_arrays(name: str, split: str, manual_dir=None, data_dir=None) -> dict:
    """One split as numpy arrays: `tokens (n, L)` uint8, `label (n,)` int64, `id (n,)` str,
    `is_shuffled (n,)` bool; `synthetic_tfbs` adds `arrangement (n,)` str and `motifs`: a list of n
    lists of `{motif_id, motif_name, strand (+1/-1), start, end (0-based, exclusive), role}`.
    Examples are in stored order (the same in every call)."""
    builder = prepared_builder(name, manual_dir, data_dir)
    keys = ("sequence", "label", "id", "is_shuffled")
    if "motifs" in builder.info.features:
        keys += ("arrangement", "motifs")
    return read_split(builder, name, split, keys)


def one_hot_batch(tokens: tf.Tensor) -> tf.Tensor:
    """`(b, L)` uint8 tokens -> `(b, L, 4)` float32 one-hot; `N` (token 4) is an all-zero row."""
    table = np.vstack([np.eye(TOKEN_N, dtype=np.float32), np.zeros((1, TOKEN_N), np.float32)])
    return tf.gather(tf.constant(table), tf.cast(tokens, tf.int32))  # a lookup beats one_hot + slice


def reverse_complement_one_hot(x: tf.Tensor) -> tf.Tensor:
    """Reverse complement of `(b, L, 4)` ACGT one-hot: reverse positions and channels (A<->T, C<->G)."""
    return tf.reverse(x, axis=[-2, -1])


def _encoder(reverse_complement, seed: int):
    if reverse_complement not in REVERSE_COMPLEMENT_MODES:
        raise UnknownNameError("reverse_complement mode", str(reverse_complement), map(str, REVERSE_COMPLEMENT_MODES))

    def encode(index, tokens, labels):
        x = one_hot_batch(tokens)
        if reverse_complement == "both":
            return tf.concat([x, reverse_complement_one_hot(x)], 0), tf.concat([labels, labels], 0)
        if reverse_complement:  # True or "random"
            flip = tf.random.stateless_uniform(tf.shape(labels), seed=tf.stack([tf.cast(seed, tf.int64), index]))
            x = tf.where((flip < 0.5)[:, None, None], reverse_complement_one_hot(x), x)
        return x, labels

    return encode


def batches(tokens, labels, batch_size: int = 256, reverse_complement=False, shuffle: bool = False,
            seed: int = 0) -> tf.data.Dataset:
    """`tokens (n, L)` uint8 and `labels (n,)` -> `tf.data.Dataset` of `(one_hot (b, L, 4) float32,
    label (b,) float32)`. Only batches of indices flow through tf.data (reshuffled every epoch when
    `shuffle`); each batch is gathered and one-hot encoded by a few graph ops, never per example."""
    if batch_size < 1:
        raise DatasetError(f"batch_size must be at least 1, got {batch_size}")
    encode = _encoder(reverse_complement, seed)
    tokens = tf.constant(np.asarray(tokens, np.uint8))
    labels = tf.constant(np.asarray(labels, np.float32))
    index = tf.data.Dataset.range(int(tokens.shape[0]))
    if shuffle:
        index = index.shuffle(int(tokens.shape[0]), seed=seed, reshuffle_each_iteration=True)
    ds = index.batch(batch_size).enumerate()
    ds = ds.map(
        lambda i, rows: encode(i, tf.gather(tokens, rows), tf.gather(labels, rows)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return ds.prefetch(tf.data.AUTOTUNE)


def load(
    name: str,
    split: str,
    batch_size: int = 256,
    reverse_complement=False,
    manual_dir=None,
    data_dir=None,
    shuffle: bool | None = None,
    seed: int = 0,
) -> tf.data.Dataset:
    """`tf.data.Dataset` of `(one_hot (b, L, 4) float32, label (b,) float32)`, built first if needed.

    `shuffle` defaults to True for `train` (reshuffled every epoch, seeded by `seed`), else stored order.
    `reverse_complement`: False; True/"random" (each sequence reverse-complemented with probability
    1/2, seeded); "both" (each batch followed by its reverse complements: batches of 2b).
    """
    _encoder(reverse_complement, seed)  # check the arguments before building anything
    if batch_size < 1:
        raise DatasetError(f"batch_size must be at least 1, got {batch_size}")
    arrays = read_split(prepared_builder(name, manual_dir, data_dir), name, split)
    if shuffle is None:
        shuffle = split.split("[")[0] == "train"
    return batches(arrays["tokens"], arrays["label"], batch_size, reverse_complement, shuffle, seed)


def dataset_metadata(name: str, data_dir=None) -> dict:
    """What is known about `name` without reading its examples.

    All: `name`, `builder`, `config`, `description`, `seq_len`, and `splits` (`{split: n}`) once
    prepared in `data_dir`. `encode_tfbs` adds `experiment`, `tf`, `cell_line`, `antibody`, `lab`,
    `deepbind_auroc`, `deepbind_star_auroc`; `synthetic_tfbs` its generation settings and `motifs`
    (`[{motif_id, motif_name}]`, targets first); `user_tfbs` its source files and fractions.
    """
    builder_name, config_name = parse_name(name, data_dir)
    meta = {"name": name, "builder": builder_name, "config": config_name}
    if builder_name == "user_tfbs":
        builder = get_builder(name, data_dir)
        meta.update(builder.info.metadata or {})
        meta["description"] = f"user data {config_name!r} from {meta.get('positives')}"
    else:
        builder = tfds.builder(name, data_dir=str(default_data_dir(data_dir)))
        config = builder.builder_config
        meta["description"] = config.description
        if builder_name == "encode_tfbs":
            for key in ("experiment", "tf", "cell_line", "antibody", "lab", "deepbind_auroc", "deepbind_star_auroc"):
                meta[key] = getattr(config, key)
            meta["seq_len"] = DEFAULT_SEQ_LEN
        else:
            meta.update(_synthetic_metadata(config))
    if builder.is_prepared():
        meta["splits"] = {k: int(v.num_examples) for k, v in builder.info.splits.items()}
        stored = (builder.info.metadata or {}).get("seq_len")
        meta["seq_len"] = int(stored) if stored else _stored_seq_len(builder)
    meta.setdefault("seq_len", DEFAULT_SEQ_LEN)
    return meta


def _synthetic_metadata(config) -> dict:
    from deepmotif.datasets import jaspar

    motifs = jaspar.load_motifs(list(config.motifs) + list(config.decoys))
    return {
        "task": config.task,
        "seq_len": config.seq_len,
        "gc": config.gc,
        "num_train": config.num_train,
        "num_test": config.num_test,
        "spacing": list(config.spacing) if config.task == "grammar" else None,
        "jaspar_release": jaspar.release(),
        "motifs": [{"motif_id": m.matrix_id, "motif_name": m.name} for m in motifs[: len(config.motifs)]],
        "decoys": [{"motif_id": m.matrix_id, "motif_name": m.name} for m in motifs[len(config.motifs) :]],
    }


def _stored_seq_len(builder) -> int:
    split = next(iter(builder.info.splits.keys()))
    ds = builder.as_dataset(split=split, decoders=tfds.decode.PartialDecoding({"sequence": True}))
    for example in ds.take(1):
        return int(example["sequence"].shape[0])
    return DEFAULT_SEQ_LEN
