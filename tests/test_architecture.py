"""The rooms' layering (the import-linter contracts in pyproject.toml) holds, and breaks on a new violation.

Each planted import runs lint-imports on a copy of src/odmd_bdd with one bad import added, so a
contract that could never fail (a typo in a module name, a layer in the wrong place, an ignore
entry too broad) fails here.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SRC = ROOT / "src" / "odmd_bdd"

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
    assert "ignored" not in done.stdout, "the layering holds without ignore_imports"


@pytest.mark.parametrize(
    ("contract", "module", "line", "reported"),
    [
        # a bottom room importing the middle
        ("rooms", "odmd_bdd/data/jsonpath.py", "import odmd_bdd.gui.pages", "odmd_bdd.data is not allowed to import"),
        ("rooms", "odmd_bdd/errors.py", "import odmd_bdd.contracts", "odmd_bdd.errors is not allowed to import"),
        # checks reach past data/contracts/errors: a new module, and the imports checks.expect once had
        (
            "rooms",
            "odmd_bdd/checks/planted.py",
            "import odmd_bdd.resolution.envers",
            "odmd_bdd.checks is not allowed to import",
        ),
        ("rooms", "odmd_bdd/checks/expect.py", "import odmd_bdd.actors", "odmd_bdd.checks is not allowed to import"),
        (
            "rooms",
            "odmd_bdd/checks/expect.py",
            "import odmd_bdd.events.sqs",
            "odmd_bdd.checks is not allowed to import",
        ),
        # redaction sits at the bottom: it imports no room, and transports reach it without reporting
        ("rooms", "odmd_bdd/redaction.py", "import odmd_bdd.data", "odmd_bdd.redaction is not allowed to import"),
        (
            "rooms",
            "odmd_bdd/transports/base.py",
            "import odmd_bdd.reporting.evidence",
            "odmd_bdd.transports is not allowed to import",
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


def _runtime_imports(path: Path, module: str, modules: set[str]) -> set[str]:
    """The package's modules `module` imports when it runs (function-level imports included,
    `if TYPE_CHECKING:` blocks not); `from pkg import sub` counts as an import of `sub`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _import_graph(package: Path) -> dict[str, set[str]]:
    files = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return {module: _runtime_imports(path, module, set(files)) for module, path in files.items()}


def test_the_package_has_no_import_cycle():
    assert _cycles(_import_graph(SRC)) == []


def test_the_cycle_check_finds_a_planted_cycle(tmp_path):
    package = tmp_path / "odmd_bdd"
    shutil.copytree(SRC, package, ignore=shutil.ignore_patterns("__pycache__", "*.json", "webclient"))
    with open(package / "data" / "jsonpath.py", "a", encoding="utf-8") as planted:
        planted.write("\n\ndef _planted():\n    from odmd_bdd.localenv import faults  # noqa: F401\n")
    assert ["odmd_bdd.data.jsonpath", "odmd_bdd.localenv.faults"] in [
        [m for m in cycle if m in ("odmd_bdd.data.jsonpath", "odmd_bdd.localenv.faults")]
        for cycle in _cycles(_import_graph(package))
    ]


def test_the_plugin_is_hook_wiring_only():
    """Every function of the pytest plugin delegates in a line or two (docstrings aside)."""
    long = []
    for path in sorted((SRC / "pytest_plugin").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
                lines = body[-1].end_lineno - body[0].lineno + 1 if body else 0
                if lines > 6:
                    long.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
