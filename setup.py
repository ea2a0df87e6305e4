"""Build hook: compile the model's hot modules with mypyc when possible.

The simulation's per-event code (the actors' simpy processes, the shared state, the
samplers) is compiled to C by mypyc, which roughly halves its own cost; everything else stays pure
Python. If compilation is not possible (no C compiler, or TRUCESIM_PURE=1 in the
environment), the same modules run as plain Python, with identical results.
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup

COMPILED = [
    "src/trucesim/model/state.py",
    "src/trucesim/model/sampling.py",
    *(f"src/trucesim/model/actors/{name}.py" for name in (
        "handovers", "exchange", "withdrawal", "aid", "violence", "war", "mediation",
        "negotiations", "recorder")),
]


def remove_stale_builds() -> None:
    """An earlier in-place build would shadow the sources it was compiled from."""
    for source in COMPILED:
        for built in Path(source).parent.glob(Path(source).stem + ".*.so"):
            built.unlink()
    for shared in Path("src").glob("*__mypyc.*.so"):
        shared.unlink()


def extensions() -> list[object]:
    remove_stale_builds()
    if os.environ.get("TRUCESIM_PURE"):
        return []
    # the build environment has neither pydantic nor numpy: type-check these modules
    # on their own, without the project's mypy settings (CI runs those separately)
    flags = ["--config-file=/dev/null", "--ignore-missing-imports", "--follow-imports=silent"]
    try:
        from mypyc.build import mypycify

        modules: list[object] = mypycify([*flags, *COMPILED], opt_level="3")
    except (Exception, SystemExit) as exc:  # mypyc missing, or refusing a module
        print(f"trucesim: not compiling the model ({exc!r}); it runs as plain Python")
        return []
    for module in modules:
        module.optional = True  # type: ignore[attr-defined]  # a failed C build: plain Python
    return modules


setup(ext_modules=extensions())
