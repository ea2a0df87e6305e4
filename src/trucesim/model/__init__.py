"""The truce as simpy processes, one module per actor (DESIGN.md §2).

- :mod:`.actors`: the registry, and one module per actor (its draws, processes, outcome
  fields, daily series and typed events);
- :mod:`.declare`: what an actor declares; :mod:`.events`: what events share;
- :mod:`.state`: the shared state, the truce's status and the clock's conventions;
- :mod:`.streams`: named random streams per block of replications; :mod:`.sampling`;
- :mod:`.outcomes`: the outcome registry; :mod:`.run`: one replication.

The per-event modules are compiled with mypyc at install when possible (setup.py);
:data:`COMPILED` says whether they are, and a compiled module older than its source is
refused rather than run.
"""

from __future__ import annotations

from pathlib import Path

from trucesim.model import state

# whether the per-event modules run compiled (mypyc, at install) or as plain Python
COMPILED = state.__file__ is not None and not state.__file__.endswith(".py")


def _check_not_stale() -> None:
    """A compiled module older than its source would run old code: refuse, and say why."""
    import sys

    from trucesim.model.actors import ACTORS  # noqa: F401  (imports every actor module)

    for name, module in list(sys.modules.items()):
        if not name.startswith("trucesim.model") or not getattr(module, "__file__", None):
            continue
        built = Path(module.__file__ or "")
        if built.suffix == ".py":
            continue
        source = built.with_name(built.name.split(".")[0] + ".py")
        if source.exists() and source.stat().st_mtime > built.stat().st_mtime + 2:
            raise ImportError(f"{built.name} is older than {source.name}: rebuild with "
                              "`pip install -e .` (or install with TRUCESIM_PURE=1 to run "
                              "the model as plain Python)")


if COMPILED:
    _check_not_stale()

__all__ = ["COMPILED"]
