"""What a student installs: `pip install --no-deps .` (the Colab setup cell) gives `utils` alone,
and `utils` needs none of the maintainers' tooling (nbconvert, nbformat, nbclient, playwright)."""

import json
import pathlib
import shutil
import subprocess
import sys

import pytest
import yaml

from tools import ROOT, notebooks
from utils import config

# Public in their modules, but not offered as utils.NAME: a result type and a path helper.
_MODULE_ONLY = {"WordSequences", "keras_cache_dir"}
TOOLING = ("nbconvert", "nbformat", "nbclient", "playwright", "tools", "benchmarks")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """`pip install --no-deps` of a copy of the repository's code into an empty folder."""
    tmp = tmp_path_factory.mktemp("install")
    source, target = tmp / "source", tmp / "site"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    for name in ("utils", "tools", "benchmarks", "tests"):  # tooling beside it must stay out
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*command, "--target", str(target), str(source)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return target


def test_a_no_deps_install_holds_utils_alone(installed):
    top = sorted(p.name for p in installed.iterdir() if not p.name.endswith(".dist-info"))
    assert top == ["utils"], f"installed beside utils: {top}"
    folder = installed / "utils"
    packages = [p.parent.name for p in folder.glob("*/__init__.py")]
    modules = [p.stem for p in folder.glob("*.py")] + packages
    import utils

    # every module utils offers (utils._MODULES; checks is a package), and nothing else
    assert sorted(modules) == sorted(["__init__", *utils._MODULES])
    assert sorted(p.name for p in (folder / "checks").glob("*.py")) == [
        "__init__.py",
        "core.py",
        "exercises.py",
        "homework.py",
    ]


def test_utils_imports_no_tooling(installed, tmp_path):
    """Every module of the installed `utils`, imported in a fresh interpreter outside the
    repository, loads none of the tooling's packages."""
    files = (installed / "utils").rglob("*.py")
    relative = [p.relative_to(installed).with_suffix("") for p in files]
    modules = [".".join(p.parts) for p in relative if p.name != "__init__"]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "import utils\n"
        f"print(json.dumps([utils.__file__, sorted(m for m in sys.modules "
        f"if m.split('.')[0] in {TOOLING!r})]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(installed), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    where, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert pathlib.Path(where).parent == installed / "utils"
    assert loaded == [], f"utils loads maintainer tooling: {loaded}"


def test_the_setup_cell_installs_the_package_without_dependencies():
    source = notebooks.setup_cell_source()
    assert '"--no-deps"' in source and '"git+https://github.com/' in source


def test_licences_and_citation_are_in_place_and_agree():
    """MIT for the code, CC BY 4.0 for the text, decks and figures, and a CITATION.cff that names
    both, the course's home and the package's version; the README points at all three."""
    code = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert code.startswith("MIT License\n") and "Permission is hereby granted" in code
    text = (ROOT / "LICENSE-CC-BY-4.0.txt").read_text(encoding="utf-8")
    assert text.startswith("Creative Commons Attribution 4.0 International")
    assert "Section 1 – Definitions" in text and "Section 8 – Interpretation" in text
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["authors"] and citation["title"]
    assert citation["license"] == ["MIT", "CC-BY-4.0"]
    assert citation["repository-code"] == f"https://github.com/{config.REPO}"
    import utils

    assert str(citation["version"]) == utils.__version__  # pyproject.toml reads it from utils
    assert 'version = { attr = "utils.__version__" }' in (ROOT / "pyproject.toml").read_text()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("(LICENSE)", "(LICENSE-CC-BY-4.0.txt)", "CITATION.cff"):
        assert name in readme, name


@pytest.mark.parametrize(
    "command",
    [
        "tools.notebooks --check",
        "tools.hygiene lectures/11-0a_rnn_review_bptt.ipynb",  # all of them: test_hygiene.py
        "tools.homework --check",
        "tools.slides tag --check",
        "tools.diagrams --check",
    ],
)
def test_every_maintainer_command_runs_from_the_repository_root(command):
    """`python -m tools.<command>` as a maintainer types it: it runs, and finds nothing to do."""
    result = subprocess.run(
        [sys.executable, "-m", *command.split()], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_every_name_utils_offers_is_found_in_its_module():
    """`utils.NAME` loads NAME from the module `utils` says it lives in, and every public function
    and class of those modules is offered (so no helper is hidden from `dir(utils)`)."""
    import importlib
    import inspect

    import utils

    for name, module in utils._HOME.items():
        assert getattr(utils, name) is getattr(importlib.import_module(f"utils.{module}"), name)
    for module in set(utils._HOME.values()):
        public = {
            n
            for n, v in vars(importlib.import_module(f"utils.{module}")).items()
            if not n.startswith("_")
            and (inspect.isfunction(v) or inspect.isclass(v))
            and v.__module__ == f"utils.{module}"
        }
        offered = {n for n, m in utils._HOME.items() if m == module}
        assert public <= offered | _MODULE_ONLY, (module, public - offered)
    packages = {p.parent.name for p in (ROOT / "utils").glob("*/__init__.py")}
    modules = {p.stem for p in (ROOT / "utils").glob("*.py")} - {"__init__"}
    assert set(utils._MODULES) == modules | packages
    with pytest.raises(AttributeError, match="no attribute 'TimeBudget'"):
        utils.TimeBudget  # noqa: B018 (moved to benchmarks/)


def test_importing_utils_loads_no_tensorflow():
    script = "import sys, utils, utils.config; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr[-2000:]


def test_a_released_version_of_utils_never_changes():
    """Colab installs the tag v<version>: once that tag exists, utils/ must equal it, or the
    notebooks would get other helpers than the ones they were tested with. Bump the version."""
    import subprocess

    import utils

    tag = f"v{utils.__version__}"
    git = ["git", "-C", str(ROOT)]
    if (
        subprocess.run(
            [*git, "rev-parse", "-q", "--verify", f"refs/tags/{tag}"], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip(f"{tag} is not tagged yet: this version is still being made")
    changed = subprocess.run(
        [*git, "diff", "--name-only", tag, "--", "utils/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert changed == [], f"utils/ changed since {tag} ({changed}): bump utils.__version__"
