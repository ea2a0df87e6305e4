"""The package's shape (docs/architecture.md): layers import only downwards, modules stay
small, no two modules are told apart only by a suffix, and `trucesim --help` starts
without the heavy libraries."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "trucesim"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
# lowest first; a module may import its own layer and the layers below it
LAYERS = ("fmt", "scenario", "model", "run", "analysis", "teaching", "cli")
MAX_LINES = 300


def layer(module: str) -> str:
    """'trucesim.model.actors.aid' -> 'model'; the package's root modules are 'fmt'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or parts[1] in LAYERS else "fmt"


def name_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every trucesim module `path` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("trucesim.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and \
                node.module.startswith("trucesim"):
            found |= {f"{node.module}.{a.name}" if node.module == "trucesim" else node.module
                      for a in node.names}
    return found


def test_every_layer_imports_only_itself_and_the_layers_below():
    upward = []
    for path in MODULES:
        me = name_of(path)
        if me in ("trucesim", "trucesim.__main__"):
            continue
        mine = LAYERS.index(layer(me))
        for other in imports(path):
            if other in ("trucesim.__version__",):
                continue
            if LAYERS.index(layer(other)) > mine:
                upward.append(f"{me} -> {other}")
    assert not upward, "imports climbing the layers:\n" + "\n".join(upward)


def test_the_test_of_layers_would_catch_an_upward_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from trucesim.cli.options import fail\n")
    assert imports(module) == {"trucesim.cli.options"}
    assert layer("trucesim.cli.options") == "cli" and layer("trucesim.fmt") == "fmt"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: name_of(p))
def test_modules_stay_small(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def test_no_two_modules_differ_only_by_a_suffix():
    by_package: dict[Path, list[str]] = {}
    for path in MODULES:
        stem = path.parent.name if path.name == "__init__.py" else path.stem
        where = path.parent.parent if path.name == "__init__.py" else path.parent
        by_package.setdefault(where, []).append(stem.strip("_"))
    clashes = [(where.name, a, b) for where, stems in by_package.items()
               for a, b in combinations(sorted(set(stems)), 2)
               if a and b and (a.startswith(b) or b.startswith(a))]
    assert not clashes


def loaded_by(*args: str) -> set[str]:
    """The top-level packages imported once `trucesim ARGS` has run (in a fresh process)."""
    code = ("import json, sys\nfrom typer.testing import CliRunner\nfrom trucesim.cli import app\n"
            f"assert CliRunner().invoke(app, {list(args)!r}).exit_code == 0\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return {m.split(".")[0] for m in json.loads(out)}


HEAVY = {"numpy", "simpy", "scipy", "matplotlib", "jinja2", "streamlit", "trucesim.model"}


def test_help_imports_none_of_the_heavy_libraries():
    assert not loaded_by("--help") & (HEAVY | {"pydantic"})
    # a command's own help builds its options with typer, which (0.29 here) validates
    # options with pydantic; nothing of the model or of its libraries is loaded
    for command in ("run", "compare", "sweep", "story", "report", "classroom"):
        assert not loaded_by(command, "--help") & HEAVY, command
