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

from deepmotif.core.sequences import one_hot_strings
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
        for extra in (warmup.WARMUP_FILE, model_card.CARD_FILE, "model.keras"):
            assert (d / "assets.extra" / extra).is_file()
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


def test_saved_model_cli_lists_both_signatures(exported):
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
    assert "inputs['sequences']" in sigs["predict_sequences"]
    assert "dtype: DT_STRING\n        shape: (-1)" in sigs["predict_sequences"]
    for name in ("serving_default", "predict_sequences"):
        assert "outputs['probability']" in sigs[name]
        assert "dtype: DT_FLOAT\n        shape: (-1, 1)" in sigs[name]
        assert "tensorflow/serving/predict" in sigs[name]


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
        out[name] = {
            "serving_default": m.signatures["serving_default"](one_hot=tf.constant(one_hot))["probability"].numpy().tolist(),
            "predict_sequences": m.signatures["predict_sequences"](sequences=tf.constant(args["strings"]))["probability"].numpy().tolist(),
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
    """A fresh process that imports only tensorflow serves both signatures like Keras does."""
    _, models, dirs = exported
    seqs, _ = planted_data(40, seed=3)
    strings = [s.lower() if i % 3 == 0 else s for i, s in enumerate(seqs)]
    strings[1] = "N" * 5 + strings[1][5:]
    one_hot = one_hot_strings(strings)
    np.save(tmp_path / "x.npy", one_hot)
    bad = [["ACGT"], [seqs[0][:-1] + "X"], [seqs[0], seqs[0] + "A"]]
    args = {"dirs": {k: str(v) for k, v in dirs.items()}, "one_hot": str(tmp_path / "x.npy"), "strings": strings,
            "bad": bad, "out": str(tmp_path / "out.json")}
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
        length_error, char_error, mixed_error = out[name]["errors"]
        assert "exactly 24 characters" in length_error and "[4]" in length_error
        assert "only the characters A, C, G, T, N" in char_error and "X" in char_error
        assert "exactly 24 characters" in mixed_error and "[25]" in mixed_error


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
    assert [log.predict_log.request.model_spec.signature_name for log in logs] == ["serving_default", "predict_sequences"]
    assert all(log.predict_log.request.model_spec.name == "tiny_cnn" for log in logs)
    one_hot = tf.make_ndarray(logs[0].predict_log.request.inputs["one_hot"])
    strings = [s.decode() for s in tf.make_ndarray(logs[1].predict_log.request.inputs["sequences"])]
    assert one_hot.shape == (4, 24, 4) and len(strings) == 4
    np.testing.assert_array_equal(one_hot, one_hot_strings(strings))
    loaded = tf.saved_model.load(str(dirs["tiny_cnn"]))
    got = loaded.signatures["predict_sequences"](sequences=tf.constant(strings))["probability"].numpy()
    np.testing.assert_allclose(got, models["tiny_cnn"].predict(one_hot, verbose=0), atol=1e-5)


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
                        lambda name: {"deepbind_auroc": 0.954, "deepbind_star_auroc": 0.96, "tf": "GATA1"})
    d = export(run, "gata1.cnn", base_dir=tmp_path / "em")
    card = model_card.read_card(d)
    assert card["name"] == "gata1.cnn" and card["version"] == 1 and card["architecture"] == "cnn"
    assert card["seq_len"] == 24 and card["alphabet"] == "ACGT"
    assert card["metrics"] == {"test": {"auroc": 0.91, "auprc": 0.9, "n": 1000}, "deepbind_auroc": 0.954,
                               "deepbind_star_auroc": 0.96}
    assert card["training"]["command"] == config["command"]
    assert card["training"]["dataset"] == config["dataset"] and "ENCODE" in card["training"]["provenance"]
    assert "Lanchantin" in card["citation"] and card["license"]
    # the copied .keras carries no optimizer state (kept small for the repo)
    import zipfile

    assert not any("optimizer" in n for n in zipfile.ZipFile(d / "assets.extra" / "model.keras").namelist())


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
                              f"assets.extra/{warmup.WARMUP_FILE}", "assets.extra/model.keras"]
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
