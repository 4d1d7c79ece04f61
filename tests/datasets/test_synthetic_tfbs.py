"""`synthetic_tfbs` built for real (small configs): counts, determinism, and its ground truth."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import tensorflow_datasets as tfds

from deepmotif.datasets import jaspar, load_arrays, pipeline
from deepmotif.datasets.synthetic_tfbs import planting
from deepmotif.datasets.synthetic_tfbs import synthetic_tfbs_dataset_builder as synthetic

KEYS = ("sequence", "label", "id", "is_shuffled", "arrangement", "motifs")


def _build(config, data_dir) -> dict:
    builder = synthetic.Builder(config=config, data_dir=str(data_dir))
    builder.download_and_prepare()
    return {s: pipeline.read_split(builder, config.name, s, KEYS) for s in ("train", "validation", "test")}


@pytest.fixture(scope="module")
def tiny(tfds_data_dir) -> dict:
    return {s: load_arrays("synthetic_tfbs/tiny", s, data_dir=tfds_data_dir) for s in ("train", "validation", "test")}


@pytest.fixture(scope="module")
def grammar(tmp_path_factory) -> dict:
    config = dataclasses.replace(synthetic.CONFIGS[4], name="grammar_small", num_train=400, num_test=200)
    assert synthetic.CONFIGS[4].name == "grammar"
    return _build(config, tmp_path_factory.mktemp("grammar"))


def _window(tokens, site) -> np.ndarray:
    window = tokens[site["start"] : site["end"]]
    return window if site["strand"] == 1 else planting.reverse_complement(window)


def test_configs_are_registered_with_valid_names():
    names = set(synthetic.Builder.builder_configs)
    assert {"gata1", "ctcf", "rest", "spi1", "grammar"} <= names
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in names)
    assert "synthetic_tfbs/gata1" == pipeline.DEFAULT_DATASET


def test_counts_and_balanced_labels(tiny):
    pool = len(tiny["train"]["label"]) + len(tiny["validation"]["label"])
    assert pool == 400 and len(tiny["test"]["label"]) == 200
    assert 20 <= len(tiny["validation"]["label"]) <= 60  # a hashed 10%
    for split in tiny.values():
        assert split["tokens"].shape[1] == 101 and split["tokens"].dtype == np.uint8
        assert split["tokens"].max() <= 3  # no N in synthetic background
    assert sum(int(s["label"].sum()) for s in tiny.values()) == 300  # exactly half of 600
    assert not set(tiny["train"]["id"]) & set(tiny["validation"]["id"])


def test_two_builds_give_identical_records(tiny, tmp_path):
    again = _build(synthetic.Builder.builder_configs["tiny"], tmp_path)
    for split in ("train", "validation", "test"):
        order = np.argsort(again[split]["id"])
        reference = np.argsort(tiny[split]["id"])
        np.testing.assert_array_equal(again[split]["tokens"][order], tiny[split]["tokens"][reference])
        assert [again[split]["motifs"][i] for i in order] == [tiny[split]["motifs"][i] for i in reference]


def test_presence_ground_truth_and_planted_sites_match_the_pwm(tiny):
    gata1, *decoys = jaspar.load_motifs(["GATA1", "CTCF", "REST", "SPI1"])
    by_id = {m.matrix_id: m for m in [gata1, *decoys]}
    decoy_rate = {0: [], 1: []}
    for split in tiny.values():
        for tokens, label, sites in zip(split["tokens"], split["label"], split["motifs"]):
            targets = [s for s in sites if s["role"] == "target"]
            assert len(targets) == label  # one GATA1 site in each positive, none in negatives
            assert all(s["motif_id"] == gata1.matrix_id for s in targets)
            decoy_rate[int(label)].append(any(s["role"] == "decoy" for s in sites))
            spans = sorted((s["start"], s["end"]) for s in sites)
            assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))
            for site in sites:
                motif = by_id[site["motif_id"]]
                assert site["end"] - site["start"] == len(motif.probabilities) and site["strand"] in (1, -1)
                assert jaspar.relative_scores(_window(tokens, site), motif.probabilities, gc=0.41) >= 0.8
    # decoys are as common in negatives as in positives: "any motif" does not predict the label
    assert abs(np.mean(decoy_rate[1]) - np.mean(decoy_rate[0])) < 0.15 and 0.3 < np.mean(decoy_rate[0]) < 0.7
    # and the planted sites stand out from background windows scored the same way
    background = tiny["test"]["tokens"][tiny["test"]["label"] == 0]
    windows = np.lib.stride_tricks.sliding_window_view(background, len(gata1.probabilities), axis=1)
    assert np.mean(jaspar.relative_scores(windows, gata1.probabilities, gc=0.41) >= 0.8) < 0.05


def test_grammar_ground_truth(grammar):
    spi1, cebpb = (m.matrix_id for m in jaspar.load_motifs(synthetic.GRAMMAR_MOTIFS))
    seen = set()
    for split in grammar.values():
        for label, arrangement, sites in zip(split["label"], split["arrangement"], split["motifs"]):
            seen.add(arrangement)
            assert label == (arrangement == "a_then_b")
            ids = [s["motif_id"] for s in sites]  # sorted by start: upstream first
            assert [s["start"] for s in sites] == sorted(s["start"] for s in sites)
            assert all(s["strand"] == 1 for s in sites)
            gap = sites[1]["start"] - sites[0]["end"] if len(sites) == 2 else None
            if arrangement == "a_then_b":
                assert ids == [spi1, cebpb] and 0 <= gap <= 20
            elif arrangement == "b_then_a":
                assert ids == [cebpb, spi1] and 0 <= gap <= 20
            elif arrangement == "too_far":
                assert ids == [spi1, cebpb] and gap >= 40
            else:
                assert ids == [spi1 if arrangement == "only_a" else cebpb]
    assert seen == {"a_then_b", *planting.GRAMMAR_NEGATIVES}


def test_grammar_negatives_hold_the_same_motifs():
    """Every negative class appears, in equal shares, and both motifs occur in half the negatives."""
    config = dataclasses.replace(synthetic.CONFIGS[4], name="grammar_counts", num_train=800)
    examples = synthetic.generate(config, "pool")
    negatives = [e["arrangement"] for e in examples if e["label"] == 0]
    assert {a: negatives.count(a) for a in set(negatives)} == {a: 100 for a in planting.GRAMMAR_NEGATIVES}


def test_builds_the_prepared_dataset_once(tiny, tfds_data_dir):
    builder = tfds.builder("synthetic_tfbs/tiny", data_dir=str(tfds_data_dir))
    assert builder.is_prepared()
    assert builder.info.splits["test"].num_examples == 200


def _best_site(tokens: np.ndarray, motif) -> tuple[np.ndarray, np.ndarray]:
    """Per sequence: the best relative score of `motif` on either strand, and its + strand start."""
    windows = np.lib.stride_tricks.sliding_window_view(tokens, len(motif.probabilities), axis=1)
    forward = jaspar.relative_scores(windows, motif.probabilities, gc=0.41)
    reverse = jaspar.relative_scores(planting.reverse_complement(windows), motif.probabilities, gc=0.41)
    return np.maximum(forward, reverse).max(axis=1), forward.argmax(axis=1)


def test_grammar_needs_order_not_only_presence():
    """An oracle that sees both motifs but not their order is poor; one that also reads order is near perfect."""
    from sklearn.metrics import roc_auc_score

    config = dataclasses.replace(synthetic.CONFIGS[4], name="grammar_oracle", num_test=600)
    examples = synthetic.generate(config, "test")
    tokens = np.stack([e["sequence"] for e in examples])
    labels = np.array([e["label"] for e in examples])
    (a_score, a_start), (b_score, b_start) = (_best_site(tokens, m) for m in jaspar.load_motifs(config.motifs))
    both = np.minimum(a_score, b_score)
    ordered = both * (b_start > a_start) * (b_start - a_start < 45)
    assert roc_auc_score(labels, both) < 0.8
    assert roc_auc_score(labels, ordered) > 0.95
