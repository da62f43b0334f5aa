"""`make setup` says what it installs and how long it took (issue 17 item 4): real runs of the
Makefile's set-up, its messages asserted (never its timings).

The quick test runs `make setup` against a venv that is already installed (the one running
these tests, behind a stamp of its own). The slow one runs every step into a fresh venv: a real
venv, pip upgraded and odmd-bdd installed, from the machine's local package index, without the
dependencies (PIP_NO_DEPS: the local index does not hold them all, and a test reaches no network).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

LOCAL_INDEX = Path("/opt/pypi/simple")
READY = re.compile(r"^odmd-bdd setup: ready \((?P<venv>\S+), the package and its tools; \d+s in all\)$", re.M)


def make_setup(project: Path, venv: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), "setup", f"VENV={venv}"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=1800,
    )


def test_a_set_up_venv_is_said_ready_with_the_time_in_all_and_nothing_installed(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / "bin").symlink_to(Path(sys.executable).parent)  # this venv's tools, installed
    (venv / ".odmd-installed").touch()  # newer than pyproject.toml: the install is up to date
    done = make_setup(ROOT, venv)
    assert done.returncode == 0, done.stdout + done.stderr
    ready = READY.search(done.stdout)
    assert ready and ready["venv"] == str(venv), done.stdout
    # the browser step says what it found, or that set-up goes on without one
    assert "odmd-bdd: Chromium: " in done.stdout or "set-up goes on without a browser" in done.stderr
    assert "a venv at" not in done.stdout and "pip:" not in done.stdout  # nothing to install


@pytest.mark.slow
def test_a_fresh_set_up_says_each_install_and_its_time_then_ready(tmp_path):
    """Into a new venv, from the local package index (no network): each step is said, with its time;
    without the browser's dependencies set-up says it goes on without one, and ends ready."""
    if not LOCAL_INDEX.is_dir():
        pytest.skip(f"no local package index at {LOCAL_INDEX}: the install path would need the network")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    venv = tmp_path / "venv"
    done = make_setup(project, venv, PIP_INDEX_URL=LOCAL_INDEX.as_uri(), PIP_NO_DEPS="1")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    said = [line for line in done.stdout.splitlines() if line.startswith("odmd-bdd")]
    assert re.match(rf"odmd-bdd setup: a venv at {re.escape(str(venv))} with \S+ \(Python 3\.\d+\.\d+\)$", said[0])
    assert said[1].startswith("odmd-bdd setup: pip: the latest pip, then odmd-bdd (editable; pytest, pytest-bdd,")
    assert re.match(r"odmd-bdd setup: the package is installed \(\d+s\)$", said[2]), said
    assert READY.match(said[-1]), said
    assert "odmd-bdd: Chromium: " in done.stdout or "set-up goes on without a browser" in done.stderr
    version = "import importlib.metadata as m; print(m.version('odmd-bdd'))"
    installed = subprocess.run([venv / "bin" / "python", "-c", version], capture_output=True, text=True, timeout=60)
    assert installed.stdout.strip() == "0.1.0", installed.stderr
    again = make_setup(project, venv)
    assert [line for line in again.stdout.splitlines() if line.startswith("odmd-bdd setup")] == [
        READY.search(again.stdout)[0]
    ]
