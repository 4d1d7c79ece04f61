"""Dataset names -> prepared TFDS builders -> `tf.data` pipelines and numpy arrays.

Names are TFDS names: `encode_tfbs/<experiment>`, `synthetic_tfbs/<config>`, `user_tfbs/<name>`.
`data_dir` defaults to TFDS's (`$TFDS_DATA_DIR` or `~/tensorflow_datasets`). A split is read once
into memory as uint8 tokens (101 bytes per 101-bp sequence; the last few splits read stay cached)
and `batches` gathers and one-hot encodes whole batches in the graph, so the input pipeline stays
far faster than any model trained on it (`python bench/run.py` measures both).
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from deepmotif.datasets.encode_tfbs import encode_tfbs_dataset_builder as encode
from deepmotif.datasets.encode_tfbs import files as encode_files
from deepmotif.core.errors import DatasetError, MissingFilesError, UnknownNameError
from deepmotif.core.sequences import DEFAULT_SEQ_LEN, one_hot_tensor
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


class _TfdsDtypeNotice(logging.Filter):
    """Drops TFDS's "`FeatureConnector.dtype` is deprecated" warning: TFDS's own `PartialDecoding`
    (which `read_split` uses) reads that field (tensorflow_datasets/core/decode/partial_decode.py),
    so the warning is about TFDS's code, not ours, and repeats for every split read."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "FeatureConnector.dtype` is deprecated" not in record.getMessage()


