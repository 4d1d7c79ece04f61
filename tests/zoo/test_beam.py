"""Beam jobs (`deepmotif.zoo.beam`) on the DirectRunner: the local path's files, failures reported."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("apache_beam")

from deepmotif.cli.main import main  # noqa: E402
from deepmotif.zoo.architectures import build  # noqa: E402
from deepmotif.zoo.saved_models import export_model  # noqa: E402

WINDOW = 51
DIRECT = ["direct_num_workers=1", "direct_running_mode=in_memory"]
BEAM = ["--runner", "direct"] + [arg for option in DIRECT for arg in ("--beam-option", option)]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """`(model, version dir)`: a small seeded CNN (untrained: equality is what is tested), exported."""
    import keras

    keras.utils.set_random_seed(0)
    model = build("cnn", seq_len=WINDOW, filters=[8, 8, 8], kernel_sizes=[9, 5, 3])
    return model, export_model(model, "beam_test", base_dir=tmp_path_factory.mktemp("exported"))


def _direct_options():
    from deepmotif.zoo.beam.runners import parse_beam_options, pipeline_options

    return pipeline_options("direct", parse_beam_options(DIRECT))


def test_scan_on_beam_writes_the_local_track_and_hits(synthetic_genome, exported, tmp_path):
    _, version_dir = exported
    bed = tmp_path / "regions.bed"
    # a contig start, the N gap of chr2, and chrX whole (both contig ends)
    bed.write_text("chr1\t0\t9000\nchr2\t19000\t23000\nchrX\t0\t30000\n")
    temp = tmp_path / "beam_temp"
    temp.mkdir()
    scan = ["scan", "--model", str(version_dir), "--genome", str(synthetic_genome.genome), "--bed", str(bed),
            "--stride", "7", "--top", "50"]
    assert main(scan + ["--out", str(tmp_path / "local.bedgraph"), "--hits", str(tmp_path / "local.bed")]) == 0
    assert main(scan + ["--out", str(tmp_path / "beam.bedgraph"), "--hits", str(tmp_path / "beam.bed"),
                        *BEAM, "--temp-dir", str(temp)]) == 0

    local = (tmp_path / "local.bedgraph").read_text()
    rows = local.splitlines()[1:]
    assert len(rows) > 5000 and {r.split("\t")[0] for r in rows} == {"chr1", "chr2", "chrX"}
    assert (tmp_path / "beam.bedgraph").read_text() == local
    hits = (tmp_path / "local.bed").read_text()
    assert len(hits.splitlines()) == 50
    assert (tmp_path / "beam.bed").read_text() == hits
    assert not any(temp.iterdir())  # the job folder was merged and removed
    assert not (tmp_path / "beam.bedgraph.failed.tsv").exists()


def test_variants_on_beam_write_the_local_effects(synthetic_genome, exported, tmp_path, capsys):
    _, version_dir = exported
    variants = ["variants", "--model", str(version_dir), "--genome", str(synthetic_genome.genome),
                "--vcf", str(synthetic_genome.vcf), "--ref-mismatch", "flag"]
    assert main(variants + ["--out", str(tmp_path / "local.tsv")]) == 0
    local_report = capsys.readouterr().err
    assert main(variants + ["--out", str(tmp_path / "beam.tsv"), *BEAM, "--temp-dir", str(tmp_path)]) == 0
    beam_report = capsys.readouterr().err

    local = (tmp_path / "local.tsv").read_text()
    rows = [line for line in local.splitlines() if not line.startswith("#")][1:]
    assert len(rows) == len(synthetic_genome.variants.destroying) + len(synthetic_genome.variants.far) + 4
    assert (tmp_path / "beam.tsv").read_text() == local.replace("local.tsv", "beam.tsv")
    assert "skipped 2 alleles" in local_report and beam_report == local_report  # same skips, same reasons


def test_a_failing_span_is_reported_not_lost(synthetic_genome, exported, tmp_path):
    """Workers whose genome lacks chrX fail its spans: each is reported with its locus, the rest is scored."""
    from deepmotif.cli.beam_arguments import report_failures
    from deepmotif.datasets.genome import open_genome
    from deepmotif.zoo.beam.scan_pipeline import scan_track_beam
    from deepmotif.zoo.scanning import genome_targets, scan_track, track_spans

    model, version_dir = exported
    text = synthetic_genome.genome.read_text()
    worker_genome = tmp_path / "without_chrX.fa"
    worker_genome.write_text(text[: text.index(">chrX")])
    with open_genome(synthetic_genome.genome) as genome:
        targets = genome_targets(genome, [("chr1", 1_000, 4_000), ("chrX", 1_000, 3_000)])
        failures = []
        chunks = list(scan_track_beam(model, str(version_dir), str(worker_genome), targets, WINDOW, 5,
                                      options=_direct_options(), temp_dir=str(tmp_path), chunk=150,
                                      failures=failures))
        local = list(scan_track(model, targets, WINDOW, 5, chunk=150))
    spans = [(t.chrom, int(w[0])) for t, _, _, w in track_spans(targets, WINDOW, 5, 150)]

    expected = [c for c in local if c.chrom == "chr1"]
    assert len(chunks) == len(expected) == sum(chrom == "chr1" for chrom, _ in spans)
    for got, want in zip(chunks, expected):
        np.testing.assert_array_equal(got.starts, want.starts)
        np.testing.assert_allclose(got.scores, want.scores, rtol=1e-6, atol=1e-7)
    lost = [i for i, (chrom, _) in enumerate(spans) if chrom == "chrX"]
    assert [f.index for f in failures] == lost
    assert all(f.stage == "read" and f.key.startswith(f"chrX:{spans[f.index][1]}-") and "chrX" in f.error
               for f in failures)
    out = tmp_path / "track.bedgraph"
    assert report_failures(failures, out) == 1
    listed = (tmp_path / "track.bedgraph.failed.tsv").read_text().splitlines()
    assert listed[0] == "index\tkey\tstage\terror" and len(listed) == len(lost) + 1


def test_a_malformed_chunk_fails_alone_in_its_batch(exported):
    """Batched with good chunks, a chunk of the wrong window length is a dead letter; the others are scored."""
    import apache_beam as beam
    from apache_beam.ml.inference.base import RunInference
    from apache_beam.testing.util import assert_that, equal_to

    from deepmotif.zoo.beam.model_handler import keyed_handler
    from deepmotif.zoo.beam.shards import failure_records
    from deepmotif.zoo.prediction import predict

    model, version_dir = exported
    rng = np.random.default_rng(0)
    good = {f"chunk{i}": rng.integers(0, 5, (n, WINDOW)).astype(np.uint8) for i, n in enumerate((30, 1, 64))}
    expected = {key: predict(model, windows) for key, windows in good.items()}
    elements = list(good.items()) + [("short", rng.integers(0, 4, (10, WINDOW - 1)).astype(np.uint8))]

    def close_to_expected(results):
        assert sorted(k for k, _ in results) == sorted(expected)
        for key, scores in results:
            np.testing.assert_allclose(scores, expected[key], rtol=1e-6, atol=1e-7)

    handler = keyed_handler(str(version_dir), WINDOW, batch_size=16, max_chunks_per_batch=8)
    with beam.Pipeline(options=_direct_options()) as p:
        scored, dead = p | beam.Create(elements) | RunInference(handler).with_exception_handling()
        assert_that(scored | beam.Map(lambda kv: (kv[0], kv[1].inference)), close_to_expected, label="Scored")
        failed = failure_records(dead, lambda key: (-1, key), stages=("check",))
        assert_that(failed | beam.Map(lambda f: (f.key, f.stage, "expected uint8 token windows (n, 51)" in f.error)),
                    equal_to([("short", "check", True)]), label="Failed")


@pytest.mark.parametrize("extra, message", [
    (["--runner", "direct", "--beam-option", "direct_num_worker=1"], "Did you mean: direct_num_workers"),
    (["--runner", "direct", "--beam-option", "direct_num_workers=two"], "invalid int value: 'two'"),
    (["--runner", "dataflow", "--beam-option", "project=p"], "--beam-option region=..."),
    (["--runner", "direct", "--beam-option", "runner=DataflowRunner"], "choose the runner with --runner"),
    (["--beam-option", "direct_num_workers=1"], "add --runner"),
])
def test_beam_arguments_are_checked_before_anything_runs(tmp_path, capsys, extra, message):
    out = tmp_path / "track.bedgraph"
    argv = ["scan", "--model", str(tmp_path / "no_model"), "--genome", str(tmp_path / "no.fa"), "--out", str(out)]
    assert main(argv + extra) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
