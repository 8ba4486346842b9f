"""Notebook hygiene (tools.hygiene): every notebook passes, and each rule catches a broken copy."""

import shutil

import nbformat
import pytest

from tools import ROOT, hygiene, notebooks

NOTEBOOKS = notebooks.find_notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_notebook_is_clean(path):
    assert hygiene.problems(path) == []


@pytest.fixture
def broken(tmp_path):
    """A copy of the char-RNN lab in a throwaway course tree, and a way to break it."""
    source = ROOT / "labs" / "11-2_char_rnn.ipynb"
    (tmp_path / "labs").mkdir()
    path = tmp_path / "labs" / source.name
    shutil.copy(source, path)
    assert hygiene.problems(path, root=tmp_path) == []  # the copy starts clean

    def check(change):
        nb = nbformat.read(path, as_version=4)
        change(nb)
        nbformat.write(nb, path)
        return "\n".join(hygiene.problems(path, root=tmp_path))

    return check


def first_code(nb, after=1):
    return [c for c in nb.cells if c.cell_type == "code"][after]


def test_a_badge_pointing_at_another_notebook_fails(broken):
    def point_elsewhere(nb):
        nb.cells[0].source = nb.cells[0].source.replace("labs/11-2_char_rnn", "labs/11-1_char_rnn")

    report = broken(point_elsewhere)
    assert "the Colab badge points at" in report and "not at this notebook" in report


def test_a_missing_badge_fails(broken):
    def drop_badge(nb):
        nb.cells[0].source = nb.cells[0].source.split("\n")[0]

    assert "has no Open-in-Colab badge" in broken(drop_badge)


def test_a_missing_setup_cell_fails(broken):
    def drop_setup(nb):
        nb.cells.remove(first_code(nb, after=0))

    assert "not the standard Colab setup cell" in broken(drop_setup)


def test_an_edited_setup_cell_fails(broken):
    def reinstall_tensorflow(nb):
        first_code(nb, after=0).source += "\n!pip install -U tensorflow"

    assert "not the standard Colab setup cell" in broken(reinstall_tensorflow)


def test_stored_outputs_that_ci_does_not_check_fail(broken):
    def keep_an_output(nb):
        cell = first_code(nb)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="TensorFlow 2.21\n")]
        cell.execution_count = 2

    assert "stores outputs (or metadata) that nbstripout clears" in broken(keep_an_output)


def test_a_checked_cell_must_be_kept_by_nbstripout(broken):
    def unmark(nb):
        for cell in nb.cells:
            cell.metadata.pop("keep_output", None)

    assert "keep_output must be set exactly" in broken(unmark)


def test_a_local_path_in_an_output_fails(broken):
    def print_a_path(nb):
        cell = next(c for c in nb.cells if notebooks.CHECKED in c.metadata.get("tags", []))
        cell.outputs.append(
            nbformat.v4.new_output("stream", name="stdout", text="/home/alice/course/data.txt\n")
        )

    assert "holds a local path (/home/" in broken(print_a_path)


def test_a_local_path_in_any_output_of_a_cell_fails(broken):
    def path_then_more(nb):
        cell = next(c for c in nb.cells if notebooks.CHECKED in c.metadata.get("tags", []))
        cell.outputs[:0] = [nbformat.v4.new_output("stream", name="stdout", text="/tmp/run/x\n")]

    assert "holds a local path (/tmp/" in broken(path_then_more)


def test_a_user_folder_in_metadata_fails(broken):
    def windows_path(nb):
        nb.metadata["vscode"] = {"interpreter": {"path": "C:\\Users\\bob\\python.exe"}}

    assert "the notebook's metadata holds a local path" in broken(windows_path)


def test_widget_state_fails(broken):
    def add_widgets(nb):
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}

    assert "stores widget state" in broken(add_widgets)


def test_a_renamed_utils_function_fails(broken):
    def rename(nb):
        cell = next(c for c in nb.cells if "utils.window_dataset(" in c.source)
        cell.source = cell.source.replace("utils.window_dataset(", "utils.make_windows(")

    assert "uses utils.make_windows, which does not exist" in broken(rename)


def test_a_missing_name_in_a_utils_import_fails(broken):
    def import_missing(nb):
        first_code(nb).source += "\nfrom utils import numpy_rnn as nr\nnr.lstm_backward_pass(1)"
        first_code(nb).source += "\nfrom utils.checks import check_nothing"

    report = broken(import_missing)
    assert "uses utils.numpy_rnn.lstm_backward_pass, which does not exist" in report
    assert "imports utils.checks.check_nothing, which does not exist" in report


@pytest.mark.parametrize("character", ["\t", "\r", "\x0c", "\x1b", "\x7f"])
def test_a_control_character_in_a_source_fails(broken, character):
    """The lecture once stored "$\\tanh" with a single backslash, which JSON reads as a tab."""

    lines = []

    def add(nb):
        cell = nb.cells[0]
        cell.source += f"\n\nThe cell squeezes it through ${character}anh(U x_t)$."
        lines.append(cell.source.count("\n") + 1)

    problem = broken(add)
    assert f"cell 0, line {lines[0]} holds the control character {character!r}" in problem
    assert "escaped" in problem


def test_another_kernel_fails(broken):
    def other_kernel(nb):
        nb.metadata["kernelspec"] = {
            "name": "conda-env-tf",
            "display_name": "tf",
            "language": "python",
        }

    assert "kernelspec is 'conda-env-tf'" in broken(other_kernel)


def test_an_invalid_notebook_fails(broken, tmp_path):
    path = tmp_path / "labs" / "11-2_char_rnn.ipynb"
    path.write_text('{"cells": [], "nbformat": 4}')
    (problem,) = hygiene.problems(path, root=tmp_path)
    assert problem.startswith("not a valid notebook")


def test_the_command_lists_problems_and_fails(broken, tmp_path, capsys, monkeypatch):
    broken(lambda nb: nb.metadata.update(widgets={}))
    monkeypatch.setattr(hygiene, "ROOT", tmp_path)
    assert hygiene.main([str(tmp_path / "labs" / "11-2_char_rnn.ipynb")]) == 1
    assert "stores widget state" in capsys.readouterr().out
