"""docs/notebooks/first-class.ipynb runs from top to bottom (nbclient, a fresh kernel),
and shows what it says it shows."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "first-class.ipynb"
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")


def test_the_notebook_runs_and_plots(tmp_path, monkeypatch):
    # a kernel of this very Python (the one with trucesim), found before any other
    spec = tmp_path / "kernels" / "trucesim-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "trucesim test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), \
        "commit the notebook without outputs"
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="trucesim-test",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "July 2025 plan: 60-day truce" in text and "P(truce collapsed): " in text
    assert "P(truce collapsed)" in text.split("outcome | A | B | B − A")[1]  # the comparison
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 5  # end states, survival, deaths, timeline, paired differences
    markdown = "".join(o["data"].get("text/markdown", "") for o in outputs
                       if o.output_type == "display_data")
    assert "How it ended: the truce" in markdown
