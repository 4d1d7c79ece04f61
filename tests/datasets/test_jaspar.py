"""JASPAR motifs read through pyjaspar's public API (cached on disk) agree with pyjaspar."""

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


def test_profiles_are_cached_on_disk_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(tmp_path))
    path = jaspar._cache_file()
    assert path.parent.parent == tmp_path
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 truncated")  # what a killed writer could have left without atomic writes
    jaspar.all_vertebrate_core.cache_clear()
    try:
        rebuilt = jaspar.all_vertebrate_core()
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
        jaspar.all_vertebrate_core.cache_clear()

        def no_database():
            raise AssertionError("pyjaspar queried although the cache is valid")

        monkeypatch.setattr(jaspar, "_from_pyjaspar", no_database)
        cached = jaspar.all_vertebrate_core()
        assert len(cached) == len(rebuilt) > 800
        for a, b in zip(cached, rebuilt, strict=True):
            assert (a.matrix_id, a.name) == (b.matrix_id, b.name)
            np.testing.assert_array_equal(a.probabilities, b.probabilities)
            assert a.probabilities.dtype == np.float32
    finally:
        jaspar.all_vertebrate_core.cache_clear()


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
