"""Shared fixtures of the engine's own tests."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import httpcore  # noqa: F401  (see below)
import pytest

from odmd_bdd.data.constellation import Constellation
from odmd_bdd.localenv import LocalEnver
from odmd_bdd.resolution.envers import Enver, ServiceEndpoint, resolve_enver

pytest_plugins = ["pytester"]
# httpcore is imported here, before any pytester test: pytester restores sys.modules after each
# test, and an httpcore first imported inside one would be dropped while httpx keeps the exception
# map it built from it, so a later timeout escaped as httpcore.ReadTimeout, not httpx.ReadTimeout.

# The engine's tests never reach a real AWS account or the instance metadata service: no
# credential, profile or IMDS lookup may leave this machine (pytester subprocesses inherit this).
for _name in (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
):
    os.environ.pop(_name, None)
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

ROOT = Path(__file__).resolve().parent.parent
CONSTELLATION_FILE = ROOT / "fixtures" / "envers" / "constellation.yaml"


@pytest.fixture(scope="session")
def reference_constellation() -> Constellation:
    return Constellation.load(CONSTELLATION_FILE)


@pytest.fixture(scope="session")
def local_enver(reference_constellation):
    """One embedded enver for the engine tests; tests that plant faults clear them after."""
    with LocalEnver(reference_constellation) as enver:
        yield enver


@pytest.fixture(scope="module")
def enver(reference_constellation):
    """The embedded enver resolved as a run resolves it (embedded AWS, /odmd-share), one per test
    module, so what one module plants or leaves behind does not reach another."""
    resolved = resolve_enver(reference_constellation, "local")
    yield resolved
    resolved.close()


@pytest.fixture
def clean_faults(local_enver):
    local_enver.faults.clear()
    yield local_enver
    local_enver.faults.clear()


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A copy of this project's features, steps and fixtures in a temporary rootdir.

    Tests plant faults in the copy (a dataset value, a feature line, an artifact) and run
    pytest on it in a subprocess, exactly as a user would.
    """
    for folder in ("features", "steps", "fixtures"):
        shutil.copytree(ROOT / folder, pytester.path / folder)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, pytester.path / name)
    return pytester


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """Plant a fault: replace `old` by `new` in a copied file, insisting that `old` is there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def every_byte_under(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, and every member of every zip archive in it (nested too)."""
    out: dict[str, bytes] = {}

    def take(name: str, data: bytes) -> None:
        out[name] = data
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    take(f"{name}!{member}", archive.read(member))

    for path in folder.rglob("*"):
        if path.is_file():
            take(str(path.relative_to(folder)), path.read_bytes())
    return out


def pytest_collection_modifyitems(config, items):
    """The engine's tests and the features cannot share a process: each starts an embedded AWS
    (moto keeps one global state per process). Say so at once instead of failing 60 tests."""
    if any(str(item.path).endswith(".feature") for item in items) and any(
        str(item.path).endswith(".py") and item.path.parent.name == "tests" for item in items
    ):
        raise pytest.UsageError(
            "run the engine's tests and the features in separate pytest runs "
            "(pytest tests/ ; pytest features/ — make test does): each starts its own embedded "
            "AWS, and moto allows one per process"
        )


@pytest.fixture(scope="module")
def browser():
    """A real Chromium for a module's GUI tests."""
    from odmd_bdd.gui.browser import GuiBrowser

    with GuiBrowser() as launched:
        yield launched


@pytest.fixture(scope="module")
def embedded_view(reference_constellation, local_enver) -> Enver:
    """The session's embedded enver as an Enver, built in process (no AWS, no /odmd-share)."""
    contracts = reference_constellation.contracts
    return Enver(
        spec=reference_constellation.enver("local"),
        local=local_enver,
        services={
            name: ServiceEndpoint(name, url, contracts[name], "embedded") for name, url in local_enver.base_urls.items()
        },
    )
