"""Fuzzing the command line with bad numbers, hypothesis-generated `--set` values and
scenario files (issue 13): every input ends in exit 0 or a one-line error with exit 2,
`validate` accepts exactly what `run` can run, and nothing is written outside `--out`.
Each invocation goes through tests/attack.py, which checks and counts it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attack import attack
from conftest import BASE
from trucesim.scenario import load
from trucesim.scenario.registry import parameters

# every numeric key of the scenario: the parameters, and the schedule's numbers
NUMERIC = [p.key for p in parameters(load(BASE))
           if isinstance(p.value, int | float) and not isinstance(p.value, bool)]
NUMERIC += ["releases[0].day", "releases[0].living", "releases[0].bodies",
            "releases[0].living_outside_deal", "releases[1].prisoners_per_living.gaza_detainees",
            "withdrawal.stages[0].share", "withdrawal.stages[0].after_release",
            "withdrawal.stages[0].delay_days", "withdrawal.stages[1].day"]
EXTREMES = ["inf", "-inf", "nan", "1e300", "-1"]
FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def test_the_key_list_covers_every_numeric_key():
    assert len(NUMERIC) >= 63 and len(set(NUMERIC)) == len(NUMERIC)


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("key", NUMERIC)
def test_every_numeric_key_at_an_extreme(tmp_path, key, value):
    """validate and run agree on every key at inf, -inf, nan, 1e300 and -1."""
    out = tmp_path / "out"
    checked = attack(["validate", BASE, "--set", f"{key}={value}"], tmp_path, out)
    ran = attack(["run", BASE, "-n", 2, "-q", "-o", out, "--set", f"{key}={value}"],
                 tmp_path, out)
    assert checked.code == ran.code, (checked.output, ran.output)
    if value in ("inf", "-inf", "nan", "1e300"):
        assert ran.code == 2 and key.split("[")[0] in ran.output
        assert not out.exists()


# values as a user might type them after --set KEY=
_numbers = st.one_of(st.integers(-10**30, 10**30).map(str),
                     st.floats(allow_nan=True, allow_infinity=True).map(
                         lambda x: repr(x).replace("inf", "inf").replace("nan", "nan")),
                     st.sampled_from(["0", "-0.0", "1e-320", "0x10", "1_000", "true", "[1, 2]",
                                      "{a = 1}", '"text"', "''", "[[[]]]", "1979-05-27"]))
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                max_size=30).map(lambda s: json.dumps(s))
_keys = st.one_of(st.sampled_from([*NUMERIC, "name", "title", "description",
                                   "releases[0].label", "handovers.bodies_mode",
                                   "handovers.withheld_in_crisis", "extends", "releases",
                                   "releases[9].day", "aid", "aid.nope", "x.y.z", "[0]", "a..b",
                                   "exchange.prisoners_per_living_hostage.New_Cat"]),
                  st.from_regex(r"[a-z_]{1,12}(\.[a-z_]{1,12}){0,2}", fullmatch=True))


@FAST
@given(key=_keys, value=st.one_of(_numbers, _text, st.text(max_size=20)))
def test_hypothesis_set_values(tmp_path_factory, key, value):
    tmp = tmp_path_factory.mktemp("set")
    out = tmp / "out"
    checked = attack(["validate", BASE, "--set", f"{key}={value}"], tmp, out)
    ran = attack(["run", BASE, "-n", 1, "-q", "-o", out, "--set", f"{key}={value}"], tmp, out)
    assert checked.code == ran.code, (checked.output, ran.output)


def _mutations() -> st.SearchStrategy[str]:
    """base.toml with one line changed: a number replaced, a line dropped or doubled, or
    random characters inserted."""
    lines = BASE.read_text().splitlines()
    numbered = [i for i, line in enumerate(lines) if re.search(r"= -?[0-9]", line)]

    def number(i: int, value: str) -> str:
        out = list(lines)
        out[i] = re.sub(r"= -?[0-9][0-9.e_+-]*", f"= {value}", out[i], count=1)
        return "\n".join(out) + "\n"

    def drop(i: int) -> str:
        return "\n".join(lines[:i] + lines[i + 1:]) + "\n"

    def double(i: int) -> str:
        return "\n".join(lines[:i + 1] + lines[i:]) + "\n"

    def insert(i: int, text: str) -> str:
        return "\n".join([*lines[:i], text, *lines[i:]]) + "\n"

    index = st.integers(0, len(lines) - 1)
    return st.one_of(
        st.builds(number, st.sampled_from(numbered),
                  st.one_of(st.sampled_from(["inf", "nan", "-inf", "1e300", "-1", "0",
                                             "99999999999999999999", "0.5", "3", "1e-9"]),
                            st.floats(-1e6, 1e6).map(repr), st.integers(-10, 10**6).map(str))),
        st.builds(drop, index), st.builds(double, index),
        st.builds(insert, index, st.text(max_size=40)))


@FAST
@given(text=_mutations())
def test_hypothesis_scenario_files(tmp_path_factory, text):
    tmp = tmp_path_factory.mktemp("file")
    path = tmp / "mutant.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = tmp / "out"
    checked = attack(["validate", path], tmp, out)
    ran = attack(["run", path, "-n", 1, "-q", "-o", out], tmp, out)
    assert checked.code == ran.code, (checked.output, ran.output)
    if checked.code == 2:
        assert all(line.startswith(f"error: {path}") or line.startswith("error: ")
                   for line in checked.output.splitlines())


@pytest.mark.parametrize("key", ["aid.trucks_per_day_agreed", "tension.per_palestinian_death",
                                 "crisis.incident_multiplier", "negotiations.drift_per_day"])
@pytest.mark.parametrize("value", ["inf", "nan", "1e300"])
def test_compare_story_and_sweep_refuse_extremes_and_write_nothing(tmp_path, key, value):
    variant = tmp_path / "variant.toml"
    section, _, name = key.partition(".")
    variant.write_text(f'extends = "{BASE}"\nname = "variant"\n[{section}]\n{name} = {value}\n')
    out = tmp_path / "out"
    for args in (["compare", BASE, variant, "-n", 4, "-q", "-o", out],
                 ["story", variant],
                 ["story", BASE, "--set", f"{key}={value}", "--markdown", out / "s.md"],
                 ["sweep", BASE, "--vary", "crisis.max_days=3:9", "--method", "grid",
                  "--samples", 2, "-n", 2, "-q", "-o", out, "--set", f"{key}={value}"]):
        assert attack(args, tmp_path, out).code == 2
        assert not out.exists()


@pytest.mark.parametrize("vary", ["aid.trucks_per_day_agreed=0:1e300",
                                  "aid.trucks_per_day_agreed=0:inf",
                                  "crisis.incident_multiplier=1:100"])
def test_a_sweep_over_impossible_values_writes_nothing(tmp_path, vary):
    out = tmp_path / "out"
    attack(["sweep", BASE, "--vary", vary, "--method", "grid", "--samples", 3, "-n", 2, "-q",
            "-o", out], tmp_path, out, expect=(2,))
    assert not out.exists()


def test_a_huge_grid_is_refused_at_once(tmp_path):
    """4 keys at 1,000 levels each: 10**12 points, refused before any is built."""
    out = tmp_path / "out"
    result = attack(["sweep", BASE, "--method", "grid", "--samples", 1000, "-n", 2, "-q",
                     "-o", out, "--vary", "handovers.slip_probability=0:0.5",
                     "--vary", "mediation.drain_per_day=0.1:0.5",
                     "--vary", "aid.delivery_ratio_mean=0.5:0.9",
                     "--vary", "crisis.collapse_hazard_per_day=0:0.2"], tmp_path, out,
                    expect=(2,))
    assert "1,000,000,000,000 design points" in result.output and not out.exists()


@pytest.mark.parametrize("samples", [0, 1, -5])
def test_samples_below_two_are_refused_not_replaced_by_the_default(tmp_path, samples):
    out = tmp_path / "out"
    result = attack(["sweep", BASE, "--vary", "crisis.max_days=3:9", "--method", "grid",
                     "--samples", samples, "-n", 2, "-o", out], tmp_path, out, expect=(2,))
    assert "--samples" in result.output and not out.exists()


def test_lazy_chunks_for_any_number_of_replications():
    from trucesim.run.engine import chunk_bounds, chunk_count

    bounds = chunk_bounds(10**18, 1024)
    assert next(bounds) == (0, 1024) and next(bounds) == (1024, 2048)
    assert chunk_count(10**18, 1024) == -(-10**18 // 1024)


def test_validate_reads_no_unbounded_input(tmp_path):
    for special in ("/dev/zero", "/dev/urandom", str(tmp_path)):
        attack(["validate", special], tmp_path, tmp_path / "out", expect=(2,))
    big = tmp_path / "big.toml"
    big.write_text('extends = "' + str(BASE) + '"\n' + "#" * (2 << 20) + "\n")
    attack(["run", big, "-n", 1, "-o", tmp_path / "out"], tmp_path, tmp_path / "out",
           expect=(2,))


def test_paths_that_are_not_files(tmp_path):
    out = tmp_path / "out"
    for args in (["run", tmp_path, "-n", 1, "-o", out], ["story", tmp_path],
                 ["diff", BASE, tmp_path], ["params", tmp_path],
                 ["backtest", BASE, tmp_path, "-n", 2, "-o", out],
                 ["report", BASE], ["report", tmp_path / "absent"],
                 ["run", BASE, "-n", 1, "-o", Path("/dev/null") / "x"]):
        attack(args, tmp_path, out, expect=(1, 2))


def test_output_files_that_are_not_regular_files_are_never_replaced(tmp_path):
    """`story --markdown` and `report --out` over a pipe or a symbolic link: refused (a
    device such as /dev/full was once replaced by a file)."""
    import os

    fifo, target = tmp_path / "pipe", tmp_path / "target.md"
    os.mkfifo(fifo)
    target.write_text("the user's")
    (tmp_path / "link.md").symlink_to(target)
    out = tmp_path / "out"
    attack(["run", BASE, "-n", 3, "-q", "-o", out], tmp_path, out, expect=(0,))
    for path in (fifo, tmp_path / "link.md"):
        attack(["story", BASE, "--markdown", path], tmp_path, out, expect=(1,))
        attack(["report", out / "base", "--out", path], tmp_path, out, expect=(1,))
    assert target.read_text() == "the user's" and fifo.is_fifo()


@pytest.mark.parametrize("address", ["garbage", "tcp://10.0.0.5:99999", "inproc://x",
                                     "ws://[::1", "tls://localhost:8786", "tcp://", ""])
def test_malformed_scheduler_addresses(tmp_path, address):
    out = tmp_path / "out"
    result = attack(["run", BASE, "-n", 3, "-o", out, "--scheduler", address], tmp_path,
                    out, expect=(2,))
    assert "--scheduler must be an address like tcp://" in result.output


def _bounds(key: str) -> tuple[float, float, bool] | None:
    """A key's enforced bounds (low, high, integer) from the schema, or None."""
    from trucesim.scenario.schema import Scenario

    model, info = Scenario, None
    for part in key.split("."):
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return None
        info = fields[part]
        model = info.annotation
    low = high = None
    for item in info.metadata if info is not None else ():
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else (
            getattr(item, "gt", None) if getattr(item, "gt", None) is not None else low)
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else (
            getattr(item, "lt", None) if getattr(item, "lt", None) is not None else high)
    if low is None or high is None or info is None:
        return None
    return float(low), float(high), info.annotation is int


