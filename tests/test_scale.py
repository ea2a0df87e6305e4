"""Scale: the same numbers on every executor, clean interruption, light start-up, bench."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from conftest import BASE, ROOT, base
from trucesim.cli import app
from trucesim.model.streams import BLOCK
from trucesim.run import runner
from trucesim.run.executors import PoolExecutor, SerialExecutor

cli = CliRunner()
TRUCESIM = [sys.executable, "-m", "trucesim.cli"]


def files(directory):
    return {name: (directory / name).read_bytes()
            for name in ("summary.json", "replications.csv", "daily.csv")}


def test_one_worker_two_workers_and_dask_give_identical_files(tmp_path):
    n = 3 * BLOCK + 17  # several blocks, the last one partial
    runs = {"serial": ["-w", "1", "--executor", "serial"],
            "pool": ["-w", "2", "--executor", "pool"],
            "dask": ["-w", "2", "--executor", "dask"]}  # dask is in the test extra
    for name, args in runs.items():
        result = cli.invoke(app, ["run", str(BASE), "-n", str(n), "-q", "-o",
                                  str(tmp_path / name), *args])
        assert result.exit_code == 0, result.output
    reference = files(tmp_path / "serial" / "base")
    for name in ("pool", "dask"):
        assert files(tmp_path / name / "base") == reference, name
    manifest = json.loads((tmp_path / "dask" / "base" / "manifest.json").read_text())
    assert manifest["executor"] == "DaskExecutor" and manifest["workers"] == 2


def test_chunking_does_not_change_the_numbers(tmp_path):
    s = base()
    outs = []
    for chunk_size, executor in ((BLOCK, SerialExecutor()), (50, SerialExecutor()),
                                 (3 * BLOCK, PoolExecutor(2))):
        out = tmp_path / str(chunk_size)
        runner.run(s, 9, 200, out, executor, chunk_size=chunk_size)
        outs.append(files(out / "base"))
    assert outs[0] == outs[1] == outs[2]


def _interrupt_after_first_chunk(done):
    os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_keeps_complete_files_marked_partial(tmp_path):
    with pytest.raises(runner.Interrupted) as info:
        runner.run(base(), 1, 10 * BLOCK, tmp_path, SerialExecutor(), chunk_size=BLOCK,
                   progress=_interrupt_after_first_chunk)
    stop = info.value
    assert (stop.done, stop.requested) == (BLOCK, 10 * BLOCK)
    out = tmp_path / "base"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "partial" and manifest["replications_completed"] == BLOCK
    rows = (out / "replications.csv").read_text().splitlines()
    width = rows[0].count(",")
    assert len(rows) == BLOCK + 1 and all(r.count(",") == width for r in rows)
    assert [int(r.split(",")[0]) for r in rows[1:]] == list(range(BLOCK))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == BLOCK and summary["status"] == "partial"
    assert summary["replications_requested"] == 10 * BLOCK
    assert stop.kept is None  # nothing complete was there before


def test_an_interrupted_rerun_keeps_the_earlier_complete_results(tmp_path):
    runner.run(base(), 1, 300, tmp_path, SerialExecutor())
    earlier = files(tmp_path / "base")
    earlier_manifest = (tmp_path / "base" / "manifest.json").read_bytes()
    with pytest.raises(runner.Interrupted) as info:
        runner.run(base(), 1, 10 * BLOCK, tmp_path, SerialExecutor(), chunk_size=BLOCK,
                   progress=_interrupt_after_first_chunk)
    assert files(tmp_path / "base") == earlier  # the complete run is untouched
    assert (tmp_path / "base" / "manifest.json").read_bytes() == earlier_manifest
    assert "status" not in json.loads(earlier["summary.json"])
    beside = tmp_path / "base.partial"
    assert info.value.directory == beside and info.value.kept == tmp_path / "base"
    assert json.loads((beside / "summary.json").read_text())["status"] == "partial"
    assert json.loads((beside / "manifest.json").read_text())["status"] == "partial"
    # a second interruption replaces the partial results beside it, not the complete ones
    with pytest.raises(runner.Interrupted):
        runner.run(base(), 2, 10 * BLOCK, tmp_path, SerialExecutor(), chunk_size=BLOCK,
                   progress=_interrupt_after_first_chunk)
    assert files(tmp_path / "base") == earlier
    assert json.loads((beside / "summary.json").read_text())["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "base.partial"]


def test_an_interrupted_rerun_replaces_earlier_partial_results(tmp_path):
    for seed in (1, 2):
        with pytest.raises(runner.Interrupted) as info:
            runner.run(base(), seed, 10 * BLOCK, tmp_path, SerialExecutor(),
                       chunk_size=BLOCK, progress=_interrupt_after_first_chunk)
        assert info.value.directory == tmp_path / "base" and info.value.kept is None
    assert json.loads((tmp_path / "base" / "summary.json").read_text())["seed"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["base"]


def test_a_partial_run_equals_a_complete_run_of_the_same_size(tmp_path):
    """The finished prefix of an interrupted run is exactly a run of that many replications."""
    with pytest.raises(runner.Interrupted):
        runner.run(base(), 4, 5 * BLOCK, tmp_path / "cut", SerialExecutor(), chunk_size=BLOCK,
                   progress=_interrupt_after_first_chunk)
    runner.run(base(), 4, BLOCK, tmp_path / "whole", SerialExecutor(), chunk_size=BLOCK)
    cut, whole = files(tmp_path / "cut" / "base"), files(tmp_path / "whole" / "base")
    assert cut.pop("replications.csv") == whole.pop("replications.csv")
    assert cut.pop("daily.csv") == whole.pop("daily.csv")
    marked = json.loads(cut["summary.json"])  # says it is partial; otherwise the same
    assert (marked.pop("status"), marked.pop("replications_requested")) == ("partial",
                                                                            5 * BLOCK)
    assert marked == json.loads(whole["summary.json"])


def test_ctrl_c_of_the_command_stops_cleanly(tmp_path):
    """A real SIGINT to `trucesim run` on a pool of workers: exit 130, partial files whole."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([*TRUCESIM, "run", str(BASE), "-n", "200000", "-w", "2", "-o",
                             str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    deadline = time.monotonic() + 120  # until a chunk is written (a busy machine is slow)
    while time.monotonic() < deadline and not _rows_written(tmp_path):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted:" in err and "Traceback" not in err
    manifest = json.loads((tmp_path / "base" / "manifest.json").read_text())
    done = manifest["replications_completed"]
    assert manifest["status"] == "partial" and 0 < done < 200000
    rows = (tmp_path / "base" / "replications.csv").read_text().splitlines()
    width = rows[0].count(",")
    assert len(rows) == done + 1 and all(r.count(",") == width for r in rows)
    assert [p.name for p in tmp_path.iterdir()] == ["base"]  # no temporary directory left


