"""The batched engine gives each replication the same result whatever block it is stepped
in: one replication (a story), a few, one draw block (64), or a full engine block.

A replication depends only on (scenario, seed, index); the block is how many are stepped
together. If an actor let one replication's state leak into another's (a mask forgotten,
a scalar where an array belongs), the results would change with the block size, which
these tests compare on every shipped scenario. The proof that the batched engine gives
the per-replication engine's bytes is benchmarks/same_bytes.py (run against the commit
before it); tests/test_regression.py pins the values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trucesim.model import actors, outcomes
from trucesim.run import engine
from trucesim.scenario.load import load

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").rglob("*.toml"))
N, SEED = 150, 2025


def in_blocks(scenario, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Stored values and daily series of replications 0..N-1 stepped `size` at a time."""
    fields = actors.fields(scenario)
    values, daily = [], []
    for a in range(0, N, size):
        st = engine.play(scenario, SEED, a, min(a + size, N))
        values.append(outcomes.read(fields, st))
        daily.append(st.parts.daily)
    return np.concatenate(values), np.concatenate(daily, axis=2).transpose(2, 0, 1)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_a_replication_does_not_depend_on_its_block(path):
    s = load(path)
    whole = engine.run_chunk(s, SEED, 0, N)
    for size in (1, 7, 64):
        values, daily = in_blocks(s, size)
        assert np.array_equal(values, whole.values), (path.stem, size)
        assert np.array_equal(daily, whole.daily), (path.stem, size)


def test_a_chunk_is_the_same_in_small_engine_blocks(monkeypatch):
    s = load(ROOT / "scenarios" / "base.toml")
    whole = engine.run_chunk(s, SEED, 0, 300)
    monkeypatch.setattr(engine, "BLOCK_SIZE", 64)
    small = engine.run_chunk(s, SEED, 0, 300)
    assert np.array_equal(small.values, whole.values)
    assert np.array_equal(small.daily, whole.daily)


def test_a_story_is_its_replication_in_the_block():
    """simulate() (a block of one, natural units) decodes to the block's stored row."""
    s = load(ROOT / "scenarios" / "base.toml")
    fields = actors.fields(s)
    chunk = engine.run_chunk(s, SEED, 0, 40)
    for index in (0, 17, 39):
        one = engine.simulate(s, SEED, index)
        row = {f.name: f.decode(v) for f, v in zip(fields, chunk.values[index].tolist(),
                                                   strict=True)}
        assert dict(one.record) == row


def test_a_chunk_written_over_a_recycled_one_is_the_same(monkeypatch):
    """summarise_chunk hands a chunk's daily snapshots back once it has read them, and the
    next block of the same shape writes over them: its aggregate and CSV rows are those
    of the same chunk run on fresh memory, and the recycled chunk's own results, read
    before, are unchanged."""
    from trucesim.model.actors import recorder

    s = load(ROOT / "scenarios" / "base.toml")
    monkeypatch.setattr(recorder, "_spare", [])
    first = engine.summarise_chunk(s, SEED, (0, 200))
    assert len(recorder._spare) == 1  # handed back
    spare = recorder._spare[0]
    second = engine.summarise_chunk(s, SEED, (200, 400))  # written over the spare
    assert len(recorder._spare) == 1 and recorder._spare[0] is spare  # used, handed back
    recorder._spare.clear()
    fresh = engine.summarise_chunk(s, SEED, (200, 400))
    assert second.csv_rows == fresh.csv_rows
    assert second.aggregate.histograms.keys.tolist() == fresh.aggregate.histograms.keys.tolist()
    assert np.array_equal(second.aggregate.daily_sums, fresh.aggregate.daily_sums)
    again = engine.summarise_chunk(s, SEED, (0, 200))
    assert again.csv_rows == first.csv_rows
    assert np.array_equal(again.aggregate.daily_sums, first.aggregate.daily_sums)