BOUNDED = {key: b for key in NUMERIC if (b := _bounds(key)) is not None}


@st.composite
def _corners(draw: st.DrawFn) -> list[str]:
    """Several keys at once, each at its lower bound, its upper bound or in between."""
    keys = draw(st.lists(st.sampled_from(sorted(BOUNDED)), min_size=1, max_size=12,
                         unique=True))
    out = []
    for key in keys:
        low, high, integer = BOUNDED[key]
        value = draw(st.one_of(st.just(low), st.just(high), st.floats(low, high)))
        if integer:
            out.append(f"{key}={int(value)}")
        else:
            out.append(f"{key}={min(value, high * (1 - 1e-9) if key.endswith('_sd') else high)!r}")
    return out


@FAST
@given(overrides=_corners())
def test_hypothesis_keys_together_at_their_bounds(tmp_path_factory, overrides):
    """What validate accepts runs, however many keys sit at the edges of their bounds."""
    tmp = tmp_path_factory.mktemp("corner")
    out = tmp / "out"
    sets = [a for o in overrides for a in ("--set", o)]
    checked = attack(["validate", BASE, *sets], tmp, out)
    ran = attack(["run", BASE, "-n", 3, "-q", "-o", out, *sets], tmp, out)
    assert checked.code == ran.code, (overrides, checked.output, ran.output)
