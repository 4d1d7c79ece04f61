"""Golden cases for the coordinates of variant windows and scan bins (`deepmotif.core.coordinates`),
each worked out by hand on a small genome string."""

from __future__ import annotations

import pytest

from deepmotif.core.coordinates import (bed_to_vcf_position, scan_bins, variant_flanks, vcf_to_zero_based,
                                        window_around)

# 0-based index:      0         1         2
#                     0123456789012345678901234
GENOME = "ACGTAGGCTTACCGATGACTTGCAA"


def windows(pos, ref, alt, width, genome=GENOME):
    """The reference and alternate windows assembled from `variant_flanks`, as callers do."""
    f = variant_flanks(pos, len(ref), len(alt), width)
    left = genome[f.left[0]:f.left[1]]
    return left + ref + genome[f.ref_right[0]:f.ref_right[1]], left + alt + genome[f.alt_right[0]:f.alt_right[1]]


def test_vcf_pos_is_one_based_and_bed_zero_based():
    assert vcf_to_zero_based(1) == 0 and bed_to_vcf_position(0) == 1
    assert GENOME[vcf_to_zero_based(11)] == "A"  # VCF POS 11 is the 11th base
    assert bed_to_vcf_position(vcf_to_zero_based(12345)) == 12345


def test_snv_sits_at_the_window_centre():
    # POS 11 (0-based 10, "A"); width 7: [7, 14) = "CTTACCG", the variant at index 3 = 7 // 2
    f = variant_flanks(11, 1, 1, 7)
    assert f == ((7, 10), (11, 14), (11, 14))
    assert windows(11, "A", "G", 7) == ("CTTACCG", "CTTGCCG")
    assert (f.left[0], f.ref_right[1]) == window_around(10, 7)
    # even width: the variant at index width // 2 = 4, as window_around puts a centre: [6, 14)
    assert windows(11, "A", "G", 8) == ("GCTTACCG", "GCTTGCCG")


def test_deletion_refetches_the_right_flank():
    # POS 12 REF "CCG" (0-based 11-13) ALT "C": 2 bases deleted; width 9, longer allele 3 bp ->
    # left flank 9 // 2 - 3 // 2 = 3 bases [8, 11) = "TTA"; REF window "TTA" + "CCG" + [14, 17) "ATG";
    # ALT window "TTA" + "C" + [14, 19) "ATGAC": both 9 bp, same left flank
    f = variant_flanks(12, 3, 1, 9)
    assert f == ((8, 11), (14, 17), (14, 19))
    assert windows(12, "CCG", "C", 9) == ("TTACCGATG", "TTACATGAC")


def test_insertion_pulls_less_right_flank():
    # POS 12 REF "C" ALT "CTTT": width 9, longer allele 4 bp -> left 4 - 2 = 2 bases [9, 11) = "TA";
    # REF "TA" + "C" + [12, 18) "CGATGA"; ALT "TA" + "CTTT" + [12, 15) "CGA"
    f = variant_flanks(12, 1, 4, 9)
    assert f == ((9, 11), (12, 18), (12, 15))
    assert windows(12, "C", "CTTT", 9) == ("TACCGATGA", "TACTTTCGA")


def test_mnv_and_alleles_as_long_as_the_window():
    assert windows(5, "AG", "TT", 6) == ("GTAGGC", "GTTTGC")
    f = variant_flanks(3, 5, 1, 5)  # REF fills the window
    assert f.left == (2, 2) and f.ref_right == (7, 7) and f.alt_right == (7, 11)
    with pytest.raises(ValueError, match="does not fit"):
        variant_flanks(3, 6, 1, 5)
    with pytest.raises(ValueError, match="at least 1 bp"):
        variant_flanks(3, 0, 1, 5)


def test_windows_near_the_contig_start_reach_below_zero():
    f = variant_flanks(2, 1, 1, 7)  # 0-based 1: 3 bases wanted on the left, 1 exists
    assert f.left == (-2, 1)  # the genome reader pads the missing bases with N


@pytest.mark.parametrize(
    "region, contig, window, stride, expected",
    [
        # whole 100-bp contig, 11-bp windows, stride 1: bin b scores [b - 5, b + 6); b in 5..94
        ((0, 100), 100, 11, 1, (5, 95)),
        # stride 4: off = (11 - 4) // 2 = 3, bins 4i: window [4i - 3, 4i + 8) needs i in 1..23
        ((0, 100), 100, 11, 4, (1, 24)),
        # a region in the middle: every bin's window fits, even though windows leave the region
        ((50, 60), 100, 11, 2, (0, 5)),
        # a region at the contig end: bins 90..94 fit, 95..99 would run past the end
        ((90, 100), 100, 11, 1, (0, 5)),
        # a region at the contig start shorter than half a window: nothing
        ((0, 5), 100, 11, 1, (5, 5)),
        # a contig shorter than the window: nothing
        ((0, 8), 8, 11, 1, (5, 5)),
    ],
)
def test_scan_bins(region, contig, window, stride, expected):
    first, stop = scan_bins(*region, contig, window, stride)
    assert (first, stop) == expected
    off = (window - stride) // 2
    for i in range(first, stop):  # the invariant: every scored bin's window lies inside the contig
        b = region[0] + i * stride
        assert 0 <= b - off and b - off + window <= contig


def test_scan_bins_refuses_a_stride_beyond_the_window():
    with pytest.raises(ValueError, match="stride"):
        scan_bins(0, 100, 100, 11, 12)
    with pytest.raises(ValueError, match="stride"):
        scan_bins(0, 100, 100, 11, 0)
