"""Every example notebook runs top to bottom on the sandbox in a real kernel."""

from __future__ import annotations

import ast
import json
import re
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


EMPTY = re.compile(r"\bn=0\b|\b0 rows\b|\b0 responses\b|\bno responses\b|shape: \(0,", re.I)
"""What an empty result looks like in a cell's output: no rows, no responses, n=0."""


def _shows_a_value(source: str) -> bool:
    """The cell ends with an expression meant to be shown (not `wb.close()`, not a print)."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    if not body or not isinstance(body[-1], ast.Expr):
        return False
    call = body[-1].value
    if isinstance(call, ast.Call):
        name = getattr(call.func, "attr", getattr(call.func, "id", ""))
        return name not in {"close", "print", "display"}
    return True


def _empty_results(notebook: nbformat.NotebookNode) -> list[str]:
    """Cells whose result is empty: an empty frame, 0 rows or n=0 in what they show, or no
    result at all from a cell that ends with a value to show."""
    empty = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        shown = [o for o in outputs if o.get("output_type") in ("execute_result", "display_data")]
        first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        if _shows_a_value(cell.source) and not shown:
            empty.append(f"{first_line}: shows nothing")
        for output in outputs:
            if output.get("name") == "stderr":  # progress bars start at "0 rows"
                continue
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            found = EMPTY.search(text)
            if found:
                empty.append(f"{first_line}: {found.group(0)!r} in {text[:200]!r}")
    return empty


def _check(notebook: nbformat.NotebookNode) -> None:
    assert _errors(notebook) == []
    assert _empty_results(notebook) == []


def test_quickstart(kernels, isolated_env, tmp_path: Path) -> None:
    notebook = execute(NOTEBOOKS / "01-quickstart.ipynb", kernels, isolated_env, tmp_path)
    _check(notebook)
    shown = _text(notebook)
    assert "NPS over time" in shown  # the trend chart rendered
    assert "NPS by pricing_plan" in shown  # the segment chart rendered
    assert "<pre" in shown  # ... as a monospace block in HTML


def test_drivers(kernels, isolated_env, tmp_path: Path) -> None:
    notebook = execute(NOTEBOOKS / "02-drivers.ipynb", kernels, isolated_env, tmp_path)
    _check(notebook)
    assert "Tag impact" in _text(notebook)


def test_export(kernels, isolated_env, tmp_path: Path) -> None:
    notebook = execute(NOTEBOOKS / "03-export.ipynb", kernels, isolated_env, tmp_path)
    _check(notebook)
    assert "identical files: True" in _text(notebook)


def test_an_empty_result_is_caught() -> None:
    """The check itself: an empty frame, n=0 and a cell that shows nothing are each named."""
    cell = nbformat.v4.new_code_cell
    notebook = nbformat.v4.new_notebook(
        cells=[
            cell("wb.nps('plan=Nope')", outputs=[_result("shape: (0, 11)")]),
            cell("print(report)", outputs=[nbformat.v4.new_output("stream", text="n=0\n")]),
            cell("wb.responses()", outputs=[]),
            cell("wb.close()", outputs=[]),
            cell("wb.nps()", outputs=[_result("shape: (1, 11)")]),
        ]
    )
    assert [e.split(":")[0] for e in _empty_results(notebook)] == [
        "wb.nps('plan=Nope')",
        "print(report)",
        "wb.responses()",
    ]


def _result(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=1)
