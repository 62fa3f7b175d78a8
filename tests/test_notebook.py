"""`reports.compare` in a Jupyter notebook, executed by nbclient as a reader's notebook is: a failing
plug-in's reason is shown in the cell's output, and its row comes back marked as failed. Skipped where
nbclient and ipykernel are not installed (they are not the project's requirements)."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.mnist
def test_a_notebook_sees_a_failing_plugins_reason(real_mnist, tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "import reports\n"
        f"runs = reports.compare([\"bad=tests.plugins:Explodes when='fit'\"], results={str(tmp_path)!r})\n"
        "print('failed column:', list(runs.failed.column('failed')) if hasattr(runs, 'column') "
        "else list(runs.failed))")])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = "".join(output.get("text", "") for output in notebook.cells[0].outputs)
    assert "error: bad: ValueError in fit: boom: my fit is broken" in shown
    assert "failed column: ['bad: ValueError in fit: boom: my fit is broken']" in shown
