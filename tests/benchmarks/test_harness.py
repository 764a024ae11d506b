"""benchmarks/harness: the pieces every benchmark script shares (percentiles, the query mix's split)."""

from __future__ import annotations

import math

from benchmarks.harness.measure import latency_summary, percentile
from benchmarks.harness.mix import MIX, WARMUP_KINDS, BenchQuery, _allocate, warmup_queries


def test_linear_percentile_interpolates_between_ranks() -> None:
    values = [40.0, 10.0, 30.0, 20.0]  # any order
    assert percentile(values, 0) == 10.0 and percentile(values, 100) == 40.0
    assert percentile(values, 50) == 25.0  # halfway between 20 and 30, as numpy's default
    assert math.isclose(percentile(values, 95), 38.5)
    assert math.isnan(percentile([], 50))


def test_nearest_rank_percentile_is_a_measured_value() -> None:
    values = [float(n) for n in range(1, 11)]  # 1..10
    assert percentile(values, 50, "nearest") == 5.0  # the load test's: ceil(0.5 * 10) = 5th value
    assert percentile(values, 95, "nearest") == 10.0
    assert percentile(values, 1, "nearest") == 1.0


def test_latency_summary() -> None:
    summary = latency_summary([5.0, 1.0, 3.0])
    assert summary["n"] == 3 and summary["p50"] == 3.0 and summary["max"] == 5.0 and summary["mean"] == 3.0
    assert latency_summary([])["n"] == 0 and math.isnan(latency_summary([])["p95"])


def test_the_mix_is_split_in_proportion_and_warmed_up_once_per_kind() -> None:
    for total in (1, 10, 37, 100):
        counts = _allocate(total)
        assert sum(counts.values()) == total
        assert all(abs(counts[kind] - total * share / 100) < 1 for kind, share in MIX.items())
    assert _allocate(100) == MIX
    mix = [BenchQuery("common term", "a"), BenchQuery("fuzzy", "b~"), BenchQuery("common term", "c"), BenchQuery("rare term", "d")]
    assert [bq.q for bq in warmup_queries(mix)] == ["a", "b~"]  # rare terms are not in WARMUP_KINDS
    assert "rare term" not in WARMUP_KINDS
