"""compare --shard I/N: N jobs split the (experiment, arch, seed) grid disjointly and completely,
and --merge tabulates their runs (refusing, after writing what it has, while some are missing)."""

import csv

import pytest

from deepmotif.core.errors import DeepMotifError
from deepmotif.zoo import runs
from deepmotif.zoo.comparison import compare, expand_experiments, grid, parse_shard, shard_of


def test_shards_partition_the_grid():
    cells = grid(["a", "b", "c", "d"], ["cnn", "rnn", "cnn_rnn"], [0, 1])
    for n in (1, 2, 3, 4, 5, 7, 24, 40):
        shares = [shard_of(cells, i, n) for i in range(n)]
        assert sorted(c for s in shares for c in s) == sorted(cells)  # all of them, each once
        if n <= 4:  # whole experiments per job: no dataset is built by two jobs at once
            assert all(len({d for d, _, _ in s} & {d for d, _, _ in t}) == 0
                       for i, s in enumerate(shares) for t in shares[i + 1:])
            assert max(map(len, shares)) - min(map(len, shares)) <= 6
        else:
            assert max(map(len, shares)) - min(map(len, shares)) <= 1
    assert parse_shard("3/8") == (3, 8)
    for bad in ("8/8", "-1/4", "1", "a/b", "1/0"):
        with pytest.raises(DeepMotifError, match="--shard"):
            parse_shard(bad)


def test_builder_name_means_all_its_experiments():
    encode = expand_experiments(["encode_tfbs"])
    assert len(encode) == 505 and encode[0].startswith("encode_tfbs/")
    assert expand_experiments(["GATA1_K562_GATA-1_USC", "encode_tfbs/GATA1_K562_GATA-1_USC"]) == [
        "encode_tfbs/GATA1_K562_GATA-1_USC"]


def test_two_shards_then_merge(tmp_path, tfds_data_dir):
    kw = dict(archs=["cnn", "rnn"], out=tmp_path, epochs=1, batch_size=64, max_train_examples=100,
              data_dir=tfds_data_dir, verbose=0, seeds=[0, 1])
    first = compare(["synthetic_tfbs/tiny"], shard="0/2", **kw)
    assert first["cells"] == 4 and len(first["runs"]) == 2 and not (tmp_path / "results.md").exists()
    with pytest.raises(DeepMotifError, match="2 of 4 runs are not finished"):
        compare(["synthetic_tfbs/tiny"], merge=True, **kw)
    second = compare(["synthetic_tfbs/tiny"], shard="1/2", **kw)
    assert not set(first["runs"]) & set(second["runs"])
    merged = compare(["synthetic_tfbs/tiny"], merge=True, **kw)
    rows = list(csv.DictReader((tmp_path / "runs.csv").open()))
    assert sorted((r["arch"], r["seed"]) for r in rows) == [("cnn", "0"), ("cnn", "1"), ("rnn", "0"), ("rnn", "1")]
    for arch in ("cnn", "rnn"):
        scores = [runs.read_json(tmp_path / "synthetic_tfbs_tiny" / f"{arch}-seed{s}" / runs.METRICS)["test"]["auroc"]
                  for s in (0, 1)]
        assert merged["results"]["synthetic_tfbs/tiny"][arch] == pytest.approx(sum(scores) / 2)
        mine = [r for r in rows if r["arch"] == arch]
        assert [r["published"] for r in mine].count("True") == 1  # one seed to publish per cell
        lower = min(mine, key=lambda r: (float(r["validation_auroc"]), int(r["seed"])))  # median of two: the lower
        assert next(r for r in mine if r["published"] == "True")["seed"] == lower["seed"]
    assert "±" in merged["markdown"]

    # publishing the grid exports one version per model: its median-validation seed, every seed in its card
    from deepmotif.zoo.model_card import read_card
    from deepmotif.zoo.publish import publish

    entries = publish([tmp_path / "synthetic_tfbs_tiny"], base_dir=tmp_path / "exported", verbose=False,
                      manifest_path=tmp_path / "manifest.json", dist_dir=tmp_path / "dist")
    assert sorted(e["name"] for e in entries) == ["synthetic_tiny.cnn", "synthetic_tiny.rnn"]
    for entry in entries:
        arch = entry["arch"]
        assert entry["version"] == 1
        card = read_card(tmp_path / "exported" / entry["name"] / "1")
        published = next(r for r in rows if r["arch"] == arch and r["published"] == "True")
        assert card["seeds"]["published_seed"] == int(published["seed"]) == card["training"]["seed"]
        assert card["seeds"]["seeds"] == [0, 1]
        assert card["seeds"]["test_auroc_mean"] == pytest.approx(merged["results"]["synthetic_tfbs/tiny"][arch])
        assert entry["metrics"]["published_seed"] == card["seeds"]["published_seed"]
        # the registry carries the intervals too: the published run's and the seeds' mean's
        low, high = entry["metrics"]["test_auroc_ci"]
        assert low <= entry["metrics"]["test_auroc"] <= high
        assert entry["metrics"]["test_auroc_ci"] == card["metrics"]["test"]["auroc_ci"]
        assert entry["metrics"]["test_auprc_ci"] == card["metrics"]["test"]["auprc_ci"]
        assert entry["metrics"]["seeds_test_auroc_mean_ci"] == card["seeds"]["test_auroc_mean_ci"]
        assert entry["metrics"]["seeds"] == [0, 1]


def test_encode_tfbs_alone_means_the_experiments_in_the_manual_dir(tmp_path):
    import gzip

    from deepmotif.core.errors import DeepMotifError

    both = tmp_path / "GATA1_K562_GATA-1_USC"
    both.mkdir()
    (both / "train.fa").write_text(">1\nACGT\n")
    (both / "test.fa").write_text(">1\nACGT\n")
    for name, suffixes in (("ARID3A_K562_ARID3A_(sc-8821)_Stanford", ("_AC", "_B")),
                           ("CTCF_K562_CTCF_Broad", ("_B",))):  # a test set alone cannot train
        for suffix in suffixes:
            with gzip.open(tmp_path / f"{name}{suffix}.seq.gz", "wt") as f:
                f.write("FoldID\tEventID\tseq\tBound\n")
    assert expand_experiments(["encode_tfbs"], tmp_path) == [
        "encode_tfbs/ARID3A_K562_ARID3A_-sc-8821-_Stanford", "encode_tfbs/GATA1_K562_GATA-1_USC"]
    assert len(expand_experiments(["encode_tfbs"])) > 500  # without a manual dir: every experiment
    with pytest.raises(DeepMotifError, match="no ENCODE experiment"):
        expand_experiments(["encode_tfbs"], tmp_path / "empty")
