"""Registry: resolution order, sha256-verified pulls from a 127.0.0.1 server, and bad input."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from deepmotif.core.errors import UnknownNameError
from deepmotif.zoo import registry
from deepmotif.zoo.architectures import build
from deepmotif.zoo.model_loading import load_model
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
    monkeypatch.setenv("DEEPMOTIF_REGISTRY", published["url"] + "/good")
    return tmp_path / "cache"


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_pull_downloads_verifies_and_loads(published, env):
    assert [r["location"] for r in registry.list_models()] == ["remote"]
    paths = registry.pull(NAME)
    assert paths == {"saved_model": env / "serving" / NAME / "1", "keras": None}  # weights stored once
    assert (paths["saved_model"] / "saved_model.pb").is_file()
    assert (paths["saved_model"] / "assets.extra" / "model_card.json").is_file()
    assert not [p for p in env.rglob("*") if p.name.startswith(".")], "temporary files left in the cache"

    model = load_model(NAME, offline=True)  # from the cache now
    np.testing.assert_allclose(model.predict(published["x"], verbose=0),
                               published["model"].predict(published["x"], verbose=0), atol=1e-6)
    assert registry.list_models()[0]["location"] == "cache"
    meta = registry.info(NAME)
    assert meta["card"]["name"] == NAME and meta["urls"]["saved_model"].endswith(f"/good/{NAME}-1.saved_model.tar.gz")


def test_local_exported_models_come_first(published, env, monkeypatch):
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(published["root"] / "exported_models"))
    monkeypatch.setenv("DEEPMOTIF_REGISTRY", "http://127.0.0.1:9/nothing-listens-here")
    paths = registry.pull(NAME)
    assert paths["saved_model"] == published["version_dir"]
    assert files_in(env) == []
    model = load_model(NAME)
    np.testing.assert_allclose(model.predict(published["x"], verbose=0),
                               published["model"].predict(published["x"], verbose=0), atol=1e-6)


@pytest.mark.parametrize("form", ["folder", "file_url"])
def test_a_local_registry_folder_serves_its_own_manifest(published, tmp_path, monkeypatch, capsys, form):
    """A private zoo: `publish --dist DIR --manifest DIR/published_models.json`, then `--registry DIR`."""
    monkeypatch.delenv("DEEPMOTIF_MANIFEST", raising=False)
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(tmp_path / "no_local_models"))
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(tmp_path / "cache"))
    folder = published["root"] / "dist"
    (folder / registry.MANIFEST_FILE).write_text(json.dumps({"release_url": "http://127.0.0.1:9", "models": [
        published["entry"]]}))
    base = str(folder) if form == "folder" else folder.as_uri()
    assert [r["name"] for r in registry.list_models(registry=base)] == [NAME]
    paths = registry.pull(NAME, registry=base)
    assert registry.tree_digests(paths["saved_model"]) == registry.tree_digests(published["version_dir"])
    monkeypatch.setenv("DEEPMOTIF_REGISTRY", base)  # the same through the environment
    assert registry.info(NAME)["urls"]["saved_model"] == f"{base}/{NAME}-1.saved_model.tar.gz"
    monkeypatch.delenv("DEEPMOTIF_REGISTRY")
    from deepmotif.cli.main import main  # and through the command line

    capsys.readouterr()
    assert main(["models", "pull", NAME, "--offline", "--registry", base]) == 0
    assert f"SavedModel {paths['saved_model']}" in capsys.readouterr().out
    assert main(["models", "list", "--json", "--registry", base]) == 0
    assert [r["location"] for r in json.loads(capsys.readouterr().out)] == ["cache"]


@pytest.mark.parametrize("mode, error, match", [
    ("tampered", ChecksumError, "sha256 mismatch"),
    ("truncated", DownloadError, "truncated download"),
    ("short", DownloadError, "truncated download"),
])
def test_bad_downloads_leave_nothing_in_the_cache(published, env, monkeypatch, mode, error, match):
    monkeypatch.setenv("DEEPMOTIF_REGISTRY", f"{published['url']}/{mode}")
    with pytest.raises(error, match=match):
        registry.pull(NAME)
    assert files_in(env) == []
    with pytest.raises(OfflineError, match="--offline"):
        load_model(NAME, offline=True)


@pytest.fixture
def legacy(published, env, tmp_path, monkeypatch):
    """A manifest entry as published before weights were stored once: with a `.keras` artifact."""
    keras_file = published["root"] / "dist" / f"{NAME}-1.keras"
    published["model"].save(keras_file)
    entry = json.loads(json.dumps(published["entry"]))
    entry["artifacts"]["keras"] = {"file": keras_file.name, "size": keras_file.stat().st_size,
                                   "sha256": registry.sha256_file(keras_file)}
    manifest = tmp_path / "legacy.json"
    manifest.write_text(json.dumps({"release_url": "http://unused.invalid", "models": [entry]}))
    monkeypatch.setenv("DEEPMOTIF_MANIFEST", str(manifest))
    return entry


def test_keras_only_pull_of_a_legacy_entry_and_corrupted_cache_entry_is_replaced(published, legacy, env):
    paths = registry.pull(NAME, saved_model=False)
    keras_path = paths["keras"]
    assert keras_path == env / "keras" / NAME / "1" / "model.keras" and paths["saved_model"] is None
    keras_path.write_bytes(b"not a model")
    registry.pull(NAME, saved_model=False)
    assert registry.sha256_file(keras_path) == legacy["artifacts"]["keras"]["sha256"]


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


# ---------------------------------------------------------------- integrity of what a manifest or archive says


class FlatHandler(ArtifactHandler):
    """Serves `root / <last path component>` whatever the path (a server that does not normalize)."""

    def do_GET(self):  # noqa: N802
        path = self.root / Path(self.path).name
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def crafted(tmp_path, monkeypatch):
    """Serve files from `tmp_path/served` on 127.0.0.1 and point the registry at a manifest we write."""
    served = tmp_path / "served"
    served.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("H", (FlatHandler,), {"root": served}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(tmp_path / "no_local_models"))
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DEEPMOTIF_REGISTRY", raising=False)

    def publish(artifact: Path, file_name: str) -> None:
        (served / artifact.name).write_bytes(artifact.read_bytes())
        art = {"file": file_name, "sha256": registry.sha256_file(artifact), "size": artifact.stat().st_size}
        manifest = {"release_url": f"http://127.0.0.1:{server.server_address[1]}/assets",
                    "models": [{"name": "crafted.cnn", "version": 1, "artifacts": {"saved_model": art}}]}
        (tmp_path / "manifest.json").write_text(json.dumps(manifest))
        monkeypatch.setenv("DEEPMOTIF_MANIFEST", str(tmp_path / "manifest.json"))

    yield publish
    server.shutdown()
    server.server_close()


def test_artifact_file_names_that_leave_the_cache_are_refused(published, crafted, tmp_path):
    from deepmotif.zoo.publish import pack_saved_model

    tarball = pack_saved_model(published["version_dir"], tmp_path / "escaped.tar.gz")
    crafted(tarball, "../../../../escaped.tar.gz")
    (tmp_path / "escaped.tar.gz").unlink()
    with pytest.raises(registry.ManifestError, match="not a plain file name"):
        registry.pull("crafted.cnn")
    assert not (tmp_path / "escaped.tar.gz").exists(), "a manifest wrote outside the cache"
    assert files_in(tmp_path / "cache") == []


@pytest.mark.parametrize("member", ["../evil.txt", "/abs/evil.txt", "link"])
def test_hostile_archive_is_a_typed_error_and_leaves_nothing(crafted, tmp_path, member):
    import io
    import tarfile

    archive = tmp_path / "hostile.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        if member == "link":
            info.type, info.linkname = tarfile.SYMTYPE, "../../../../outside"
            tar.addfile(info)
        else:
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
    crafted(archive, "hostile.tar.gz")
    with pytest.raises(registry.ArchiveError, match="hostile.tar.gz"):
        registry.pull("crafted.cnn")
    assert files_in(tmp_path / "cache") == []
    assert not (tmp_path / "evil.txt").exists()


def test_modified_cached_saved_model_is_detected_and_downloaded_again(published, env):
    serving = registry.pull(NAME)["saved_model"]
    data = next((serving / "variables").glob("variables.data-*"))
    flipped = bytearray(data.read_bytes())
    flipped[len(flipped) // 2] ^= 0xFF
    data.write_bytes(bytes(flipped))
    with pytest.raises(registry.CorruptCacheError, match="variables/variables.data"):
        registry.pull(NAME, offline=True)
    with pytest.warns(registry.CacheRepairWarning, match="modified since it was extracted"):
        assert registry.pull(NAME)["saved_model"] == serving
    assert registry.pull(NAME, offline=True)["saved_model"] == serving  # verified again, and intact
    np.testing.assert_allclose(load_model(NAME, offline=True).predict(published["x"], verbose=0),
                               published["model"].predict(published["x"], verbose=0), atol=1e-6)


def test_models_list_shows_the_test_interval_beside_the_auroc(published, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(tmp_path / "no_local_models"))
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(tmp_path / "cache"))
    entry = {**published["entry"], "metrics": {"test_auroc": 0.91, "test_auroc_ci": [0.8930, 0.9269],
                                                "deepbind_star_auroc": 0.888}}
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / registry.MANIFEST_FILE).write_text(json.dumps({"release_url": "http://unused.invalid",
                                                            "models": [entry]}))
    from deepmotif.cli.main import main

    capsys.readouterr()
    assert main(["models", "list", "--registry", str(folder)]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert "95% CI" in header
    assert row.split()[3:7] == ["0.910", "[0.893,", "0.927]", "0.888"]


def test_a_registry_that_names_a_file_is_refused_not_replaced_by_the_packaged_manifest(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPMOTIF_MANIFEST", raising=False)
    manifest = tmp_path / registry.MANIFEST_FILE
    manifest.write_text(json.dumps({"models": []}))
    with pytest.raises(registry.ManifestError, match="is a file: a registry is the folder"):
        registry.list_models(registry=str(manifest))


def test_a_packed_version_has_the_same_bytes_wherever_it_is_written(published, tmp_path):
    """The manifest's digest of a release asset can be checked by packing the committed folder again."""
    from deepmotif.zoo.publish import pack_saved_model

    first = pack_saved_model(published["version_dir"], tmp_path / "a" / "model-1.saved_model.tar.gz")
    second = pack_saved_model(published["version_dir"], tmp_path / "b" / "other-name.tar.gz")
    assert first.read_bytes() == second.read_bytes()
    # a git checkout of the folder has no empty directories (SavedModel's `assets/` is one): same bytes
    checkout = tmp_path / "checkout"
    shutil.copytree(published["version_dir"], checkout)
    (checkout / "assets").mkdir(exist_ok=True)
    for folder in sorted((p for p in checkout.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    assert not (checkout / "assets").exists()
    assert pack_saved_model(checkout, tmp_path / "c" / "model-1.saved_model.tar.gz").read_bytes() == first.read_bytes()
