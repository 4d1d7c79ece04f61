"""The Deep Motif Dashboard, built from tiny models trained here and looked at in a real browser."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

DATASET = "synthetic_tfbs/tiny"
ARCHS = ("cnn", "rnn", "cnn_rnn")
TINY = {"cnn": {"filters": [16, 16, 16]}, "rnn": {"lstm_units": 8}, "cnn_rnn": {"filters": [16], "lstm_units": 8}}
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--remote-debugging-pipe", "--window-size=1400,1000", "--hide-scrollbars")


# ---------------------------------------------------------------- a headless browser over CDP


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3/4): no driver, no port."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="deepmotif-chromium-")
        read_child, self._write = os.pipe()
        self._read, write_child = os.pipe()

        def wire():  # chromium reads commands on fd 3 and writes replies on fd 4
            high_read, high_write = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (read_child, write_child))
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        self.process = subprocess.Popen([executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        pass_fds=(3, 4), preexec_fn=wire,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(read_child)
        os.close(write_child)
        self._buffer, self._id, self.events = b"", 0, []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def _receive(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: bool = False) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def open(self, url: str) -> None:
        """Navigate and wait for the load event (fired once every image has loaded or failed)."""
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._receive())

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads since the last `open`."""
        found = []
        for e in self.events:
            p = e.get("params", {})
            if e.get("method") == "Runtime.exceptionThrown":
                found.append(json.dumps(p["exceptionDetails"])[:300])
            elif e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                found.append(json.dumps(p.get("args"))[:300])
            elif e.get("method") == "Log.entryAdded" and p["entry"].get("level") == "error":
                found.append(f"{p['entry'].get('text')} {p['entry'].get('url', '')}")
        return found

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.call("Browser.close")
            self.process.wait(timeout=20)
        except Exception:  # noqa: BLE001 - a browser that will not close is killed
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


# ---------------------------------------------------------------- fixtures: tiny runs and one page


def dashboard_cli(argv: list[str]) -> int:
    """`deepmotif dashboard ARGV` through the subcommand's own parser."""
    import argparse

    from deepmotif.cli.dashboard import register

    parser = argparse.ArgumentParser(prog="deepmotif")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["dashboard", *argv])
    return args.func(args)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, tfds_data_dir):
    """cnn, rnn and cnn_rnn trained for one epoch on a few hundred synthetic sequences; cnn exported."""
    from deepmotif.zoo.saved_models import export
    from deepmotif.zoo.training import train

    root = tmp_path_factory.mktemp("dashboard_runs")
    run_dirs = []
    for arch in ARCHS:
        train(DATASET, arch, root / arch, epochs=1, batch_size=64, data_dir=tfds_data_dir, max_train_examples=256,
              verbose=0, **TINY[arch])
        run_dirs.append(root / arch)
    exported = export(root / "cnn", "tiny_cnn", base_dir=root / "exported_models")
    return run_dirs, exported


@pytest.fixture(scope="module")
def site(runs, tmp_path_factory, tfds_data_dir):
    """The page built through the CLI with `--index`: OUT/index.html links OUT/<dataset>/index.html."""
    run_dirs, exported = runs
    out = tmp_path_factory.mktemp("dashboard_site")
    rc = dashboard_cli(["--dataset", DATASET, "--models", *map(str, run_dirs), "--out", str(out), "--index",
               "--exported", str(exported), "none", "none", "--n-sequences", "2", "--optimization-steps", "20",
               "--restarts", "2", "--n-filters", "4", "--data-dir", str(tfds_data_dir)])
    assert rc == 0
    page = out / "synthetic_tfbs-tiny"
    return out, page, json.loads((page / "dashboard.json").read_text())


# ---------------------------------------------------------------- the page's content


def test_page_is_self_contained_and_every_image_exists(site):
    out, page, _ = site
    html = (page / "index.html").read_text()
    for section in ("metrics", "saliency", "temporal", "optimization", "filters", "models"):
        assert f'id="{section}"' in html
    assert "<script" not in html and not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    sources = re.findall(r'<img src="([^"]+)"', html)
    # metrics + 2 saliency + 2 temporal + 3 class optimization + 2 conv models' filters
    assert len(sources) == 1 + 2 + 2 + 3 + 2
    for src in sources:
        assert (page / src).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", src


def test_metrics_come_from_the_runs(site, runs):
    _, _, summary = site
    run_dirs, exported = runs
    assert [m["label"] for m in summary["models"]] == list(ARCHS)
    for model, run_dir in zip(summary["models"], run_dirs):
        metrics = json.loads((run_dir / "metrics.json").read_text())
        assert model["test"] == metrics["test"]
        assert model["run_dir"] == str(run_dir.resolve())
    assert summary["models"][0]["exported"] == str(exported.resolve())
    assert summary["models"][0]["card"]["version"] == 1
    assert summary["models"][1]["exported"] is None
    assert summary["reference"] == []  # DeepBind numbers exist only for encode_tfbs


