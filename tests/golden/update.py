"""Regenerate tests/golden/shipped.json: `python tests/golden/update.py`.

Only after a deliberate change to the model or the shipped scenarios, and after checking
the new numbers (see test_regression.py for what each is compared against).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from test_regression import PINNED, REPLICATIONS, SEED, fingerprint  # noqa: E402
from trucesim.scenario import load  # noqa: E402

if __name__ == "__main__":
    scenarios = {path.stem: fingerprint(load(path))
                 for path in sorted((HERE.parents[1] / "scenarios").glob("*.toml"))}
    data = {"numpy": numpy.__version__, "seed": SEED, "replications": REPLICATIONS,
            "fields": list(PINNED), "scenarios": scenarios}
    (HERE / "shipped.json").write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {HERE / 'shipped.json'}")
