"""Registry: resolution order, sha256-verified pulls from a 127.0.0.1 server, and bad input."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import numpy as np
import pytest

from deepmotif.core.errors import UnknownNameError
from deepmotif.zoo import registry
from deepmotif.zoo.architectures import build
from deepmotif.zoo.saved_models import export_model
from deepmotif.zoo.publish import manifest_entry
from deepmotif.zoo.registry import CacheError, ChecksumError, DownloadError, ModelNameError, OfflineError

NAME = "tiny_gata.cnn"


class ArtifactHandler(http.server.BaseHTTPRequestHandler):
    """`/good/F` serves F; `/tampered/F` F with one byte flipped; `/truncated/F` half of F under
    F's full Content-Length; `/short/F` half of F with no Content-Length."""

    root: Path

    def do_GET(self):  # noqa: N802  (http.server's naming)
        mode, _, name = self.path.strip("/").partition("/")
        path = self.root / name
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        if mode == "tampered":
            data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
        self.send_response(200)
        if mode != "short":
            self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data[: len(data) // 2] if mode in ("truncated", "short") else data)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A tiny trained model, exported and packed like a release, plus its manifest."""
    import keras

    keras.utils.set_random_seed(0)
    root = tmp_path_factory.mktemp("release")
    model = build("cnn", seq_len=20, filters=[4, 4, 4], kernel_sizes=[3, 3, 3])
    model.compile("adam", "binary_crossentropy")
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype="float32")[rng.integers(0, 4, (64, 20))]
    model.fit(x, rng.integers(0, 2, 64).astype("float32"), epochs=1, verbose=0)
    hp = {"arch": "cnn", "seq_len": 20, "filters": [4, 4, 4], "kernel_sizes": [3, 3, 3]}
    version_dir = export_model(model, NAME, base_dir=root / "exported_models",
                               card={"architecture": "cnn", "hyperparameters": hp})
    entry = manifest_entry(version_dir, root / "dist")
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps({"release_url": "http://unused.invalid", "models": [entry]}))

    handler = type("Handler", (ArtifactHandler,), {"root": root / "dist"})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"model": model, "x": x, "entry": entry, "manifest": manifest, "root": root,
           "version_dir": version_dir, "url": f"http://127.0.0.1:{server.server_address[1]}"}
    server.shutdown()
    server.server_close()


@pytest.fixture
def env(published, tmp_path, monkeypatch):
    """Isolated registry: our manifest, an empty local exported_models, a fresh cache."""
    monkeypatch.setenv("DEEPMOTIF_MANIFEST", str(published["manifest"]))
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(tmp_path / "no_local_models"))
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DEEPMOTIF_MODELS_URL", published["url"] + "/good")
    return tmp_path / "cache"


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_pull_downloads_verifies_and_loads(published, env):
    assert [r["location"] for r in registry.list_models()] == ["remote"]
    paths = registry.pull(NAME)
    assert paths["keras"] == env / "keras" / NAME / "1" / "model.keras"
    assert registry.sha256_file(paths["keras"]) == published["entry"]["artifacts"]["keras"]["sha256"]
    assert (paths["saved_model"] / "saved_model.pb").is_file()
    assert (paths["saved_model"] / "assets.extra" / "model_card.json").is_file()
    assert not [p for p in env.rglob("*") if p.name.startswith(".")], "temporary files left in the cache"

    model = registry.load(NAME, offline=True)  # from the cache now
    np.testing.assert_allclose(model.predict(published["x"], verbose=0),
                               published["model"].predict(published["x"], verbose=0), atol=1e-6)
    assert registry.list_models()[0]["location"] == "cache"
    meta = registry.info(NAME)
    assert meta["card"]["name"] == NAME and meta["urls"]["keras"].endswith(f"/good/{NAME}-1.keras")


def test_local_exported_models_come_first(published, env, monkeypatch):
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(published["root"] / "exported_models"))
    monkeypatch.setenv("DEEPMOTIF_MODELS_URL", "http://127.0.0.1:9/nothing-listens-here")
    paths = registry.pull(NAME)
    assert paths["saved_model"] == published["version_dir"]
    assert files_in(env) == []
    model = registry.load(NAME)
    np.testing.assert_allclose(model.predict(published["x"], verbose=0),
                               published["model"].predict(published["x"], verbose=0), atol=1e-6)


def test_load_accepts_run_dir_keras_file_and_version_dir(published, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    published["model"].save(run / "model.keras")
    expected = published["model"].predict(published["x"], verbose=0)
    for where in (run, run / "model.keras", published["version_dir"]):
        np.testing.assert_allclose(registry.load(where).predict(published["x"], verbose=0), expected, atol=1e-6)


@pytest.mark.parametrize("mode, error, match", [
    ("tampered", ChecksumError, "sha256 mismatch"),
    ("truncated", DownloadError, "truncated download"),
    ("short", DownloadError, "truncated download"),
])
def test_bad_downloads_leave_nothing_in_the_cache(published, env, monkeypatch, mode, error, match):
    monkeypatch.setenv("DEEPMOTIF_MODELS_URL", f"{published['url']}/{mode}")
    with pytest.raises(error, match=match):
        registry.pull(NAME)
    assert files_in(env) == []
    with pytest.raises(OfflineError, match="--offline"):
        registry.load(NAME, offline=True)


def test_corrupted_cache_entry_is_replaced(published, env):
    keras_path = registry.pull(NAME, saved_model=False)["keras"]
    keras_path.write_bytes(b"not a model")
    registry.pull(NAME, saved_model=False)
    assert registry.sha256_file(keras_path) == published["entry"]["artifacts"]["keras"]["sha256"]


@pytest.mark.parametrize("bad", ["..", "../evil", "a/../../b", "/abs/name", "a\\b", ".hidden", "x..y", ""])
def test_unsafe_names_are_refused(env, bad):
    with pytest.raises(ModelNameError):
        registry.pull(bad)
    assert files_in(env) == []


def test_unknown_name_suggests_close_ones(env):
    with pytest.raises(UnknownNameError, match="Did you mean: tiny_gata.cnn"):
        registry.pull("tiny_gata.cnm")
    with pytest.raises(ModelNameError, match="did you mean 'tiny_gata.cnn'"):
        registry.info("tiny_gata/cnn")


def test_unwritable_cache_is_a_clear_error(published, env, monkeypatch, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(blocker / "cache"))  # cannot mkdir below a file, even as root
    with pytest.raises(CacheError, match="not writable"):
        registry.pull(NAME)
