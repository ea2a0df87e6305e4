"""Blocks that hold several parameter sets (trucesim.model.mixed, engine.run_mixed): each
replication comes out as it does in a block of its own set, for every parameter a
calibration or an uncertain scenario can vary."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from trucesim.analysis.calibrate import is_number
from trucesim.model import actors, mixed
from trucesim.run import engine
from trucesim.run.engine import Piece, run_chunk, run_mixed
from trucesim.scenario.load import load
from trucesim.scenario.registry import parameters
from trucesim.scenario.rules import check
from trucesim.scenario.uncertain import with_values

SCENARIOS = ("scenarios/base.toml", "scenarios/history/jan-2025-ceasefire.toml")


def _variants(scenario):
    """For each registry parameter with a plausible range, the scenario at its two ends
    and its middle (those values that make a valid scenario)."""
    for p in parameters(scenario):
        if (p.plausible is None or isinstance(p.value, bool)
                or not isinstance(p.value, int | float) or not is_number(p.key)):
            continue
        low, high = p.plausible
        values = [low, (low + high) / 2, high]
        if isinstance(p.value, int):
            values = [round(v) for v in values]
        sets = []
        for v in values:
            try:
                at = with_values(scenario, {p.key: v})
            except ValueError:
                continue
            if not check(at):  # valid: no rule across keys broken
                sets.append(at)
        if len(sets) > 1:
            yield p.key, sets


def _alone(pieces):
    return [run_chunk(p.scenario, p.seed, p.start, p.stop) for p in pieces]


@pytest.mark.parametrize("path", SCENARIOS)
def test_each_parameter_mixed_in_one_block_gives_what_each_set_gives_alone(path):
    scenario = load(ROOT / path)
    checked = separate = 0
    for key, sets in _variants(scenario):
        # pieces of 13 replications, at different offsets and seeds, in one block
        pieces = [Piece(s, 11 + k, 5 + 13 * k, 18 + 13 * k) for k, s in enumerate(sets)]
        got, want = run_mixed(pieces), _alone(pieces)
        for g, w in zip(got, want, strict=True):
            assert g.start == w.start
            assert np.array_equal(g.values, w.values), key
            assert np.array_equal(g.daily, w.daily), key
        try:
            mixed.stacked(sets, [13] * len(sets))
            checked += 1
        except mixed.Unmixable:
            separate += 1
            assert key in mixed.SEPARATE
    assert checked > 40  # most parameters share a block
    assert separate <= len(mixed.SEPARATE)


def test_outcomes_read_each_replications_own_parameters():
    """deaths averted counts against each set's own counterfactual rate."""
    base = load(ROOT / "scenarios/base.toml")
    sets = [with_values(base, {"counterfactual.deaths_per_day_palestinians": v})
            for v in (62.0, 86.0)]
    scenario = mixed.stacked(sets, [3, 3])
    assert scenario.counterfactual.deaths_per_day_palestinians.tolist() == [62.0] * 3 + [86.0] * 3
    chunks = run_mixed([Piece(sets[0], 1, 0, 40), Piece(sets[1], 1, 0, 40)])
    names = [f.name for f in actors.fields(base)]
    p, i, averted = (names.index(k) for k in ("deaths_palestinians", "deaths_israelis",
                                              "deaths_averted"))
    israelis = base.counterfactual.deaths_per_day_israelis
    for rate, c in zip((62.0, 86.0), chunks, strict=True):
        expected = np.round((60 * (rate + israelis) - c.values[:, p] - c.values[:, i]) * 100)
        assert c.values[:, averted].tolist() == expected.astype(np.int64).tolist()
    # and the war after a collapse is fought at each set's own rate
    collapsed = chunks[1].values[:, p] > chunks[0].values[:, p]
    assert collapsed.any()


