"""Instructions per replication, counted by valgrind's callgrind: a speed measure that,
unlike seconds, does not depend on what else the machine is doing.

    python benchmarks/instructions.py [SCENARIO] [--small 64] [--large 576]

Runs the whole pipeline of a run (draws, model, records, aggregation; not the disk) in
one process for two replication counts under callgrind, and prints the difference per
replication, so start-up and imports cancel out. Needs valgrind (Debian: `apt-get install
valgrind`). Compare two versions of trucesim by running this with each one's Python.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CODE = """
from trucesim.run.bench import pipeline
from trucesim.run.executors import SerialExecutor
from trucesim.scenario import load
pipeline(load({path!r}), 1, {n}, SerialExecutor())
"""


def instructions(path: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out",
             sys.executable, "-c", CODE.format(path=path, n=n)],
            capture_output=True, text=True, check=True,
            env=os.environ | {"PYTHONHASHSEED": "0"}).stderr
    found = re.search(r"Collected : (\d+)", out)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{out[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/base.toml")
    parser.add_argument("--small", type=int, default=64)
    parser.add_argument("--large", type=int, default=576)
    args = parser.parse_args()
    path = str(Path(args.scenario).resolve())
    small, large = instructions(path, args.small), instructions(path, args.large)
    per = (large - small) / (args.large - args.small)
    print(f"{per:,.0f} instructions per replication of {Path(path).stem} "
          f"({args.small} and {args.large} replications: {small:,} and {large:,})")


if __name__ == "__main__":
    main()