logging.getLogger("absl").addFilter(_TfdsDtypeNotice())


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
    """Every dataset name: the synthetic configs, the ENCODE experiments and prepared user datasets.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Where to look for prepared `user_tfbs` datasets; default `$TFDS_DATA_DIR`, else `~/tensorflow_datasets`.

    Returns
    -------
    list of str
        `synthetic_tfbs/<config>`, then `encode_tfbs/<experiment>`, then `user_tfbs/<name>`.
    """
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

    `user_kwargs` (the fields of `user_tfbs.UserConfig`: `peaks` and `genome`, or `positives`, and
    their settings) define a `user_tfbs` dataset; without them a user dataset must already be
    prepared in `data_dir`, and is read back from there.
    """
    builder, config = parse_name(name, data_dir)
    data_dir = str(default_data_dir(data_dir))
    if builder == "user_tfbs":
        given = sorted(k for k, v in user_kwargs.items() if v is not None)
        defined = user_kwargs.get("positives") or user_kwargs.get("peaks")
        if given and not defined:
            raise DatasetError(
                f"{', '.join(given)} given without peaks or positives (--peaks BED --genome FASTA, or --positives FASTA)"
            )
        if defined:
            return user.Builder(config=user.UserConfig(name=config, **user_kwargs), data_dir=data_dir)
        prepared = _user_version_dir(Path(data_dir) / builder / config)
        if prepared is None:
            raise MissingFilesError(
                f"user dataset {name!r} is not built in {data_dir}; build it first with "
                f"`deepmotif data build {name} --peaks PEAKS --genome GENOME.fa` or `--positives FILE.fa` "
                f"(or build_dataset(..., peaks=..., genome=...))",
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
    wanted, stored = config.recorded(), dict(builder.info.metadata or {})
    differ = user.changed_settings(config, stored)
    if differ:
        was = ", ".join(f"{k}={stored.get(k)}" for k in differ)
        now = ", ".join(f"{k}={wanted[k]}" for k in differ)
        raise DatasetError(
            f"{name} is already built with {was}; pass overwrite=True (--overwrite) to rebuild it with {now}"
        )


def build_dataset(name: str, manual_dir=None, data_dir=None, overwrite: bool = False, **user_kwargs):
    """Prepare a dataset in `data_dir` (a no-op when it is already prepared, unless `overwrite`).

    A failed build leaves nothing behind (TFDS writes to a temporary directory and renames it).

    Parameters
    ----------
    name : str
        `encode_tfbs/<experiment>`, `synthetic_tfbs/<config>` or `user_tfbs/<name>` (`list_datasets`).
    manual_dir : str or pathlib.Path, optional
        Where `encode_tfbs` looks for the ENCODE files (searched recursively); without it, it downloads them.
    data_dir : str or pathlib.Path, optional
        TFDS data directory; default `$TFDS_DATA_DIR`, else `~/tensorflow_datasets`.
    overwrite : bool, default False
        Rebuild even if prepared (a user dataset then needs its files again).
    **user_kwargs
        `user_tfbs` only: `positives` (FASTA or peaks), `negatives`, `test_positives`, `test_negatives`,
        `test_fraction`, `validation_fraction`, `seed` (see `deepmotif data build --help`); recorded in
        the dataset, so later loads need only its name.

    Returns
    -------
    tfds.core.DatasetBuilder
        The prepared builder.
    """
    builder = get_builder(name, data_dir, **user_kwargs)
    if builder.is_prepared() and (user_kwargs.get("positives") or user_kwargs.get("peaks")) and not overwrite:
        prepared = tfds.builder_from_directory(str(builder.data_dir))
        _check_same_sources(prepared, name, user_kwargs)
        return prepared
    if isinstance(builder, tfds.core.read_only_builder.ReadOnlyBuilder):
        if overwrite:
            raise DatasetError(f"rebuilding {name} needs its files again: pass peaks=/genome= (--peaks/--genome) or positives=")
        return builder
    if manual_dir and not Path(manual_dir).is_dir():
        # Else TFDS treats it as absent and `encode_tfbs` would start a 107 MB download instead.
        raise MissingFilesError(f"{name}: the manual_dir given does not exist", [manual_dir])
    if manual_dir and isinstance(builder, encode.Builder) and not encode_files.has_any_file(manual_dir):
        # TFDS treats an empty manual_dir as absent too: a typo'd or unmounted folder must not download.
        config = builder.builder_config
        raise MissingFilesError(
            f"{name}: the manual_dir given ({manual_dir}) holds no files; put the experiment's files there, "
            "or leave manual_dir out to download the DeMo archive",
            encode_files.locate([manual_dir], config.experiment, config.name).searched,
        )
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
    expected = builder.info.splits[split].num_examples
    columns: dict[str, list] = {k: [] for k in keys}
    try:
        ds = builder.as_dataset(split=split, shuffle_files=False, decoders=tfds.decode.PartialDecoding(wanted))
        for batch in ds.ragged_batch(8192).prefetch(2):
            for key in keys:
                columns[key].append(batch[key])
    except (tf.errors.DataLossError, tf.errors.NotFoundError, tf.errors.InvalidArgumentError,
            tf.errors.FailedPreconditionError) as e:  # truncated, missing, garbled, or too few records
        raise _damaged(builder, name, split, e.message.split(" [Op:")[0].split("}} ")[-1]) from e
    if not columns[keys[0]]:
        raise DatasetError(f"dataset {name!r} split {split!r} holds no examples")
    arrays = {("tokens" if k == "sequence" else k): _to_numpy(k, v) for k, v in columns.items()}
    got = len(arrays["tokens" if keys[0] == "sequence" else keys[0]])
    if got != expected:  # a shard cut at a record boundary reads cleanly, only shorter
        raise _damaged(builder, name, split, f"read {got} examples, dataset_info.json records {expected}")
    return arrays


def _damaged(builder, name: str, split: str, problem: str) -> DatasetError:
    """The error for prepared files that no longer read back whole (a truncated or missing shard)."""
    return DatasetError(
        f"dataset {name!r} split {split!r}: the prepared files in {builder.data_dir} are damaged ({problem}). "
        f"Rebuild it: `deepmotif data build {name} --overwrite` (or delete that folder and run again)."
    )


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
    """One split as numpy arrays, in stored order (the same in every call): for evaluation and interpretation.

    Parameters
    ----------
    name : str
        A dataset name (`list_datasets`).
    split : str
        `train`, `validation` or `test`.
    manual_dir : str or pathlib.Path, optional
        Raw files of manual-download datasets (`encode_tfbs`), used if it must be built.
    data_dir : str or pathlib.Path, optional
        TFDS data directory; default `$TFDS_DATA_DIR`, else `~/tensorflow_datasets`.

    Returns
    -------
    dict
        `tokens (n, L)` uint8, `label (n,)` int64, `id (n,)` str, `is_shuffled (n,)` bool;
        `synthetic_tfbs` adds `arrangement (n,)` str and `motifs`: a list of n lists of
        `{motif_id, motif_name, strand (+1/-1), start, end (0-based, exclusive), role}`.
    """
    builder = prepared_builder(name, manual_dir, data_dir)
    keys = ("sequence", "label", "id", "is_shuffled")
    if "motifs" in builder.info.features:
        keys += ("arrangement", "motifs")
    return read_split(builder, name, split, keys)


def reverse_complement_one_hot(x: tf.Tensor) -> tf.Tensor:
    """Reverse complement of `(b, L, 4)` ACGT one-hot: reverse positions and channels (A<->T, C<->G)."""
    return tf.reverse(x, axis=[-2, -1])


def _encoder(reverse_complement, seed: int):
    if reverse_complement not in REVERSE_COMPLEMENT_MODES:
        raise UnknownNameError("reverse_complement mode", str(reverse_complement), map(str, REVERSE_COMPLEMENT_MODES))

    def encode(index, tokens, labels):
        x = one_hot_tensor(tokens)
        if reverse_complement == "both":
            return tf.concat([x, reverse_complement_one_hot(x)], 0), tf.concat([labels, labels], 0)
        if reverse_complement:  # True or "random"
            flip = tf.random.stateless_uniform(tf.shape(labels), seed=tf.stack([tf.cast(seed, tf.int64), index]))
            x = tf.where((flip < 0.5)[:, None, None], reverse_complement_one_hot(x), x)
        return x, labels

    return encode


def row_source(tokens, labels):
    """`(n, rows_to_batch)`: a graph function `rows (b,) int64 -> (tokens (b, L) uint8, labels (b,) float32)`
    that gathers rows from the numpy arrays while the pipeline runs.

    The arrays are never copied into the graph (a `tf.constant` of them cost a second copy of the
    split), so a split costs its own token bytes (101 per 101-bp window) and nothing more; tokens
    memory-mapped with `np.load(path, mmap_mode="r")` cost only the pages a batch touches.
    """
    tokens = tokens if isinstance(tokens, np.ndarray) and tokens.dtype == np.uint8 else np.asarray(tokens, np.uint8)
    labels = np.asarray(labels, np.float32)
    if tokens.ndim != 2 or labels.shape != tokens.shape[:1]:
        raise DatasetError(f"expected tokens (n, L) and labels (n,), got shapes {tokens.shape} and {labels.shape}")
    length = int(tokens.shape[1])

    def gather(rows):
        return tokens[rows], labels[rows]

    def rows_to_batch(rows):
        batch, y = tf.numpy_function(gather, [rows], (tf.uint8, tf.float32), stateful=False, name="gather_rows")
        batch.set_shape([None, length])
        y.set_shape([None])
        return batch, y

    return int(tokens.shape[0]), rows_to_batch


def batches(tokens, labels, batch_size: int = 256, reverse_complement=False, shuffle: bool = False,
            seed: int = 0) -> tf.data.Dataset:
    """In-memory sequences as batches for Keras: what `load` streams, for any subset you hold.

    Only batches of row indices flow through tf.data; each batch's rows are gathered from the arrays
    (in memory or memory-mapped, see `row_source`) and one-hot encoded by a few graph ops, never per
    example. With `shuffle`, every epoch visits the rows in a new seeded permutation computed batch
    by batch (`tf.random.experimental.index_shuffle`), so no shuffle buffer of `n` indices is held.

    Parameters
    ----------
    tokens : numpy.ndarray, shape (n, L), uint8
        A0 C1 G2 T3 N4 (`tokenize`).
    labels : numpy.ndarray, shape (n,)
        0 (unbound) or 1 (bound); cast to float32.
    batch_size : int, default 256
        Sequences per batch; the last batch holds the remainder.
    reverse_complement : {False, True, "random", "both"}, default False
        True or "random": each sequence replaced by its reverse complement with probability 1/2
        (seeded); "both": each batch followed by its reverse complements (batches of 2b).
    shuffle : bool, default False
        A new seeded order every epoch.
    seed : int, default 0

    Returns
    -------
    tf.data.Dataset
        Of `(one_hot (b, L, 4) float32, label (b,) float32)`.
    """
    if batch_size < 1:
        raise DatasetError(f"batch_size must be at least 1, got {batch_size}")
    encode = _encoder(reverse_complement, seed)
    n, rows_to_batch = row_source(tokens, labels)
    index = tf.data.Dataset.range(n).batch(batch_size)
    if shuffle:
        last = tf.constant(max(n - 1, 0), tf.int64)
        ordered = index

        def permuted(epoch_seed):
            key = tf.stack([tf.constant(int(seed), tf.int64), epoch_seed])

            def shuffle_rows(rows):
                return tf.random.experimental.index_shuffle(rows, key, last)

            return ordered.map(shuffle_rows)

        # One fresh random key per pass over the data (seeded by `seed`), so every epoch differs.
        index = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(1).flat_map(permuted)

    def gather_and_encode(i, rows):
        return encode(i, *rows_to_batch(rows))

    ds = index.enumerate().map(gather_and_encode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def epoch_batches(tokens, labels, batch_size: int = 256, *, epochs: int, start_epoch: int = 0, seed: int = 0,
                  reverse_complement=False) -> tf.data.Dataset:
    """Training batches of epochs `start_epoch .. epochs - 1`, back to back, for Keras `fit` with
    `steps_per_epoch=ceil(n / batch_size)`.

    Parameters
    ----------
    tokens : (n, L) uint8
        Token array (A0 C1 G2 T3 N4).
    labels : (n,)
        Labels, cast to float32.
    batch_size : int, default 256
        The last batch of each epoch holds the remainder.
    epochs : int
        Number of epochs of the whole run.
    start_epoch : int, default 0
        First epoch to yield (a run resumed at epoch `e` passes `e`).
    seed : int, default 0
    reverse_complement : False, True, "random" or "both"
        As in `batches`.

    Returns
    -------
    tf.data.Dataset of `(one_hot (b, L, 4) float32, label (b,) float32)`, `(epochs - start_epoch) *
    ceil(n / batch_size)` batches. Epoch `e` visits the examples in the order
    `stateless_shuffle(range(n), seed=(seed, e))` and draws its random reverse complements from
    `(seed, e * steps + batch)`: every batch is a pure function of `(seed, e)`, so a resumed run sees
    exactly the batches an uninterrupted one sees (a stateful `shuffle(reshuffle_each_iteration=True)`
    would start again from its first order).
    """
    if batch_size < 1:
        raise DatasetError(f"batch_size must be at least 1, got {batch_size}")
    encode = _encoder(reverse_complement, seed)
    n, rows_to_batch = row_source(tokens, labels)  # rows streamed from the arrays, never a graph copy
    steps = -(-n // batch_size)
    seed_t = tf.constant(int(seed), tf.int64)

    def one_epoch(epoch):
        order = tf.random.experimental.stateless_shuffle(tf.range(n, dtype=tf.int64), seed=tf.stack([seed_t, epoch]))
        rows = tf.data.Dataset.from_tensor_slices(order).batch(batch_size).enumerate()
        return rows.map(lambda i, r: (epoch * steps + i, r))

    start_epoch = max(0, int(start_epoch))
    count = max(0, int(epochs) - start_epoch) * steps
    ds = tf.data.Dataset.range(start_epoch, max(start_epoch, int(epochs))).flat_map(one_epoch)
    ds = ds.map(
        lambda i, rows: encode(i, *rows_to_batch(rows)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return ds.apply(tf.data.experimental.assert_cardinality(count)).prefetch(tf.data.AUTOTUNE)


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
    """A dataset split as batches for Keras, built first if needed.

    Parameters
    ----------
    name : str
        A dataset name (`list_datasets`), e.g. `synthetic_tfbs/gata1` or `encode_tfbs/<experiment>`.
    split : str
        `train`, `validation` or `test` (TFDS slicing such as `train[:10%]` works).
    batch_size : int, default 256
    reverse_complement : {False, True, "random", "both"}, default False
        True or "random": each sequence reverse-complemented with probability 1/2 (seeded);
        "both": each batch followed by its reverse complements (batches of 2b).
    manual_dir : str or pathlib.Path, optional
        Raw files of manual-download datasets (`encode_tfbs`), used if it must be built.
    data_dir : str or pathlib.Path, optional
        TFDS data directory; default `$TFDS_DATA_DIR`, else `~/tensorflow_datasets`.
    shuffle : bool, optional
        Default True for `train` (reshuffled every epoch, seeded by `seed`), else stored order.
    seed : int, default 0

    Returns
    -------
    tf.data.Dataset
        Of `(one_hot (b, L, 4) float32, label (b,) float32)`.
    """
    _encoder(reverse_complement, seed)  # check the arguments before building anything
    if batch_size < 1:
        raise DatasetError(f"batch_size must be at least 1, got {batch_size}")
    arrays = read_split(prepared_builder(name, manual_dir, data_dir), name, split)
    if shuffle is None:
        shuffle = split.split("[")[0] == "train"
    return batches(arrays["tokens"], arrays["label"], batch_size, reverse_complement, shuffle, seed)


def dataset_metadata(name: str, data_dir=None) -> dict:
    """What is known about a dataset without reading its examples.

    Parameters
    ----------
    name : str
        A dataset name (`list_datasets`).
    data_dir : str or pathlib.Path, optional
        TFDS data directory; default `$TFDS_DATA_DIR`, else `~/tensorflow_datasets`.

    Returns
    -------
    dict
        All: `name`, `builder`, `config`, `description`, `seq_len`, and `splits` (`{split: n}`) once
        prepared in `data_dir`. `encode_tfbs` adds `experiment`, `tf`, `cell_line`, `antibody`, `lab`,
        `deepbind_auroc`, `deepbind_star_auroc` and, once built, `train_file`, `test_file` and `test_set` (which
        published test set: DeepBind `_B` or DeMo `test.fa`); `synthetic_tfbs` its generation settings and `motifs`
        (`[{motif_id, motif_name}]`, targets first); `user_tfbs` its source files and settings and, once
        built, `build_report` (peaks left out and why, chromosomes and counts per split). `assembly`: the
        genome build the sequences come from (None for synthetic data and FASTA without --assembly).
    """
    builder_name, config_name = parse_name(name, data_dir)
    meta = {"name": name, "builder": builder_name, "config": config_name}
    if builder_name == "user_tfbs":
        builder = get_builder(name, data_dir)
        meta.update(builder.info.metadata or {})
        meta["description"] = f"user data {config_name!r} from {meta.get('peaks') or meta.get('positives')}"
    else:
        builder = tfds.builder(name, data_dir=str(default_data_dir(data_dir)))
        config = builder.builder_config
        meta["description"] = config.description
        if builder_name == "encode_tfbs":
            for key in ("experiment", "tf", "cell_line", "antibody", "lab", "deepbind_auroc", "deepbind_star_auroc"):
                meta[key] = getattr(config, key)
            meta["seq_len"] = DEFAULT_SEQ_LEN
            meta["assembly"] = "hg19"  # DeepBind's ENCODE 2012 uniform TFBS peaks
        else:
            meta.update(_synthetic_metadata(config))
    if builder.is_prepared():
        meta["splits"] = {k: int(v.num_examples) for k, v in builder.info.splits.items()}
        stored = (builder.info.metadata or {}).get("seq_len")
        meta["seq_len"] = int(stored) if stored else _stored_seq_len(builder)
        for key in ("train_file", "test_file", "test_set"):  # encode_tfbs: the files it was built from
            if (builder.info.metadata or {}).get(key):
                meta[key] = str(builder.info.metadata[key])
    meta.setdefault("seq_len", DEFAULT_SEQ_LEN)
    meta.setdefault("assembly", None)
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
