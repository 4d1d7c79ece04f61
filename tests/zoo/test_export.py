"""Export to TF Serving's layout: signatures, tensorflow-only reload, warmup, card, atomicity."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from deepmotif.core.sequences import one_hot_strings, reverse_complement_tokens, tokenize, detokenize
from deepmotif.zoo.scanning import scan
from deepmotif.zoo import model_card, serving_config, warmup
from deepmotif.zoo.architectures import build
from deepmotif.zoo.saved_models import ExportError, encode_strings, export, export_model, versions
from deepmotif.zoo.registry import ModelNameError

SEQ_LEN = 24


def planted_data(n: int, seq_len: int = SEQ_LEN, seed: int = 0):
    """Random ACGT strings; the bound half carries GATAAG at a random place."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for i in range(n):
        s = list(rng.choice(list("ACGT"), size=seq_len))
        if i % 2:
            at = rng.integers(0, seq_len - 6)
            s[at : at + 6] = "GATAAG"
        seqs.append("".join(s))
        labels.append(i % 2)
    return seqs, np.array(labels, np.float32)


def tiny_trained(arch: str, **overrides):
    import keras

    keras.utils.set_random_seed(0)
    small = {"cnn": dict(filters=[8, 8, 8], kernel_sizes=[5, 3, 3]), "cnn_rnn": dict(filters=[8], lstm_units=4)}
    model = build(arch, seq_len=SEQ_LEN, **{**small.get(arch, {}), **overrides})
    model.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy")
    seqs, y = planted_data(256)
    model.fit(one_hot_strings(seqs), y, batch_size=32, epochs=2, verbose=0)
    return model


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Two real trained models exported into one base path: a CNN and a reverse-complement CNN-RNN."""
    base = tmp_path_factory.mktemp("exported_models")
    models = {"tiny_cnn": tiny_trained("cnn"), "tiny_cnn_rnn": tiny_trained("cnn_rnn", reverse_complement=True)}
    card = {"architecture": "test", "training": {"dataset": "planted GATAAG", "command": "pytest"}}
    dirs = {name: export_model(m, name, base_dir=base, card=card) for name, m in models.items()}
    return base, models, dirs


def test_layout_versions_and_models_config(exported, tmp_path):
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    base, models, dirs = exported
    for name, d in dirs.items():
        assert d == base / name / "1"
        assert (d / "saved_model.pb").is_file()
        assert (d / "variables" / "variables.index").is_file()
        for extra in (warmup.WARMUP_FILE, model_card.CARD_FILE, "keras_model.json"):
            assert (d / "assets.extra" / extra).is_file()
        assert not (d / "assets.extra" / "model.keras").exists(), "weights stored twice"
    assert not [p for p in base.rglob("*") if p.name.startswith(".")], "temporary directories left behind"

    config = text_format.Parse((base / "models.config").read_text(), model_server_config_pb2.ModelServerConfig())
    served = {c.name: c.base_path for c in config.model_config_list.config}
    assert served == {"tiny_cnn": "/models/tiny_cnn", "tiny_cnn_rnn": "/models/tiny_cnn_rnn"}

    # the next export of the same name becomes version 2; an existing version is refused
    own = tmp_path / "em"
    assert export_model(models["tiny_cnn"], "m", base_dir=own).name == "1"
    assert export_model(models["tiny_cnn"], "m", base_dir=own).name == "2"
    assert versions(own / "m") == [1, 2]
    with pytest.raises(ExportError, match="already exists"):
        export_model(models["tiny_cnn"], "m", version=2, base_dir=own)


@pytest.mark.parametrize("bad", ["../evil", "a/b", "..", ".hidden", "", "a\\b"])
def test_bad_names_are_refused(exported, tmp_path, bad):
    _, models, _ = exported
    with pytest.raises(ModelNameError):
        export_model(models["tiny_cnn"], bad, base_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_saved_model_cli_lists_the_signatures(exported):
    _, _, dirs = exported
    out = subprocess.run(
        [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "show", "--all", "--dir", str(dirs["tiny_cnn"])],
        capture_output=True, text=True, check=True,
    ).stdout
    sigs = {}
    for block in out.split("signature_def[")[1:]:
        sigs[block.split("]")[0].strip("'")] = block
    assert "inputs['one_hot']" in sigs["serving_default"]
    assert "dtype: DT_FLOAT\n        shape: (-1, 24, 4)" in sigs["serving_default"]
    for name in ("predict_sequences", "scan_sequences"):
        assert "inputs['sequences']" in sigs[name]
        assert "dtype: DT_STRING\n        shape: (-1)" in sigs[name]
    for name in ("serving_default", "predict_sequences"):
        assert "outputs['probability']" in sigs[name]
        assert "dtype: DT_FLOAT\n        shape: (-1, 1)" in sigs[name]
    assert "outputs['position']" in sigs["predict_sequences"] and "DT_INT64" in sigs["predict_sequences"]
    assert "outputs['probability']" in sigs["scan_sequences"] and "shape: (-1, -1)" in sigs["scan_sequences"]
    assert "outputs['windows']" in sigs["scan_sequences"]
    served = ("serving_default", "predict_sequences", "scan_sequences", "predict_logits")
    assert all("tensorflow/serving/predict" in sigs[name] for name in served)


TF_ONLY_SCRIPT = textwrap.dedent(
    """
    import json, sys
    for blocked in ("keras", "tf_keras", "deepmotif"):
        sys.modules[blocked] = None  # any import of these now fails: serving needs TensorFlow alone
    import numpy as np
    import tensorflow as tf
    args = json.load(open(sys.argv[1]))
    out = {}
    for name, d in args["dirs"].items():
        m = tf.saved_model.load(d)
        one_hot = np.load(args["one_hot"])
        strings = lambda key: tf.constant(args[key], dtype=tf.string)
        best = m.signatures["predict_sequences"](sequences=strings("long"))
        track = m.signatures["scan_sequences"](sequences=strings("long"))
        out[name] = {
            "serving_default": m.signatures["serving_default"](one_hot=tf.constant(one_hot))["probability"].numpy().tolist(),
            "predict_sequences": m.signatures["predict_sequences"](sequences=strings("strings"))["probability"].numpy().tolist(),
            "best": best["probability"].numpy().tolist(), "position": best["position"].numpy().tolist(),
            "track": track["probability"].numpy().tolist(), "windows": track["windows"].numpy().tolist(),
            "reverse_best": m.signatures["predict_sequences"](sequences=strings("reverse"))["probability"].numpy().tolist(),
            "empty": {sig: {k: list(v.shape) for k, v in m.signatures[sig](**{key: value}).items()}
                      for sig, key, value in [("serving_default", "one_hot", tf.zeros([0, one_hot.shape[1], 4])),
                                              ("predict_sequences", "sequences", strings("empty")),
                                              ("scan_sequences", "sequences", strings("empty"))]},
            "errors": [],
        }
        for bad in args["bad"]:
            try:
                m.signatures["predict_sequences"](sequences=tf.constant(bad))
                out[name]["errors"].append(None)
            except tf.errors.InvalidArgumentError as e:
                out[name]["errors"].append(e.message)
    out["modules"] = sorted(m for m in sys.modules if m.split(".")[0] in ("keras", "deepmotif") and sys.modules[m])
    json.dump(out, open(args["out"], "w"))
    """
)


def test_tensorflow_only_process_reproduces_keras(exported, tmp_path):
    """A fresh process that imports only tensorflow serves every signature like Keras and `zoo.scan`:
    windows, the best window of longer strings, the per-window track, empty batches."""
    _, models, dirs = exported
    seqs, _ = planted_data(40, seed=3)
    strings = [s.lower() if i % 3 == 0 else s for i, s in enumerate(seqs)]
    strings[1] = "N" * 5 + strings[1][5:]
    one_hot = one_hot_strings(strings)
    np.save(tmp_path / "x.npy", one_hot)
    bad = [["ACGT"], [seqs[0][:-1] + "X"], [seqs[0], seqs[0][:-1]]]
    rng = np.random.default_rng(7)
    long = ["".join(rng.choice(list("ACGT"), size=n)) for n in (24, 90, 57, 200)]
    long[1] = long[1][:40] + "GATAAG" + long[1][46:]
    long[2] = long[2].lower()
    reverse = [detokenize(reverse_complement_tokens(tokenize(s.upper()))) for s in long]
    args = {"dirs": {k: str(v) for k, v in dirs.items()}, "one_hot": str(tmp_path / "x.npy"), "strings": strings,
            "long": long, "reverse": reverse, "empty": [], "bad": bad, "out": str(tmp_path / "out.json")}
    (tmp_path / "args.json").write_text(json.dumps(args))
    (tmp_path / "tf_only.py").write_text(TF_ONLY_SCRIPT)
    subprocess.run([sys.executable, str(tmp_path / "tf_only.py"), str(tmp_path / "args.json")], check=True,
                   cwd=tmp_path, capture_output=True)
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["modules"] == [], f"the serving process imported {out['modules']}"
    for name, model in models.items():
        expected = model.predict(one_hot, verbose=0)
        assert expected.std() > 1e-3  # a trained model, not a constant
        np.testing.assert_allclose(out[name]["serving_default"], expected, atol=1e-5)
        np.testing.assert_allclose(out[name]["predict_sequences"], expected, atol=1e-5)
        # longer strings: the track is zoo.scan's, padded; the best window is its maximum
        tracks = scan(model, long)
        assert out[name]["windows"] == [len(t) for t in tracks] == [1, 67, 34, 177]
        padded = np.asarray(out[name]["track"])
        assert padded.shape == (4, 177)
        for row, t in zip(padded, tracks):
            np.testing.assert_allclose(row[:len(t)], t, atol=1e-5)
            assert not row[len(t):].any()
        np.testing.assert_allclose(np.ravel(out[name]["best"]), [t.max() for t in tracks], atol=1e-5)
        assert out[name]["position"] == [int(t.argmax()) for t in tracks]
        assert out[name]["empty"] == {"serving_default": {"probability": [0, 1]},
                                      "predict_sequences": {"probability": [0, 1], "position": [0]},
                                      "scan_sequences": {"probability": [0, 1], "windows": [0]}}
        length_error, char_error, short_error = out[name]["errors"]
        assert "at least 24 characters" in length_error and "[4]" in length_error
        assert "only the characters A, C, G, T, N" in char_error and "X" in char_error
        assert "at least 24 characters" in short_error and "[23]" in short_error
    # strand averaging survives export: a string and its reverse complement score the same
    np.testing.assert_allclose(out["tiny_cnn_rnn"]["reverse_best"], out["tiny_cnn_rnn"]["best"], atol=1e-5)
    assert not np.allclose(out["tiny_cnn"]["reverse_best"], out["tiny_cnn"]["best"], atol=1e-4)


def test_in_graph_encoding_matches_numpy():
    import tensorflow as tf

    seqs = ["ACGTN" * 4 + "acgt", "nnnnGATAAGgataagACGTACGT"]
    np.testing.assert_array_equal(
        encode_strings(tf.constant(seqs), 24).numpy(), one_hot_strings([s.upper() for s in seqs])
    )


def test_warmup_records_parse_and_run(exported):
    import tensorflow as tf

    _, models, dirs = exported
    logs = warmup.read_warmup_requests(dirs["tiny_cnn"] / "assets.extra" / warmup.WARMUP_FILE)
    names = [log.predict_log.request.model_spec.signature_name for log in logs]
    assert names == ["serving_default", "predict_sequences", "scan_sequences", "predict_logits"]
    assert all(log.predict_log.request.model_spec.name == "tiny_cnn" for log in logs)
    loaded = tf.saved_model.load(str(dirs["tiny_cnn"]))
    assert set(names) == set(loaded.signatures)  # every signature is warmed up
    one_hot = tf.make_ndarray(logs[0].predict_log.request.inputs["one_hot"])
    strings = [s.decode() for s in tf.make_ndarray(logs[1].predict_log.request.inputs["sequences"])]
    assert one_hot.shape == (4, 24, 4) and [len(s) for s in strings] == [24, 24, 24, 24 + warmup.LONGER_BY]
    np.testing.assert_array_equal(one_hot, one_hot_strings([s[:24] for s in strings]))
    np.testing.assert_array_equal(tf.make_ndarray(logs[3].predict_log.request.inputs["one_hot"]), one_hot)
    for log in logs:  # each replays without error, as TF Serving does on load
        request = log.predict_log.request
        loaded.signatures[request.model_spec.signature_name](
            **{k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()})
    got = loaded.signatures["predict_sequences"](sequences=tf.constant(strings[:3]))["probability"].numpy()
    np.testing.assert_allclose(got, models["tiny_cnn"].predict(one_hot[:3], verbose=0), atol=1e-5)


def test_export_run_dir_writes_card(exported, tmp_path, monkeypatch):
    _, models, _ = exported
    run = tmp_path / "run"
    run.mkdir()
    models["tiny_cnn"].save(run / "model.keras")
    config = {"dataset": "encode_tfbs/GATA1_K562_GATA-1_USC", "arch": "cnn", "epochs": 2, "seed": 0,
              "command": "deepmotif train --arch cnn --dataset encode_tfbs/GATA1_K562_GATA-1_USC --out run"}
    (run / "config.json").write_text(json.dumps(config))
    (run / "metrics.json").write_text(json.dumps({"test": {"auroc": 0.91, "auprc": 0.9, "n": 1000}}))
    monkeypatch.setattr(model_card, "_dataset_metadata",
                        lambda name, data_dir=None: {"deepbind_auroc": 0.954, "deepbind_star_auroc": 0.96, "tf": "GATA1"})
    d = export(run, "gata1.cnn", base_dir=tmp_path / "em")
    card = model_card.read_card(d)
    assert card["name"] == "gata1.cnn" and card["version"] == 1 and card["architecture"] == "cnn"
    assert card["seq_len"] == 24 and card["alphabet"] == "ACGT"
    assert card["metrics"] == {"test": {"auroc": 0.91, "auprc": 0.9, "n": 1000}, "deepbind_auroc": 0.954,
                               "deepbind_star_auroc": 0.96}
    assert card["training"]["command"] == config["command"]
    assert card["training"]["dataset"] == config["dataset"] and "ENCODE" in card["training"]["provenance"]
    assert "Lanchantin" in card["citation"] and card["license"]
    # assets.extra holds the architecture only: no optimizer state, no second copy of the weights
    assert not [p.name for p in (d / "assets.extra").iterdir() if p.suffix in (".keras", ".h5")]


def test_export_is_atomic_for_a_polling_reader(exported, tmp_path, monkeypatch):
    """A reader polling like TF Serving never sees an incomplete all-digit version directory;
    a failing export leaves earlier versions and models.config untouched."""
    _, models, _ = exported
    base = tmp_path / "em"
    export_model(models["tiny_cnn"], "m", base_dir=base)
    config_before = (base / "models.config").read_text()
    seen, incomplete, stop = set(), [], threading.Event()

    def poll():
        while not stop.is_set():
            for d in (base / "m").iterdir() if (base / "m").is_dir() else []:
                if d.name.isdigit():
                    seen.add(d.name)
                    needed = ["saved_model.pb", "variables/variables.index", "assets.extra/model_card.json",
                              f"assets.extra/{warmup.WARMUP_FILE}", "assets.extra/keras_model.json"]
                    if not all((d / n).exists() for n in needed):
                        incomplete.append(d.name)
            time.sleep(0.002)

    reader = threading.Thread(target=poll)
    reader.start()
    try:
        export_model(models["tiny_cnn"], "m", base_dir=base)

        def fail(*a, **k):
            raise RuntimeError("disk full")

        monkeypatch.setattr(warmup, "write_warmup_requests", fail)
        with pytest.raises(RuntimeError, match="disk full"):
            export_model(models["tiny_cnn"], "m", base_dir=base)
    finally:
        stop.set()
        reader.join()
    assert seen == {"1", "2"} and incomplete == []
    assert sorted(p.name for p in (base / "m").iterdir()) == ["1", "2"]  # no half-written 3, no temp dir
    assert (base / "models.config").read_text() == config_before
    assert serving_config.served_models(base) == ["m"]


def test_cnn_batches_larger_than_the_serving_chunk_score_as_keras(exported):
    """`serving_default` scores a CNN's large batch in chunks (for cache, bench/optimization_log.md):
    sizes on both sides of the chunk give the Keras model's scores, in order."""
    import tensorflow as tf

    from deepmotif.zoo.saved_models import serving_chunk

    _, models, dirs = exported
    assert serving_chunk(models["tiny_cnn"]) == 256 and serving_chunk(models["tiny_cnn_rnn"]) is None
    signature = tf.saved_model.load(str(dirs["tiny_cnn"])).signatures["serving_default"]
    seqs, _ = planted_data(600, seed=3)
    x = one_hot_strings(seqs).astype(np.float32)
    for n in (1, 256, 257, 600):
        got = signature(one_hot=tf.constant(x[:n]))["probability"].numpy()
        want = models["tiny_cnn"].predict(x[:n], batch_size=1024, verbose=0)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)  # equal here; oneDNN may round per batch size
