"""Variant effects: windows built right for SNVs and indels, destroying variants lose binding and far
ones do not, REF mismatches refused (swaps named) or skipped/flagged, unscorable alleles reported,
streamed chunks equal to the whole, and `deepmotif variants` through the real CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from deepmotif.cli.main import main
from deepmotif.core.sequences import detokenize
from deepmotif.datasets.genome import open_genome
from deepmotif.zoo import variant_effects
from deepmotif.zoo.prediction import predict
from deepmotif.zoo.variant_scoring import COLUMNS, SCORES, RefMismatchError, allele_windows, score_variants

WINDOW = 51

# 0-based index:      0         1         2
#                     0123456789012345678901234
CONTIG = "ACGTAGGCTTACCGATGACTTGCAA"


@pytest.fixture(scope="module")
def small_genome(tmp_path_factory):
    path = tmp_path_factory.mktemp("small_genome") / "tiny1.fa"
    path.write_text(f">c1\n{CONTIG}\n")
    with open_genome(path) as genome:
        yield genome


@pytest.mark.parametrize(
    "pos, ref, alt, width, expected",
    [
        (11, "A", "G", 7, ("CTTACCG", "CTTGCCG")),          # SNV at index 7 // 2 of [7, 14)
        (12, "CCG", "C", 9, ("TTACCGATG", "TTACATGAC")),    # deletion: right flank re-fetched longer
        (12, "C", "CTTT", 9, ("TACCGATGA", "TACTTTCGA")),   # insertion: right flank shorter
        (2, "C", "T", 7, ("NNACGTA", "NNATGTA")),           # near the contig start: N-padded
        (24, "A", "C", 5, ("GCAAN", "GCCAN")),               # near the end
    ],
)
def test_allele_windows_golden(small_genome, pos, ref, alt, width, expected):
    ref_tokens, alt_tokens, genome_ref = allele_windows(small_genome, "c1", pos, ref, alt, width)
    assert (detokenize(ref_tokens), detokenize(alt_tokens)) == expected
    assert genome_ref == ref


@pytest.fixture(scope="module")
def effects(genome_model, synthetic_genome):
    model, _ = genome_model
    return variant_effects(model, synthetic_genome.genome, synthetic_genome.vcf)


def test_destroying_variants_lose_binding_and_far_ones_do_not(effects, synthetic_genome):
    truth = synthetic_genome.variants
    by_id = effects.set_index("id")
    destroying = by_id.loc[truth.destroying, "delta_logit"]
    far = by_id.loc[truth.far, "delta_logit"]
    assert destroying.median() < -1.0 and (destroying < 0).mean() >= 0.75
    assert far.abs().median() < 0.6 and far.abs().max() < 2.5
    assert destroying.mean() < far.mean() - 2.0
    detected = by_id.loc[truth.destroying].query("ref_prob > 0.5")["delta_logit"]  # sites the model finds
    assert len(detected) >= 5 and detected.median() < -2.5 and (detected < -1.0).mean() >= 0.8
    for indel in (truth.deletion, truth.insertion):  # both delete or split a planted site
        assert by_id.loc[indel, "delta_logit"] < -1.0


def test_table_columns_and_arithmetic(effects, genome_model, synthetic_genome):
    model, _ = genome_model
    assert list(effects.columns) == COLUMNS
    assert all(effects[c].dtype == np.float32 for c in SCORES)
    np.testing.assert_allclose(effects["delta_logit"], effects["alt_logit"] - effects["ref_logit"], atol=1e-5)
    np.testing.assert_allclose(effects["ref_logit"], (effects["ref_logit_forward"] + effects["ref_logit_reverse"]) / 2,
                               atol=1e-5)
    np.testing.assert_allclose(effects["ref_prob"], 1 / (1 + np.exp(-effects["ref_logit"].astype(float))), atol=1e-6)
    assert not effects["ref_mismatch"].any()
    # the forward logit is the model's on the centred reference window
    row = effects.iloc[0]
    with open_genome(synthetic_genome.genome) as genome:
        ref_tokens, _, _ = allele_windows(genome, row.chrom, row.pos, row.ref, row.alt, WINDOW)
    assert predict(model, ref_tokens[None], output="logit")[0] == pytest.approx(row.ref_logit_forward, abs=1e-5)

    truth = synthetic_genome.variants
    multi = effects[effects["id"] == truth.multiallelic]
    assert len(multi) == 2 and multi["ref_logit"].nunique() == 1 and multi["alt"].nunique() == 2
    skipped = {s.id: s.reason for s in effects.attrs["skipped"]}
    assert skipped == {truth.symbolic: "symbolic ALT <DEL>", truth.ref_equals_alt: "ALT equals REF"}
    n_alleles = len(truth.destroying) + len(truth.far) + 2 + 2
    assert len(effects) == n_alleles


def test_streamed_chunks_equal_the_whole(effects, genome_model, synthetic_genome):
    model, _ = genome_model
    with open_genome(synthetic_genome.genome) as genome:
        frames = list(score_variants(model, genome, synthetic_genome.vcf, chunk=7))
    assert len(frames) == -(-len(effects) // 7) and max(len(f) for f in frames) == 7
    pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), effects, check_exact=False, atol=1e-5)


def _mismatched_vcf(synthetic_genome, tmp_path):
    """The fixture VCF with two destroying SNVs' REF and ALT swapped and one REF simply wrong."""
    truth = synthetic_genome.variants
    lines = synthetic_genome.vcf.read_text().splitlines()
    swapped, wrong = set(truth.destroying[:2]), truth.far[0]
    out, where = [], {}
    for n, line in enumerate(lines, start=1):
        f = line.split("\t")
        if len(f) > 4 and f[2] in swapped:
            f[3], f[4] = f[4], f[3]
            where[f[2]] = n
        elif len(f) > 4 and f[2] == wrong:
            f[3], f[4] = [b for b in "ACGT" if b not in (f[3], f[4])][:2]
            where[f[2]] = n
        out.append("\t".join(f))
    path = tmp_path / "mismatched.vcf"
    path.write_text("\n".join(out) + "\n")
    return path, where