def test_default_sequences_are_the_best_scored_positives_with_ground_truth(site, runs, tfds_data_dir):
    from deepmotif.datasets import load_arrays
    from deepmotif.core.sequences import one_hot
    from deepmotif.zoo.model_loading import load_run

    _, _, summary = site
    arrays = load_arrays(DATASET, "test", data_dir=tfds_data_dir)
    positives = np.flatnonzero(np.asarray(arrays["label"]) == 1)
    x = one_hot(np.asarray(arrays["tokens"])[positives]).astype(np.float32)
    mean = np.mean([load_run(d)[0].predict(x, verbose=0).ravel() for d in runs[0]], axis=0)
    expected = [str(arrays["id"][positives[i]]) for i in np.argsort(-mean, kind="stable")[:2]]
    assert [s["id"] for s in summary["sequences"]] == expected
    for seq in summary["sequences"]:
        assert seq["label"] == 1
        assert [m["motif_name"] for m in seq["motifs"] if m.get("role", "target") == "target"] == ["GATA1"]
        assert set(seq["scores"]) == set(ARCHS)
        assert seq["temporal_image"]
    assert summary["planted"] == ["GATA1"]


def test_class_optimization_and_filters_carry_jaspar_matches(site):
    _, _, summary = site
    assert [o["label"] for o in summary["optimization"]] == list(ARCHS)
    for o in summary["optimization"]:
        assert 0.0 <= o["probability"] <= 1.0 and o["window"] == o["windows"][0]
        assert o["matches"] and all(m["window"] in o["windows"] and m["id"].startswith("MA") for m in o["matches"])
        assert all(0.0 <= m["p_value"] <= 1.0 for m in o["matches"])
    assert [f["label"] for f in summary["filters"]] == ["cnn", "cnn_rnn"]  # the rnn has no convolution
    for f in summary["filters"]:
        assert 0 < len(f["filters"]) <= 4
        bits = [item["bits"] for item in f["filters"]]
        assert bits == sorted(bits, reverse=True)  # the most informative filters first
        assert all(isinstance(item["influence"], float) and item["n_sites"] >= 10 for item in f["filters"])
        tally = f["planted_tally"]  # ground truth known: how many filters' best match is GATA1
        assert tally["shown"] == len(f["filters"]) and 0 <= tally["shown_planted_best"] <= tally["shown"]
        assert tally["shown"] <= tally["filters"] and tally["shown_planted_best"] <= tally["planted_best"]
    for o in summary["optimization"]:
        check = o["composition"]
        assert set(check["homopolymer_logits"]) == set("ACGT") and 0.0 <= check["positives_below_it"] <= 1.0


def test_intervals_and_how_models_were_selected_are_on_the_page(site):
    _, page, summary = site
    html = (page / "index.html").read_text()
    assert "models selected on validation auROC" in summary["metrics_note"]  # the `default` recipe
    for model in summary["models"]:
        low, high = model["test"]["auroc_ci"]
        assert low <= model["test"]["auroc"] <= high
        assert f"{model['test']['auroc']:.3f} [{low:.3f}, {high:.3f}]" in html


def test_selection_sentence_follows_each_runs_recipe():
    from deepmotif.interpret.dashboard import selection_sentence

    demo = {"label": "cnn", "config": {"recipe": {"name": "demo", "monitor": "auroc"}}}
    default = {"label": "rnn", "config": {"recipe": {"name": "default", "monitor": "val_auroc"}}}
    assert selection_sentence([demo]) == "models selected on training auROC"
    assert selection_sentence([default, {**default, "label": "cnn_rnn"}]) == "models selected on validation auROC"
    assert selection_sentence([demo, default]) == "models selected on training auROC (cnn); validation auROC (rnn)"


def test_page_says_when_a_model_rewards_composition(site):
    from deepmotif.interpret.dashboard_page import render_page

    _, _, summary = site
    summary = json.loads(json.dumps(summary))
    summary["optimization"][1]["composition"] = {"homopolymer_logits": {"A": 0.1, "C": -1.6, "G": 3.0, "T": -1.5},
                                                 "best_homopolymer": "G", "positives_below_it": 1.0,
                                                 "rewards_composition": True}
    html = render_page(summary)
    assert "poly-G (logit 3.00) scores above 100% of the bound test sequences" in html


def test_page_marks_planted_motifs_and_escapes_text(site):
    from deepmotif.interpret.dashboard_page import render_page

    _, _, summary = site
    summary = json.loads(json.dumps(summary))
    summary["description"] = "<script>alert(1)</script>"
    summary["optimization"][0]["matches"][0]["name"] = "GATA1"
    summary["sequences"][0]["label"] = None  # a sequence given as DNA has no label
    html = render_page(summary)
    assert "<b>GATA1 (planted)</b>" in html
    assert "label None" not in html and "label 1;" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_index_links_every_page(site, tmp_path):
    from deepmotif.interpret.dashboard import build_index

    out, page, summary = site
    index = (out / "index.html").read_text()
    assert 'href="synthetic_tfbs-tiny/index.html"' in index and summary["title"] in index
    second = tmp_path / "second"
    shutil.copytree(page, second)
    built = build_index(tmp_path, [page, second / "index.html"])
    assert built.read_text().count("<tr>") == 1 + 2  # header + one row per page