def test_keys_that_shape_the_run_are_not_mixed_but_run_apart():
    base = load(ROOT / "scenarios/base.toml")
    sets = [with_values(base, {"extensions.days_each": d}) for d in (1, 3)]
    with pytest.raises(mixed.Unmixable, match=r"extensions\.days_each"):
        mixed.stacked(sets, [2, 2])
    pieces = [Piece(s, 4, 0, 20) for s in sets]
    for g, w in zip(run_mixed(pieces), _alone(pieces), strict=True):
        assert np.array_equal(g.values, w.values)


def test_a_piece_longer_than_a_block_is_split_and_joined(monkeypatch):
    base = load(ROOT / "scenarios/base.toml")
    other = with_values(base, {"mediation.drain_per_day": 0.1})
    monkeypatch.setattr(engine, "BLOCK_SIZE", 7)
    pieces = [Piece(base, 3, 2, 20), Piece(other, 3, 0, 5), Piece(base, 9, 64, 80)]
    got = run_mixed(pieces)
    monkeypatch.setattr(engine, "BLOCK_SIZE", 2048)
    for g, w in zip(got, _alone(pieces), strict=True):
        assert (g.start, len(g.values)) == (w.start, len(w.values))
        assert np.array_equal(g.values, w.values)
        assert np.array_equal(g.daily, w.daily)


def test_powers_of_a_base_per_replication_are_python_s_own_bits():
    """sampling.powers computes each distinct (base, k) once: every element has the bits
    Python's float ** int gives, for repeated and distinct pairs alike."""
    from trucesim.model.sampling import powers

    rng = np.random.default_rng(3)
    base = rng.choice(np.array([0.9, 0.97, 1 / 3, 0.5000001]), 500)
    k = rng.integers(0, 40, 500)
    expected = np.array([b ** x for b, x in zip(base.tolist(), k.tolist(), strict=True)])
    got = powers(base, k)
    assert got.view(np.int64).tolist() == expected.view(np.int64).tolist()
    assert powers(0.97, k).view(np.int64).tolist() == np.array(
        [0.97 ** x for x in k.tolist()]).view(np.int64).tolist()
    # one base's table is kept between calls: a later call with larger counts (here the
    # powers of two at which the table doubles) still gets Python's own bits
    for top in (0, 1, 2, 31, 32, 64, 200):
        ks = np.arange(top + 1)
        assert powers(0.97, ks).view(np.int64).tolist() == np.array(
            [0.97 ** x for x in ks.tolist()]).view(np.int64).tolist()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 3000), st.floats(0.01, 40.0))
def test_the_vector_poisson_inversion_is_the_one_at_a_time_inversion(seed, n, top):
    """sampling.poisson (its first steps for all counts at once, then the shrinking loop,
    then one at a time) gives each count the one-at-a-time inversion in Python floats
    gives: the first k at which u <= P(count <= k), with p_k = p_(k-1) * (mean / k); a
    mean above 30 takes the normal approximation."""
    from trucesim.model.sampling import _normal_count, poisson

    rng = np.random.default_rng(seed)
    mean = rng.gamma(0.7, top / 0.7, n)
    mean[rng.random(n) < 0.1] = 0.0
    u = rng.random(n)
    p0 = np.exp(-mean)  # the caller's exp(-mean), as violence passes it
    expected = []
    for m, v, p in zip(mean.tolist(), u.tolist(), p0.tolist(), strict=True):
        if m == 0.0:
            expected.append(0)
        elif m > 30.0:
            expected.append(_normal_count(m, v))
        else:
            k, cumulative = 0, p
            while v > cumulative and k < 200:
                k += 1
                p *= m / k
                cumulative += p
            expected.append(k)
    assert poisson(mean, u, p0).tolist() == expected
    assert poisson(mean, u).tolist() == expected  # exp(-mean) by the sampler: numpy's too
    where = rng.random(n) < 0.7  # only where asked; 0 elsewhere
    assert poisson(mean, u, p0, where).tolist() == [
        e if w else 0 for e, w in zip(expected, where.tolist(), strict=True)]
