"""Scanning: the window a model records, per-window scores equal to scoring each window, genome
tracks whose bins never overlap (pyBigWig takes them), and best hits that land on planted sites of
a held-out chromosome. `deepmotif scan` is driven through the real CLI."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.cli.main import main
from deepmotif.core.sequences import reverse_complement_tokens, tokenize
from deepmotif.datasets.genome import open_genome
from deepmotif.zoo import scan
from deepmotif.zoo.architectures import build
from deepmotif.zoo.prediction import PredictInputError, predict
from deepmotif.zoo.scanning import (ScanError, best_hits, genome_targets, keep_candidates, pool_size, scan_track,
                                    sequence_windows, window_of)

WINDOW = 51  # tests/zoo/genome_model.py
HELD_OUT = ("chr4", "chrX")


def _random(n, seed=0):
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), size=n))


@pytest.fixture(scope="module")
def tiny():
    import keras

    keras.utils.set_random_seed(1)
    return build("cnn", seq_len=20, filters=[4, 4, 4], kernel_sizes=[5, 3, 3])


def _overlaps(hit, sites):
    return any(s.chrom == hit[0] and s.start < hit[2] and hit[1] < s.end for s in sites)


def test_window_of_reads_the_model_or_its_config(tiny):
    import keras

    assert window_of(tiny) == 20
    assert window_of(tiny, {"model": {"seq_len": 20}}) == 20
    with pytest.raises(ScanError, match="config says 30"):
        window_of(tiny, {"model": {"seq_len": 30}})
    inputs = keras.Input((None, 4))
    bare = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GlobalMaxPooling1D()(inputs)))
    with pytest.raises(ScanError, match="records no window"):
        window_of(bare)
    assert window_of(bare, {"seq_len": 33}) == 33  # a model card's key


def test_scan_scores_each_window_like_predict(tiny):
    seqs = [_random(n, seed=n) for n in (19, 20, 57, 300)]
    seqs[2] = seqs[2].lower()
    expected = [predict(tiny, np.ascontiguousarray(sequence_windows(tokenize(s.upper()), 20, 3)))
                for s in seqs]
    got = scan(tiny, seqs, stride=3, chunk=7)  # chunks end mid-sequence and span sequences
    assert [len(g) for g in got] == [0, 1, 13, 94]  # (L - 20) // 3 + 1, none for 19 bp
    for g, e in zip(got, expected):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, e, atol=1e-6)
    assert got[3].std() > 0  # a real model, not a constant
    np.testing.assert_allclose(scan(tiny, seqs[3])[0][::3], got[3], atol=1e-6)  # a lone string, stride 1
    logits = scan(tiny, [seqs[3]], output="logit")[0]
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), scan(tiny, [seqs[3]])[0], atol=1e-6)


def test_reverse_strand_is_the_reverse_complement_scanned(tiny):
    tokens = tokenize(_random(80, seed=5))
    both = scan(tiny, [tokens], strand="both")[0]
    assert both.shape == (61, 2)
    rc_scan = scan(tiny, [reverse_complement_tokens(tokens)])[0]
    np.testing.assert_allclose(both[:, 1], rc_scan[::-1], atol=1e-6)  # window j <-> RC window n-1-j
    np.testing.assert_allclose(both[:, 0], scan(tiny, [tokens])[0], atol=1e-6)
    averaging = build("cnn", seq_len=20, filters=[4, 4, 4], kernel_sizes=[5, 3, 3], reverse_complement=True)
    both = scan(averaging, [tokens], strand="both")[0]
    np.testing.assert_allclose(both[:, 0], both[:, 1], atol=1e-6)


def test_bad_requests_are_refused(tiny):
    with pytest.raises(ScanError, match="stride"):
        scan(tiny, ["A" * 40], stride=21)
    with pytest.raises(ScanError, match="trained on 20-bp windows"):
        scan(tiny, ["A" * 40], window=25)
    with pytest.raises(ScanError, match="sequence 1"):
        scan(tiny, ["A" * 40, "ACGX" * 10])
    with pytest.raises(ScanError, match="strand"):
        scan(tiny, ["A" * 40], strand="plus")
    with pytest.raises(PredictInputError, match="scan longer sequences"):
        predict(tiny, tokenize("A" * 40)[None])


def test_top_hits_on_a_held_out_chromosome_fall_on_planted_sites(genome_model, synthetic_genome):
    model, _ = genome_model
    sites = [s for s in synthetic_genome.sites if s.chrom in HELD_OUT]
    k = 20
    with open_genome(synthetic_genome.genome) as genome:
        targets = genome_targets(genome, [(c, 0, genome.contigs[c]) for c in HELD_OUT])
        pool, n = None, 0
        for chunk in scan_track(model, targets, strand="both", chunk=5000):
            pool = keep_candidates(pool, chunk, pool_size(k, WINDOW))
            n += len(chunk.scores)
    assert n == sum(synthetic_genome.contigs[c] - WINDOW + 1 for c in HELD_OUT)  # every whole window
    hits = best_hits(pool, WINDOW, k)
    assert len(hits) == k and all(h.end - h.start == WINDOW for h in hits)
    on_site = sum(_overlaps(h, sites) for h in hits)
    by_chance = len(sites) * (WINDOW + 15) / sum(synthetic_genome.contigs[c] for c in HELD_OUT)
    assert by_chance < 0.1 and on_site >= 0.7 * k, f"{on_site}/{k} hits on planted sites"
    for a in hits:  # non-overlapping
        assert not any(b is not a and b.chrom == a.chrom and abs(b.start - a.start) < WINDOW for b in hits)


def _bedgraph(path):
    lines = path.read_text().splitlines()
    rows = [line.split("\t") for line in lines[1:]]
    return lines[0], [(c, int(s), int(e), float(v)) for c, s, e, v in rows]


def test_cli_scan_regions_track_and_hits(genome_model, synthetic_genome, tmp_path, capsys):
    import pyBigWig

    _, model_path = genome_model
    contigs = synthetic_genome.contigs
    bed = tmp_path / "regions.bed"
    bed.write_text("track name=regions\n"
                   "chr4\t5000\t9000\tr1\n"
                   "chr4\t8000\t12000\tr2_overlaps_r1\n"   # merged with r1: no bin twice
                   "chrX\t0\t3000\tr3_contig_start\n"     # first ~window/2 bases get no bin
                   f"chrX\t{contigs['chrX'] - 1000}\t{contigs['chrX'] + 500}\tr4_past_the_end\n"
                   "4\t20000\t20007\tr5_other_naming\n")  # `4` is chr4
    out, hits = tmp_path / "track.bedgraph", tmp_path / "hits.bed"
    code = main(["scan", "--model", str(model_path), "--bed", str(bed), "--genome", str(synthetic_genome.genome),
                 "--out", str(out), "--stride", "5", "--hits", str(hits), "--top", "8"])
    assert code == 0
    header, rows = _bedgraph(out)
    assert header.startswith("track type=bedGraph") and "assembly=synth1" in header and "description=" in header
    # bins tile each (merged) region on a 5-bp grid, never overlap, stay sorted
    by_chrom = {}
    for c, s, e, _ in rows:
        by_chrom.setdefault(c, []).append((s, e))
    assert list(by_chrom) == ["chr4", "chrX"]
    for c, spans in by_chrom.items():
        assert all(e0 <= s1 for (_, e0), (s1, _) in zip(spans, spans[1:])), f"overlapping bins on {c}"
        assert all(0 < e - s <= 5 for s, e in spans)
    chr4 = by_chrom["chr4"]
    assert chr4[0] == (5000, 5005) and (11995, 12000) in chr4 and (20005, 20007) in chr4
    assert sum(e - s for s, e in chr4) == 7000 + 7  # [5000, 12000) and [20000, 20007), all covered
    chrx = by_chrom["chrX"]
    off = (WINDOW - 5) // 2  # a bin at b scores the window [b - off, b - off + 51)
    assert chrx[0][0] == 25 and chrx[0][0] - off >= 0 and chrx[0][0] - 5 - off < 0  # edge policy: omitted
    assert chrx[-1][1] - 5 - off + WINDOW <= contigs["chrX"] < chrx[-1][1] - off + WINDOW
    # the scores are the model's on the window centred on each bin
    model, _ = genome_model
    with open_genome(synthetic_genome.genome) as genome:
        picked = [rows[0], rows[len(rows) // 2], rows[-1]]
        windows = np.stack([genome.fetch_tokens(c, s - off, s - off + WINDOW) for c, s, _, _ in picked])
    np.testing.assert_allclose([r[3] for r in picked], predict(model, windows), rtol=1e-5)

    # pyBigWig accepts the rows as they are
    bw_path = str(tmp_path / "track.bw")
    bw = pyBigWig.open(bw_path, "w")
    bw.addHeader(list(contigs.items()))
    for c in by_chrom:
        part = [r for r in rows if r[0] == c]
        bw.addEntries([c] * len(part), [r[1] for r in part], ends=[r[2] for r in part], values=[r[3] for r in part])
    bw.close()
    bw = pyBigWig.open(bw_path)
    assert bw.intervals("chr4", 5000, 5010) == ((5000, 5005, pytest.approx(rows[0][3], rel=1e-5)),
                                                (5005, 5010, pytest.approx(rows[1][3], rel=1e-5)))
    bw.close()

    lines = hits.read_text().splitlines()
    assert len(lines) == 8 and not lines[0].startswith(("#", "track"))
    parsed = [line.split("\t") for line in lines]
    assert all(len(p) == 6 and p[5] in "+-." and int(p[2]) - int(p[1]) == WINDOW for p in parsed)
    scores = [float(p[4]) for p in parsed]
    assert scores == sorted(scores, reverse=True) and [p[3] for p in parsed] == [f"hit{i}" for i in range(1, 9)]
    spans = [(p[0], int(p[1])) for p in parsed]
    assert not any(a[0] == b[0] and a != b and abs(a[1] - b[1]) < WINDOW for a in spans for b in spans)
    assert "wrote 8 non-overlapping hits" in capsys.readouterr().out


def test_cli_scan_fasta_uses_record_ids(genome_model, tmp_path):
    _, model_path = genome_model
    seqs = {"first": _random(200, 1), "short": _random(30, 2), "third": _random(120, 3)}
    fasta = tmp_path / "seqs.fa"
    fasta.write_text("".join(f">{k} some description\n{v[:70]}\n{v[70:]}\n" for k, v in seqs.items()))
    out = tmp_path / "seqs.bedgraph"
    assert main(["scan", "--model", str(model_path), "--fasta", str(fasta), "--out", str(out)]) == 0
    header, rows = _bedgraph(out)
    assert "assembly=unknown" in header
    assert sorted({r[0] for r in rows}) == ["first", "third"]  # 30 bp is shorter than the window
    model, _ = genome_model
    first = [r[3] for r in rows if r[0] == "first"]
    np.testing.assert_allclose(first, scan(model, seqs["first"])[0], rtol=1e-5)
    assert [r[1] for r in rows if r[0] == "first"] == list(range(25, 200 - 25))  # centres of whole windows


def test_cli_scan_refuses_contradictory_inputs(genome_model, synthetic_genome, tmp_path, capsys):
    _, model_path = genome_model
    out = tmp_path / "x.bedgraph"
    assert main(["scan", "--model", str(model_path), "--out", str(out)]) == 2
    bed = tmp_path / "r.bed"
    bed.write_text("chr9\t0\t100\n")
    assert main(["scan", "--model", str(model_path), "--bed", str(bed), "--genome", str(synthetic_genome.genome),
                 "--out", str(out)]) == 2
    assert "lacks: chr9:0-100" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".x.bedgraph*"))  # nothing half-written
