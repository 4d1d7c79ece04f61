"""A model card says which published test set its numbers come from (read from the files the dataset was
built from), under which terms its training data come, which JASPAR release, and the test intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds

import deepmotif.datasets.encode_tfbs.encode_tfbs_dataset_builder as encode_module
from deepmotif.datasets import dataset_metadata, jaspar
from deepmotif.zoo.model_card import card_from_run

DUMMY = Path(encode_module.__file__).parent / "dummy_data" / "encode"
GATA1 = "GATA1_K562_GATA-1_USC"                   # dummy files in DeMo's train.fa / test.fa
ARID3A = "ARID3A_K562_ARID3A_-sc-8821-_Stanford"  # dummy files in DeepBind's _AC / _B.seq.gz


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("tfds_cards")
    for config in (GATA1, ARID3A):
        builder = encode_module.Builder(config=config, data_dir=str(data_dir))
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=str(DUMMY)))
    return data_dir


def test_card_names_the_test_set_the_dataset_was_built_from(built, tmp_path):
    demo = dataset_metadata(f"encode_tfbs/{GATA1}", data_dir=built)
    deepbind = dataset_metadata(f"encode_tfbs/{ARID3A}", data_dir=built)
    assert (demo["test_file"], demo["train_file"]) == ("test.fa", "train.fa")
    assert deepbind["test_file"].endswith("_B.seq.gz") and deepbind["train_file"].endswith("_AC.seq.gz")
    cards = {config: card_from_run({"dataset": f"encode_tfbs/{config}", "data_dir": str(built)}, {})["training"]
             for config in (GATA1, ARID3A)}
    assert "DeMo's `test.fa`" in cards[GATA1]["provenance"] and "_B" not in cards[GATA1]["provenance"]
    assert "DeepBind's held-out `_B` set" in cards[ARID3A]["provenance"]
    assert cards[GATA1]["test_file"] == "test.fa"
    for training in cards.values():
        assert any("ENCODE data use policy" in text for text in training["data_licenses"])
        assert "Alipanahi" in training["data_citation"]
    # not built in this data dir (whatever TFDS's default dir holds on this machine): say so
    unbuilt = card_from_run({"dataset": f"encode_tfbs/{GATA1}", "data_dir": str(tmp_path / "empty")}, {})["training"]
    assert "which one is recorded when the dataset is built here" in unbuilt["provenance"]


def test_synthetic_cards_cite_the_installed_jaspar_release_under_its_own_licence():
    training = card_from_run({"dataset": "synthetic_tfbs/gata1"}, {})["training"]
    assert jaspar.release() == jaspar.RELEASE == "JASPAR2026"
    assert training["data_citation"] == jaspar.CITATION and "JASPAR 2026" in jaspar.CITATION
    assert training["data_licenses"] == [f"JASPAR motifs planted in the synthetic sequences: {jaspar.LICENSE}; "
                                         f"cite {jaspar.CITATION}"]
    assert "CC BY 4.0" in jaspar.LICENSE


def test_card_metrics_carry_intervals_and_the_wording_they_allow(tmp_path, built):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 500)
    scores = rng.normal(size=1000) + 2.5 * y
    np.savez(tmp_path / "predictions_test.npz", y_true=y, y_score=scores, id=np.arange(1000).astype(str))
    metrics = {"test": {"auroc": 0.96, "auprc": 0.95, "n": 1000}}  # a run scored before intervals existed
    card = card_from_run({"dataset": f"encode_tfbs/{GATA1}", "data_dir": str(built)}, metrics, source=str(tmp_path))
    low, high = card["metrics"]["test"]["auroc_ci"]
    assert low < high and card["metrics"]["test"]["bootstrap"] == 1000
    assert "auroc_ci" not in metrics["test"]  # the run's own metrics are not modified
    star = card["metrics"]["deepbind_star_auroc"]
    expected = "above" if low > star else ("below" if high < star else "level")
    assert card["metrics"]["test_auroc_versus_published"]["DeepBind*"] == expected
    json.dumps(card)  # a card is JSON
