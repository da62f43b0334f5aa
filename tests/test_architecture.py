"""The rooms' layering (the import-linter contracts in pyproject.toml) holds, and breaks on a new violation.

Each planted import runs lint-imports on a copy of src/odmd_bdd with one bad import added, so a
contract that could never fail (a typo in a module name, a layer in the wrong place, an ignore
entry too broad) fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(src: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """lint-imports with the project's contracts over the package found under `src`."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    selected = [arg for c in contracts for arg in ("--contract", c)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *selected, str(ROOT / "pyproject.toml")],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def planted(tmp_path):
    """plant(module, line): a copy of the package with `line` added to `module`'s file; the copy's src."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "odmd_bdd", src / "odmd_bdd", ignore=shutil.ignore_patterns("__pycache__"))

    def plant(relative: str, line: str) -> Path:
        path = src / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(before + f"\n{line}\n", encoding="utf-8")
        return src

    return plant


def test_todays_package_keeps_every_contract():
    done = lint_imports(ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("contract", "module", "line", "reported"),
    [
        # a bottom room importing the middle
        ("rooms", "odmd_bdd/data/jsonpath.py", "import odmd_bdd.gui.pages", "odmd_bdd.data is not allowed to import"),
        ("rooms", "odmd_bdd/errors.py", "import odmd_bdd.contracts", "odmd_bdd.errors is not allowed to import"),
        # checks reach past data/contracts/errors (a new module, not one an ignore entry names)
        (
            "rooms",
            "odmd_bdd/checks/planted.py",
            "import odmd_bdd.resolution.envers",
            "odmd_bdd.checks is not allowed to import",
        ),
        # the middle importing an entry point
        ("rooms", "odmd_bdd/localenv/faults.py", "import odmd_bdd.harness", "odmd_bdd.localenv is not allowed"),
        ("tools-unimported", "odmd_bdd/actors/base.py", "import odmd_bdd.tools.cli", "odmd_bdd.tools.cli"),
        ("plugin-unimported", "odmd_bdd/harness/planted.py", "import odmd_bdd.pytest_plugin", "odmd_bdd.pytest_plugin"),
        # a second module of the plugin importing back its package
        (
            "plugin-acyclic",
            "odmd_bdd/pytest_plugin/distribution.py",
            "import odmd_bdd.pytest_plugin",
            "odmd_bdd.pytest_plugin.distribution",
        ),
    ],
)
def test_a_planted_violation_breaks_its_contract(planted, contract, module, line, reported):
    done = lint_imports(planted(module, line), contract)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 broken" in done.stdout and reported in done.stdout, done.stdout
