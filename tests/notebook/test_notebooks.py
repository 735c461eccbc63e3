"""Every example notebook runs top to bottom on the sandbox in a real kernel."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tests.notebook.conftest import NOTEBOOKS, execute

NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_the_examples_are_there() -> None:
    assert NAMES == ["01-quickstart.ipynb", "02-drivers.ipynb", "03-export.ipynb"]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell is stored with its outputs"
            assert cell.execution_count is None, f"{name}: a cell has an execution count"


def _text(notebook: nbformat.NotebookNode) -> str:
    """Everything the cells printed or displayed, as one string."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(json.dumps(output.get("data", {})))
    return "\n".join(parts)


def _errors(notebook: nbformat.NotebookNode) -> list[str]:
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for cell in notebook.cells
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def test_quickstart(kernels, isolated_env, tmp_path: Path) -> None:
    notebook = execute(NOTEBOOKS / "01-quickstart.ipynb", kernels, isolated_env, tmp_path)
    assert _errors(notebook) == []
    shown = _text(notebook)
    assert "NPS over time" in shown  # the trend chart rendered
    assert "NPS by pricing_plan" in shown  # the segment chart rendered
    assert "<pre" in shown  # ... as a monospace block in HTML


def test_drivers(kernels, isolated_env, tmp_path: Path) -> None:
    notebook = execute(NOTEBOOKS / "02-drivers.ipynb", kernels, isolated_env, tmp_path)
    assert _errors(notebook) == []
    assert "Tag impact" in _text(notebook)


def test_export(kernels, isolated_env, tmp_path: Path) -> None:
    notebook = execute(NOTEBOOKS / "03-export.ipynb", kernels, isolated_env, tmp_path)
    assert _errors(notebook) == []
    assert "identical files: True" in _text(notebook)
