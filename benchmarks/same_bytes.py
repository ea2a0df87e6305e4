"""Prove that a change leaves results unchanged: run every shipped scenario at the given
seeds with this checkout and with an earlier commit, and compare summary.json,
replications.csv and daily.csv byte for byte.

    python benchmarks/same_bytes.py                 # against HEAD's parent
    python benchmarks/same_bytes.py --against 6848492 -n 1000 --seeds 1,2025

The earlier commit is checked out in a temporary git worktree and run from its sources
with this interpreter (its dependencies are this environment's); both runs use one worker
so that nothing but the code differs. Exit 0 when every file is identical, 1 otherwise
(each differing file is named, with its first differing line).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPARED = ("summary.json", "replications.csv", "daily.csv")


def scenarios(source: Path = ROOT) -> list[Path]:
    """The scenarios `source` ships: each checkout runs its own files (a key added since
    the earlier commit, stated in base.toml, is unknown to the earlier package), and
    only those the earlier commit shipped are compared."""
    return sorted((source / "scenarios").rglob("*.toml"))


def run_all(source: Path, out: Path, n: int, seeds: list[int]) -> None:
    """`trucesim run` of every shipped scenario from `source`'s package into out/seed-S."""
    env = os.environ | {"PYTHONPATH": str(source / "src")}
    for seed in seeds:
        for scenario in scenarios(source):
            subprocess.run([sys.executable, "-m", "trucesim", "run", str(scenario), "-n", str(n),
                            "--seed", str(seed), "--workers", "1", "--quiet",
                            "--out", str(out / f"seed-{seed}")], env=env, check=True,
                           cwd=source)


def first_difference(a: Path, b: Path) -> str:
    for i, (x, y) in enumerate(zip(a.read_text().splitlines(), b.read_text().splitlines(),
                                   strict=False), 1):
        if x != y:
            return f"line {i}: {x[:60]!r} vs {y[:60]!r}"
    return "lengths differ"


def compare(old: Path, new: Path) -> list[str]:
    """Every compared file that differs (or is missing), with its first difference."""
    problems = []
    for folder in sorted(p for p in old.glob("seed-*/*") if p.is_dir()):
        other = new / folder.relative_to(old)
        for name in COMPARED:
            a, b = folder / name, other / name
            if not b.exists():
                problems.append(f"{b}: missing")
            elif a.read_bytes() != b.read_bytes():
                problems.append(f"{folder.relative_to(old)}/{name}: {first_difference(a, b)}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", default="HEAD~1", help="the earlier commit (default HEAD~1)")
    ap.add_argument("-n", type=int, default=1000, help="replications per run (default 1000)")
    ap.add_argument("--seeds", default="1,2025", help="comma-separated seeds (default 1,2025)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    with tempfile.TemporaryDirectory(prefix="same-bytes-") as tmp:
        earlier = Path(tmp) / "earlier"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                        str(earlier), args.against], check=True)
        try:
            run_all(earlier, Path(tmp) / "old", args.n, seeds)
            run_all(ROOT, Path(tmp) / "new", args.n, seeds)
            problems = compare(Path(tmp) / "old", Path(tmp) / "new")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(earlier)], check=False)
    runs = len(scenarios()) * len(seeds)
    for line in problems:
        print(line)
    print(f"{runs} runs of {args.n} replications, {runs * len(COMPARED)} files: "
          f"{len(problems)} differ (against {args.against})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
