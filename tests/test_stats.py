"""Aggregation: every statistic checked against an independent computation on raw data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from conftest import base
from trucesim.model import actors
from trucesim.run.engine import run_chunk
from trucesim.run.stats import Aggregate, quantiles, wilson


@pytest.mark.parametrize(("k", "n"), [(8, 10), (0, 25), (25, 25), (137, 1000)])
def test_wilson_matches_scipy(k, n):
    expected = sps.binomtest(k, n).proportion_ci(0.95, method="wilson")
    assert wilson(k, n) == pytest.approx((expected.low, expected.high), abs=1e-6)


def test_wilson_by_hand():
    # 8 of 10: centre (0.8 + 1.92/10) / 1.384 = 0.7168; half-width 0.2265
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-50, 500), min_size=1, max_size=300),
       st.sampled_from([0.0, 0.05, 0.25, 0.5, 0.95, 1.0]))
def test_quantiles_from_counts_equal_numpy(data, p):
    values, counts = np.unique(np.array(data), return_counts=True)
    assert quantiles(values.astype(float), counts, [p])[0] == pytest.approx(
        np.quantile(data, p))


@pytest.fixture(scope="module")
def chunk():
    s = base()
    return s, run_chunk(s, seed=5, start=0, stop=240)


def test_describe_matches_raw_data(chunk):
    s, c = chunk
    fields = actors.fields(s)
    agg = Aggregate(fields, actors.series(), 61)
    agg.add(c.values, c.daily)
    for k, f in enumerate(fields):
        if f.kind != "number":
            continue
        raw = c.values[:, k] / f.scale
        d = agg.describe(k)
        assert d["mean"] == pytest.approx(raw.mean())
        assert d["sd"] == pytest.approx(raw.std(ddof=1), abs=1e-9)
        if raw.std() > 0:
            lo, hi = sps.t.interval(0.95, len(raw) - 1, loc=raw.mean(), scale=sps.sem(raw))
            assert d["ci95_mean"] == pytest.approx([lo, hi])
        for name, p in (("median", 0.5), ("p05", 0.05), ("p95", 0.95)):
            assert d[name] == pytest.approx(np.quantile(raw, p))


def test_milestones_and_end_states_match_raw_data(chunk):
    s, c = chunk
    fields = actors.fields(s)
    agg = Aggregate(fields, actors.series(), 61)
    agg.add(c.values, c.daily)
    k = [f.name for f in fields].index("day_collapse")
    days = c.values[:, k]
    reached = days[days >= 0]
    m = agg.milestone(k)
    assert m["p"] == pytest.approx(len(reached) / len(days))
    assert m["median_day"] == pytest.approx(np.median(reached))
    states = agg.end_states()
    assert states["collapsed"]["count"] == len(reached)
    assert sum(v["count"] for v in states.values()) == len(days)


def test_survival_curve_is_the_share_not_yet_collapsed(chunk):
    s, c = chunk
    agg = Aggregate(actors.fields(s), actors.series(), 61)
    agg.add(c.values, c.daily)
    k = [f.name for f in actors.fields(s)].index("day_collapse")
    collapse = c.values[:, k]
    for row in agg.daily():
        d = row["day"]
        # holding on day d (end of day) = not collapsed on or before day d
        expected = np.mean((collapse < 0) | (collapse > d))
        assert row["survival"] == pytest.approx(expected)
        assert row["survival_lo"] <= row["survival"] <= row["survival_hi"]


def test_merging_chunks_gives_exactly_the_same_aggregate(chunk):
    s, c = chunk
    fields = actors.fields(s)
    whole = Aggregate(fields, actors.series(), 61)
    whole.add(c.values, c.daily)
    parts = Aggregate(fields, actors.series(), 61)
    for a, b in ((0, 7), (7, 100), (100, 240)):
        part = Aggregate(fields, actors.series(), 61)
        part.add(c.values[a:b], c.daily[a:b])
        parts.merge(part)
    assert parts.sums == whole.sums and parts.squares == whole.squares
    assert np.array_equal(parts.histograms.keys, whole.histograms.keys)
    assert np.array_equal(parts.histograms.counts, whole.histograms.counts)
    assert parts.daily() == whole.daily()


def test_wilson_and_t_quantile_are_scipy_stats_to_the_last_bit():
    """They are computed from scipy.special (lighter to import); the same numbers."""
    from scipy.stats import binomtest, t

    from trucesim.run.stats import t_quantile, wilson

    for n in (*range(1, 60), 999, 1000, 4096, 123_457):
        for k in {0, 1, n // 3, n // 2, n - 1, n}:
            ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
            assert wilson(k, n) == (float(ci.low), float(ci.high)), (k, n)
    for df in (1, 2, 3, 10, 29, 30, 999, 10**6, 2.5):
        assert t_quantile(df) == float(t.ppf(0.975, df)), df


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(-2**40, 2**40)), max_size=300),
       st.integers(0, 3))
def test_counts_are_those_of_numpy_unique(pairs, spread):
    """Counts.add counts by a bincount over each group's range where that is narrow, and
    by sorting where it is wide: either way the keys and counts np.unique gives."""
    from trucesim.run.counts import _OFFSET, _SHIFT, Counts

    groups = np.array([g for g, _ in pairs], dtype=np.int64)
    values = np.array([v >> (10 * spread) for _, v in pairs], dtype=np.int64)  # narrow too
    counts = Counts()
    counts.add(groups, values)
    keys, n = np.unique((groups << _SHIFT) + values + _OFFSET, return_counts=True)
    assert counts.keys.tolist() == keys.tolist() and counts.counts.tolist() == n.tolist()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.integers(0, 3), st.integers(0, 2**31),
       st.booleans())
def test_counts_of_a_table_by_rows_are_those_of_numpy_unique(groups, per_row, spread, seed,
                                                             skip):
    """Counts.add_rows counts row g as group g, narrow rows by one bincount and wide rows
    by sorting, leaving out a skipped value in the rows asked: the keys and counts
    np.unique gives for the (group, value) pairs it keeps."""
    from trucesim.run.counts import _OFFSET, _SHIFT, Counts

    rng = np.random.default_rng(seed)
    table = rng.integers(-(2 ** (4 + 12 * spread)), 2 ** (4 + 12 * spread), (groups, per_row))
    table[:, ::3] = -1  # the skipped value, in every row
    rows = rng.random(groups) < 0.5 if skip else np.zeros(groups, dtype=bool)
    counts = Counts()
    counts.add_rows(table, (rows, -1) if skip else None)
    g = np.broadcast_to(np.arange(groups)[:, None], table.shape)
    kept = ~(rows[:, None] & (table == -1))
    keys, n = np.unique((g[kept] << _SHIFT) + table[kept] + _OFFSET, return_counts=True)
    assert counts.keys.tolist() == keys.tolist() and counts.counts.tolist() == n.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-(2**53) + 1, 2**53 - 1), min_size=1, max_size=50),
       st.sampled_from([1, 10, 100, 10000]))
def test_a_csv_cell_is_the_exact_decimal_of_the_stored_integer(stored, scale):
    """replications.csv writes a number stored in hundredths (say) as the exact decimal
    of its integer, checked against Python's decimal module; parse reads it back."""
    from decimal import Decimal

    from trucesim.model.declare import Outcome
    from trucesim.model.outcomes import csv_rows

    f = Outcome("x", "number", "u", "x", lambda st: st.n, scale)
    digits = len(str(scale)) - 1
    text = csv_rows([f], 7, np.array(stored, dtype=np.int64)[:, None])
    rows = [line.split(",") for line in text.splitlines()]
    assert [int(r[0]) for r in rows] == list(range(7, 7 + len(stored)))
    assert [r[1] for r in rows] == [str(Decimal(v).scaleb(-digits)) for v in stored]
    small = [(v, r[1]) for v, r in zip(stored, rows, strict=True) if abs(v) < 2**40]
    assert [f.parse(cell) for _, cell in small] == [v for v, _ in small]  # a float's range


def test_milestone_and_category_cells_are_the_day_or_empty_and_the_category_name():
    """A milestone is written as its day, or empty where it was not reached (stored -1);
    a category as its name; a column of one value as a list of one."""
    from trucesim.model.declare import Outcome
    from trucesim.model.outcomes import csv_rows

    day = Outcome("d", "milestone", "day", "d", lambda st: st.n)
    kind = Outcome("k", "category", "", "k", lambda st: st.n, categories=("held", "collapsed"))
    stored = np.array([[-1, 0], [0, 1], [60, 1], [7, 0]], dtype=np.int64)
    assert csv_rows([day, kind], 3, stored) == "3,,held\n4,0,collapsed\n5,60,collapsed\n6,7,held\n"
    assert csv_rows([day, kind], 0, stored[:1]) == "0,,held\n"