def test_chosen_sequences_and_bad_input(runs, tmp_path, tfds_data_dir):
    from deepmotif.datasets import load_arrays
    from deepmotif.core.errors import UnknownNameError
    from deepmotif.core.sequences import detokenize
    from deepmotif.interpret.dashboard import DashboardError, select_sequences

    arrays = load_arrays(DATASET, "test", data_dir=tfds_data_dir)
    scores = np.zeros(len(arrays["label"]))
    test_id = str(arrays["id"][5])
    dna = detokenize(np.asarray(arrays["tokens"][7]))
    chosen = select_sequences(arrays, scores, [test_id, dna.lower()])
    assert [c["index"] for c in chosen] == [5, None]
    assert np.array_equal(chosen[1]["tokens"], arrays["tokens"][7])
    with pytest.raises(DashboardError, match="has 100 bases; the models take 101"):
        select_sequences(arrays, scores, [dna[:100]])
    with pytest.raises(UnknownNameError, match="test sequence id"):
        select_sequences(arrays, scores, ["tiny_test_9999999"])

    from deepmotif.interpret.dashboard import build_dashboard

    other = tmp_path / "other_run"
    shutil.copytree(runs[0][0], other)
    config = json.loads((other / "config.json").read_text())
    config["dataset"] = "synthetic_tfbs/ctcf"
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(DashboardError, match="trained on 'synthetic_tfbs/ctcf'"):
        build_dashboard(DATASET, [other], tmp_path / "page", data_dir=tfds_data_dir)


# ---------------------------------------------------------------- looked at in a real browser


def test_page_renders_in_headless_chromium(site, tmp_path):
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium on PATH (scripts/install-system-deps.sh installs Debian's chromium)")
    out, page, summary = site
    browser = Browser(executable)
    try:
        browser.open((page / "index.html").resolve().as_uri())
        images = browser.evaluate(
            "Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
        assert len(images) == 10
        assert [src for src, complete, width in images if not (complete and width > 0)] == []
        assert browser.errors() == []
        assert browser.evaluate("document.querySelectorAll('section').length") == 6
        shot = Path(os.environ.get("DEEPMOTIF_DASHBOARD_SCREENSHOT", tmp_path / "dashboard.png"))
        browser.screenshot(shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        browser.open((out / "index.html").resolve().as_uri())
        assert browser.errors() == []
        link = browser.evaluate("document.querySelector('table a').href")
        assert link == (page / "index.html").resolve().as_uri()
        browser.open(link)
        assert browser.errors() == []
    finally:
        browser.close()


def test_a_published_model_name_makes_a_page_from_its_export_and_card(runs, tmp_path, tfds_data_dir, monkeypatch):
    """What a user who pulled a pretrained model does: `--models NAME`; the card brings the metrics and
    the recipe, the test predictions are made on the page's test split."""
    from deepmotif.interpret.dashboard import build_dashboard
    from deepmotif.zoo.model_loading import ModelNotFoundError

    run_dirs, exported = runs
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(exported.parent.parent))
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(tmp_path / "cache"))
    index = build_dashboard(DATASET, ["tiny_cnn"], tmp_path / "page", n_sequences=1, optimization_steps=5,
                            restarts=1, n_filters=2, data_dir=tfds_data_dir)
    summary = json.loads((index.parent / "dashboard.json").read_text())
    (model,) = summary["models"]
    run_metrics = json.loads((run_dirs[0] / "metrics.json").read_text())
    assert model["exported"] == str(exported.resolve()) and model["card"]["name"] == "tiny_cnn"
    assert model["test"]["auroc"] == pytest.approx(run_metrics["test"]["auroc"])
    assert model["config"]["recipe"]["monitor"] == "val_auroc"
    assert "selected on validation auROC" in index.read_text()
    with pytest.raises(ModelNotFoundError, match="no trained model at tiny_cnm"):
        build_dashboard(DATASET, ["tiny_cnm"], tmp_path / "other", data_dir=tfds_data_dir)


def test_a_best_match_counts_as_planted_across_case_and_tied_family_members():
    """The matches TOMTOM gave the published synthetic_grammar CNN's filters (planted: SPI1, CEBPB)."""
    from deepmotif.interpret.dashboard import best_match_is_planted

    planted = ["SPI1", "CEBPB"]
    tied_family = [{"name": "CEBPE", "q_value": 0.0017}, {"name": "CEBPB", "q_value": 0.0017},
                   {"name": "CEBPG", "q_value": 0.0034}]
    mouse_matrix = [{"name": "Spi1", "q_value": 0.0009}, {"name": "SPIB", "q_value": 0.021}]
    behind = [{"name": "CEBPG", "q_value": 0.0008}, {"name": "CEBPB", "q_value": 0.0019}]
    other = [{"name": "ZNF362", "q_value": 0.012}, {"name": "SPI1", "q_value": 0.3}]
    assert best_match_is_planted(tied_family, planted) and best_match_is_planted(mouse_matrix, planted)
    assert not best_match_is_planted(behind, planted)  # CEBPB is a worse match than CEBPG: not counted
    assert not best_match_is_planted(other, planted) and not best_match_is_planted([], planted)
