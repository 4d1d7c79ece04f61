"""`deepmotif.datasets.peaks`: narrowPeak and BED3+ lines, gzip, headers skipped, errors at file:line."""

from __future__ import annotations

import gzip

import pytest

from deepmotif.core.errors import SequenceFormatError
from deepmotif.datasets.peaks import Peak, PeakFormatError, read_intervals, read_peaks

NARROWPEAK = (
    "track type=narrowPeak name=test\n"
    "browser position chr1:1-1000\n"
    "# a comment\n"
    "chr1\t100\t300\tp1\t500\t.\t10.5\t8.1\t6.2\t50\n"
    "\n"
    "chr2\t1000\t1201\tp2\t400\t.\t9.1\t7.0\t5.0\t-1\n"
    "1\t10\t20\tp3\t300\t+\t1\t1\t1\t0\n"
)


def test_narrowpeak_summits_and_line_numbers(tmp_path):
    path = tmp_path / "x.narrowPeak"
    path.write_text(NARROWPEAK)
    assert read_peaks(path) == [
        Peak("chr1", 100, 300, 150, 4),  # start + column 10
        Peak("chr2", 1000, 1201, 1100, 6),  # -1: the midpoint start + (end - start) // 2
        Peak("1", 10, 20, 10, 7),
    ]


def test_gzip_and_bed3_midpoints(tmp_path):
    gz = tmp_path / "x.narrowPeak.gz"
    with gzip.open(gz, "wt") as f:
        f.write(NARROWPEAK)
    assert [p.summit for p in read_peaks(gz)] == [150, 1100, 10]
    bed = tmp_path / "peaks.bed"
    bed.write_text("chrX 0 11\nchrX\t40\t50\tname\t0\t+\n")  # spaces or tabs; BED6 has no summit column
    assert read_peaks(bed) == [Peak("chrX", 0, 11, 5, 1), Peak("chrX", 40, 50, 45, 2)]
    # a 10-column file read as narrowPeak whatever its name
    ten = tmp_path / "peaks.txt"
    ten.write_text("chr1\t0\t100\t.\t0\t.\t0\t0\t0\t7\n")
    assert read_peaks(ten)[0].summit == 7


@pytest.mark.parametrize(
    "line, problem",
    [
        ("chr1\t100\n", "expected at least 3 columns"),
        ("chr1\tabc\t200\n", "start (column 2) must be an integer, got 'abc'"),
        ("chr1\t300\t200\n", "need 0 <= start < end, got start 300, end 200"),
        ("chr1\t-5\t200\n", "need 0 <= start < end"),
        ("chr1\t100\t200\t.\t0\t.\t0\t0\t0\t100\n", "summit offset 100 lies outside the peak (width 100)"),
        ("chr1\t100\t200\t.\t0\t.\t0\t0\t0\tmid\n", "summit offset (column 10) must be an integer"),
    ],
)
def test_bad_line_named_with_file_and_line(tmp_path, line, problem):
    path = tmp_path / "bad.narrowPeak"
    path.write_text("track name=x\nchr1\t0\t10\t.\t0\t.\t0\t0\t0\t5\n" + line)
    with pytest.raises(PeakFormatError, match=r"bad\.narrowPeak:3: " + problem.replace("(", r"\(").replace(")", r"\)")):
        read_peaks(path)


def test_narrowpeak_by_name_needs_ten_columns_and_empty_files(tmp_path):
    short = tmp_path / "short.narrowPeak"
    short.write_text("chr1\t0\t10\n")
    with pytest.raises(PeakFormatError, match=r"short\.narrowPeak:1: narrowPeak needs 10 columns, got 3"):
        read_peaks(short)
    empty = tmp_path / "empty.bed"
    empty.write_text("# nothing\ntrack name=x\n")
    with pytest.raises(PeakFormatError, match=r"empty\.bed:1: no peaks found"):
        read_peaks(empty)
    assert read_intervals(empty) == []
    with pytest.raises(SequenceFormatError, match="no such file"):
        read_peaks(tmp_path / "missing.bed")


def test_read_intervals_ignores_column_ten(tmp_path):
    path = tmp_path / "blacklist.bed"
    path.write_text("chr1\t100\t200\tHigh Signal Region\nchr2\t0\t10\t.\t0\t.\t0\t0\t0\t3\n")
    assert read_intervals(path) == [Peak("chr1", 100, 200, 150, 1), Peak("chr2", 0, 10, 5, 2)]
