"""JASPAR motifs read straight from pyjaspar's bundled SQLite agree with pyjaspar's own API."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.datasets import jaspar
from deepmotif.core.errors import UnknownNameError


@pytest.fixture(scope="module")
def jdb():
    from pyjaspar import jaspardb

    return jaspardb()


def _pyjaspar_probabilities(motif) -> np.ndarray:
    counts = np.array([motif.counts[b] for b in "ACGT"], dtype=np.float64).T
    return counts / counts.sum(axis=1, keepdims=True)


def test_vertebrate_core_set_is_pyjaspars_latest_versions(jdb):
    ours = {m.matrix_id for m in jaspar.all_vertebrate_core()}
    theirs = {m.matrix_id for m in jdb.fetch_motifs(collection="CORE", tax_group=["vertebrates"])}
    assert len(ours) > 800
    assert ours == theirs


@pytest.mark.parametrize("name", ["GATA1", "CTCF", "REST", "SPI1", "CEBPB"])
def test_matrices_match_pyjaspar(jdb, name):
    (motif,) = jaspar.load_motifs(name)
    reference = jdb.fetch_motif_by_id(motif.matrix_id)
    assert reference.name.upper() == name and reference.collection == "CORE"
    assert motif.probabilities.dtype == np.float32 and motif.probabilities.shape == (reference.length, 4)
    np.testing.assert_allclose(motif.probabilities, _pyjaspar_probabilities(reference), atol=1e-6)
    np.testing.assert_allclose(motif.probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_names_and_ids_resolve():
    spi1 = jaspar.load_motif("spi1")  # JASPAR spells it Spi1
    assert spi1.name == "Spi1" and spi1.matrix_id.startswith("MA0080.")
    ctcf = jaspar.load_motif("CTCF")  # three profiles: the oldest, MA0139, is the canonical one
    assert ctcf.matrix_id.startswith("MA0139.")
    assert jaspar.load_motif("MA0139") == ctcf == jaspar.load_motif(ctcf.matrix_id.lower())
    ids = [m.matrix_id for m in jaspar.load_motifs(["REST", "GATA1"])]
    assert ids[0].startswith("MA0138.") and ids[1].startswith("MA0035.")


def test_unknown_names_suggest_close_ones():
    with pytest.raises(UnknownNameError, match="GATA1"):
        jaspar.load_motif("GATA11")
    with pytest.raises(UnknownNameError, match="latest is MA0035"):
        jaspar.load_motif("MA0035.1")
    with pytest.raises(UnknownNameError):
        jaspar.load_motif("MA9999.1")


def test_relative_scores_span_worst_to_consensus():
    motif = jaspar.load_motif("REST")
    table = jaspar.log_odds(motif.probabilities, gc=0.41)
    best, worst = table.argmax(axis=1), table.argmin(axis=1)
    scores = jaspar.relative_scores(np.stack([best, worst]), motif.probabilities, gc=0.41)
    np.testing.assert_allclose(scores, [1.0, 0.0], atol=1e-9)
    with pytest.raises(ValueError, match="width"):
        jaspar.relative_scores(best[:5], motif.probabilities)
