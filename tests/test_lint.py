"""Lint and notebook cleaning: the checks of .pre-commit-config.yaml, run by CI through pytest."""

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tools import ROOT, notebooks


def run(*command):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def test_ruff_lints_code_and_notebooks():
    files = run(sys.executable, "-m", "ruff", "check", "--show-files", ".").stdout
    linted = {line.replace(str(ROOT) + "/", "") for line in files.split()}
    for folder in ("utils/", "tools/", "tests/", "benchmarks/"):
        assert any(f.startswith(folder) and f.endswith(".py") for f in linted), folder
    for path in notebooks.find_notebooks():
        relpath = path.relative_to(ROOT).as_posix()
        # student notebooks stop at stubs by design; their solutions are linted instead
        student = re.fullmatch(r"homework/11-[^/]+\.ipynb", relpath)
        assert (relpath in linted) != bool(student), relpath


def test_ruff_check_passes():
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_check_passes():
    result = run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr + "\nRun `ruff format .`"


def test_nbstripout_then_stamping_change_no_notebook(tmp_path):
    """The pre-commit hooks' cleaning agrees with the hygiene rules: nbstripout (outputs kept only
    in the cells CI checks, marked keep_output) and then `python -m tools.notebooks` (which gives
    those cells back the execution count nbval needs) leave every committed notebook as it is."""
    copies = []
    for path in notebooks.find_notebooks():
        copy = tmp_path / path.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
        copies.append((path, copy))
    result = run(sys.executable, "-m", "nbstripout", "--keep-id", *[str(c) for _, c in copies])
    assert result.returncode == 0, result.stderr
    for path, copy in copies:
        notebooks.stamp(copy, root=tmp_path)
        assert copy.read_text() == path.read_text(), path.name


def test_nbstripout_verify_fails_on_an_unchecked_output(tmp_path):
    """nbstripout's own verdict, by exit code: a notebook with no checked cell verifies clean, and
    the same notebook with an output left in a cell that CI does not check does not."""
    import nbformat

    path = ROOT / "homework" / "11-hw_gru_architecture.ipynb"  # generated: no output is kept
    nb = nbformat.read(path, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells)
    verify = (sys.executable, "-m", "nbstripout", "--keep-id", "--verify")
    assert run(*verify, str(path)).returncode == 0
    cell = next(c for c in nb.cells if c.cell_type == "code" and "keep_output" not in c.metadata)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a leftover\n")]
    dirty = tmp_path / "dirty.ipynb"
    nbformat.write(nb, dirty)
    assert run(*verify, str(dirty)).returncode != 0


def _pinned(package):
    text = (ROOT / "requirements.txt").read_text()
    match = re.search(rf"^{package}==([\w.]+)$", text, re.M)
    assert match, f"requirements.txt must pin {package}== (pre-commit uses the same version)"
    return match.group(1)


@pytest.mark.parametrize(
    "repo, package, prefix",
    [("astral-sh/ruff-pre-commit", "ruff", "v"), ("kynan/nbstripout", "nbstripout", "")],
)
def test_pre_commit_runs_the_versions_ci_runs(repo, package, prefix):
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    (hook_repo,) = [r for r in config["repos"] if r["repo"].endswith(repo)]
    assert hook_repo["rev"] == prefix + _pinned(package)


def test_pre_commit_runs_the_course_checks():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    local = [h for r in config["repos"] if r["repo"] == "local" for h in r["hooks"]]
    entry = " ".join(h["entry"] for h in local)
    for command in (
        "tools.diagrams --check",
        "tools.notebooks &&",
        "tools.hygiene",
        "tools.homework --check",
        "tools.slides tag --check",
    ):
        assert f"python -m {command}" in entry