def test_ref_mismatches_are_refused_naming_lines_and_swaps(genome_model, synthetic_genome, tmp_path):
    model, _ = genome_model
    vcf, where = _mismatched_vcf(synthetic_genome, tmp_path)
    with pytest.raises(RefMismatchError) as err:
        variant_effects(model, synthetic_genome.genome, vcf)
    message = str(err.value)
    assert message.startswith("3 REF alleles do not match genome synth1")
    for line in where.values():
        assert f"{vcf}:{line}:" in message
    assert "2 of them look swapped" in message

    skipped = variant_effects(model, synthetic_genome.genome, vcf, ref_mismatch="skip")
    assert not set(where) & set(skipped["id"]) and len(skipped) == 34 - 3
    reasons = {s.id: s.reason for s in skipped.attrs["skipped"]}
    assert all(reasons[i].startswith("REF ") and "but the genome has" in reasons[i] for i in where)

    flagged = variant_effects(model, synthetic_genome.genome, vcf, ref_mismatch="flag")
    assert len(flagged) == 34 and set(flagged.loc[flagged["ref_mismatch"], "id"]) == set(where)


def test_tuples_and_dataframes_are_variants_too(genome_model, synthetic_genome, effects):
    model, _ = genome_model
    rows = effects.head(3)
    as_tuples = variant_effects(model, synthetic_genome.genome,
                                [(r.chrom, r.pos, r.id, r.ref, r.alt) for r in rows.itertuples()])
    pd.testing.assert_frame_equal(as_tuples, rows.reset_index(drop=True), check_exact=False, atol=1e-5)
    as_frame = variant_effects(model, synthetic_genome.genome, rows[["chrom", "pos", "id", "ref", "alt"]])
    pd.testing.assert_frame_equal(as_frame, rows.reset_index(drop=True), check_exact=False, atol=1e-5)
    with open_genome(synthetic_genome.genome) as genome:
        base = genome.fetch("chr1", 99, 100)  # VCF POS 100
    other = next(b for b in "ACGT" if b != base)
    with pytest.raises(RefMismatchError, match=r"(?s)1 REF alleles.*variants\[0\]: chr1:100 REF .*\n1 of them look swapped"):
        variant_effects(model, synthetic_genome.genome, [("chr1", 100, other, base)])


def test_cli_variants(genome_model, synthetic_genome, effects, tmp_path, capsys):
    _, model_path = genome_model
    out = tmp_path / "effects.tsv"
    code = main(["variants", "--model", str(model_path), "--vcf", str(synthetic_genome.vcf), "--genome",
                 str(synthetic_genome.genome), "--out", str(out), "--ism", "--ism-top", "2"])
    assert code == 0
    lines = out.read_text().splitlines()
    assert lines[0].split("\t") == COLUMNS  # one header line, then rows
    made = json.loads((tmp_path / "effects.tsv.json").read_text())
    assert made["assembly"] == "synth1" and made["window"] == 51 and made["effects"] == len(lines) - 1
    table = pd.read_csv(out, sep="\t")
    assert len(table) == len(effects)
    np.testing.assert_allclose(table["delta_logit"], effects["delta_logit"], rtol=1e-4, atol=1e-5)
    captured = capsys.readouterr()
    assert "skipped 2 alleles" in captured.err and "symbolic ALT" in captured.err and "ALT equals REF" in captured.err
    figures = sorted((tmp_path / "effects_ism").glob("*.png"))
    top2 = effects.loc[effects["delta_logit"].abs().nlargest(2).index, "id"].tolist()
    assert len(figures) == 2 and all(any(i in f.name for f in figures) for i in top2)
    assert all(f.stat().st_size > 5000 for f in figures)

    vcf, _ = _mismatched_vcf(synthetic_genome, tmp_path)
    refused = tmp_path / "refused.tsv"
    assert main(["variants", "--model", str(model_path), "--vcf", str(vcf), "--genome",
                 str(synthetic_genome.genome), "--out", str(refused)]) == 2
    assert "look swapped" in capsys.readouterr().err and not refused.exists()