def _rows_written(out):
    """Whether a run in progress has written replications to its working directory."""
    for path in out.glob(".base.trucesim-*/new/replications.csv"):
        try:
            if len(path.read_bytes().splitlines()) > 1:
                return True
        except OSError:
            pass
    return False


def test_interrupted_before_any_replication_writes_nothing(tmp_path):
    class Stopper(SerialExecutor):
        def map(self, task, items):
            os.kill(os.getpid(), signal.SIGINT)
            yield from super().map(task, list(items)[:0])

    with pytest.raises(runner.Interrupted) as info:
        runner.run(base(), 1, 100, tmp_path, Stopper())
    assert info.value.directory is None and not (tmp_path / "base").exists()


def _modules_after(code):
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(sorted(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return set(eval(out.stdout.strip().splitlines()[-1]))


HEAVY = {"numpy", "simpy", "scipy", "matplotlib", "SALib", "sklearn", "dask", "pandas"}


def test_help_imports_nothing_heavy():
    loaded = _modules_after("import trucesim.cli")
    assert not loaded & (HEAVY | {"pydantic"})


def test_validate_imports_only_what_validation_needs():
    code = ("from typer.testing import CliRunner\nfrom trucesim.cli import app\n"
            f"assert CliRunner().invoke(app, ['validate', {str(BASE)!r}]).exit_code == 0")
    loaded = _modules_after(code)
    assert "pydantic" in loaded and not loaded & HEAVY


def test_bench_reports_rates_and_ratios():
    result = cli.invoke(app, ["bench", str(BASE), "-n", "256", "--rounds", "1", "--scale",
                              "256", "--scale-rounds", "1", "-w", "2", "--json"])
    assert result.exit_code == 0, result.output
    r = json.loads(result.output)
    # a block is the window's days times a few events per actor, not per replication
    assert 100 < r["events_per_block"] < 2000
    # the per-replication shape: six daily processes over 61 days, ten brief ones
    assert 6 * 61 < r["bare_events_per_replication"] < 6 * 61 + 10 * 6
    # one round: each ratio is that round's ratio of the rates (given to 3 decimals)
    assert r["ratio_to_bare"] == pytest.approx(
        r["trucesim_replications_per_second"] / r["bare_replications_per_second"], rel=1e-2,
        abs=6e-4)
    assert r["ratio_to_reference"] == pytest.approx(
        r["trucesim_replications_per_second"] / r["reference_replications_per_second"],
        rel=1e-2, abs=6e-4)
    assert r["speedup"] == pytest.approx(
        r["all_workers_replications_per_second"] / r["one_worker_replications_per_second"],
        rel=0.02, abs=6e-3)
    assert r["workers"] == 2


def test_the_bench_report_fits_80_columns():
    from trucesim.cli.bench import report
    from trucesim.run.bench import BenchResult

    r = BenchResult(4096, 620, 352, 2_000.0, 45_000.0, 15_000.0, 7.5, 0.333, 3, 20_000,
                    2000, 200_000, 2, 14_000.0, 27_000.0, 1.93, 3)
    lines = report("base", r)
    assert all(len(line) <= 80 for line in lines), lines
    assert any("to the vectorised reference 0.33" in line for line in lines)


def test_progress_bar_only_on_a_terminal(monkeypatch):
    from trucesim.cli import options as cli_module

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    bar = cli_module.progress_bar(100, "x", quiet=False)
    assert not bar.enabled
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert cli_module.progress_bar(100, "x", quiet=False).enabled
    assert not cli_module.progress_bar(100, "x", quiet=True).enabled


def test_small_runs_stay_in_process_unless_workers_are_asked_for():
    from trucesim.cli.options import SERIAL_UP_TO, executor_for
    from trucesim.run.executors import cpu_count

    with executor_for(SERIAL_UP_TO, 0, "auto", None) as executor:
        assert isinstance(executor, SerialExecutor)
    with executor_for(SERIAL_UP_TO + 1, 0, "auto", None) as executor:
        assert isinstance(executor, PoolExecutor) or cpu_count() == 1
    with executor_for(100, 2, "auto", None) as executor:  # -w 2 means two workers
        assert isinstance(executor, PoolExecutor) and executor.workers == 2
