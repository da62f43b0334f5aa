"""Start-up imports only what a run uses: an API-layer run never imports Playwright, and
collecting the features imports no browser, no AWS SDK or moto, no web server, and no async
back end (anyio's pytest plugin is off: pyproject.toml); the embedded AWS does not import moto.ec2
unless something uses EC2. No run imports pydantic for
openapi-schema-validator's settings (for a shortcut odmd-bdd never calls); only validating a
document not yet known valid (openapi-spec-validator) may. Neither the plugin nor the project's
conftest makes pytest scan the installed packages' entry points for the modules it loads."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

UC1 = "features/uc1_authentication_key_entity.feature"
HEAVY = (
    "playwright",
    "moto",
    "moto.ec2",
    "boto3",
    "botocore",
    "uvicorn",
    "starlette",
    "pydantic_settings",
    "anyio._backends._asyncio",
)
PROBE = f"""

def pytest_collection_finish(session):  # added by tests/test_lazy_imports.py
    import gc

    session.config.stash_gc_while_collecting = gc.isenabled()


def pytest_sessionfinish(session):  # added by tests/test_lazy_imports.py
    import json, sys
    from pathlib import Path

    import gc

    loaded = {{name: name in sys.modules for name in {HEAVY!r}}}
    loaded["frozen"] = gc.get_freeze_count()
    loaded["gc_while_collecting"] = session.config.stash_gc_while_collecting
    loaded["gc_after"] = gc.isenabled()
    Path(session.config.rootpath, "modules.json").write_text(json.dumps(loaded))
"""


@pytest.fixture
def probed(project: pytest.Pytester) -> pytest.Pytester:
    with open(project.path / "conftest.py", "a", encoding="utf-8") as conftest:
        conftest.write(PROBE)
    return project


def _loaded(project: pytest.Pytester) -> dict[str, bool]:
    return json.loads((project.path / "modules.json").read_text())


def _assert_collector_paused_for_start_up_only(loaded: dict) -> None:
    """From loading the plugin to the first scenario, collections would only walk start-up's
    objects again (odmd_bdd/heap.py): the collector is off, and on again once the scenarios start."""
    assert (loaded.pop("gc_while_collecting"), loaded.pop("gc_after")) == (False, True), loaded


def test_an_api_layer_run_never_imports_playwright(probed):
    result = probed.runpytest_subprocess(UC1, "--layer", "api", "--fresh-enver")
    result.assert_outcomes(passed=7)
    loaded = _loaded(probed)
    assert loaded["playwright"] is False, loaded
    # start-up's heap is out of the cyclic collector's way (odmd_bdd/heap.py): the plugin's modules,
    # the collected features, the enver's clients and moto are frozen, not walked by each collection
    assert loaded["frozen"] > 100_000, loaded
    _assert_collector_paused_for_start_up_only(loaded)
    assert loaded["moto"] is True  # the probe sees what the run imported: it started its embedded AWS
    assert loaded["moto.ec2"] is False  # moto.ssm's EC2 targets are never used: not imported (aws/embedded.py)


def test_collecting_the_features_imports_no_browser_aws_or_web_server(probed):
    result = probed.runpytest_subprocess("features/", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    loaded = _loaded(probed)
    assert loaded.pop("frozen") > 0
    _assert_collector_paused_for_start_up_only(loaded)
    assert loaded == dict.fromkeys(HEAVY, False)


def test_openapi_schema_validator_loads_its_settings_only_when_asked():
    """The validators odmd-bdd compiles need no settings; the package's `validate` shortcut still
    gets its pydantic settings (the real module, on first use), environment included."""
    code = """
import os, sys
os.environ["OPENAPI_SCHEMA_VALIDATOR_COMPILED_VALIDATOR_CACHE_MAX_SIZE"] = "7"
import odmd_bdd.contracts
from odmd_bdd.contracts.openapi import OpenApiContract
print("pydantic_settings" in sys.modules, "pydantic" in sys.modules)
import openapi_schema_validator
from openapi_schema_validator.settings import get_settings
openapi_schema_validator.validate("x", {"type": "string"})
print("pydantic_settings" in sys.modules, get_settings().compiled_validator_cache_max_size)
print(type(sys.modules["openapi_schema_validator.settings"]).__name__, openapi_schema_validator.settings.get_settings() is get_settings())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["False False", "True 7", "module True"]


def test_the_embedded_aws_imports_moto_ec2_only_when_ssm_uses_it():
    """moto.ssm imports moto.ec2 (0.4 s of CPU) for commands sent to EC2 targets; the embedded AWS
    defers it to that first use, which still works."""
    code = """
import sys
from odmd_bdd.aws import EmbeddedAws
with EmbeddedAws(http_invoke=False, preload=("ssm", "s3", "sqs")) as aws:
    ssm = aws.client("ssm")
    ssm.put_parameter(Name="/odmd-share/probe", Value="v", Type="String")
    print(ssm.get_parameter(Name="/odmd-share/probe")["Parameter"]["Value"], "moto.ec2" in sys.modules)
    sent = ssm.send_command(
        DocumentName="AWS-RunShellScript",
        Targets=[{"Key": "tag:Name", "Values": ["none"]}],
        Parameters={"commands": ["true"]},
    )["Command"]
    import moto.ssm.models
    real = sys.modules["moto.ec2"].ec2_backends
    print(sent["TargetCount"], "moto.ec2" in sys.modules, moto.ssm.models.ec2_backends is real)
    print(len(aws.client("ec2").describe_regions()["Regions"]) > 0)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["v False", "0 True True", "True"]


def _unregistered_after_registering(pytester, monkeypatch, module, name: str, loads: Sequence[str]) -> list[str]:
    """Register `module` as pytest would, with any scan of the installed packages' entry points
    failing; the names of `loads` that are then not registered."""
    import importlib.metadata

    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    config = pytester.parseconfig()

    def no_scan(*args, **kwargs):
        raise AssertionError("scanned the installed packages' entry points")

    monkeypatch.setattr(importlib.metadata, "distributions", no_scan)
    config.pluginmanager.register(module, name)
    return [each for each in loads if config.pluginmanager.get_plugin(each) is None]


def test_the_plugin_registers_its_parts_without_scanning_installed_packages(pytester, monkeypatch):
    """pytest looks each `pytest_plugins` name up among every installed package's entry points, a
    scan of the environment per name; the plugin registers its parts by module instead."""
    import odmd_bdd.pytest_plugin as plugin

    assert _unregistered_after_registering(pytester, monkeypatch, plugin, "odmd_bdd.pytest_plugin", plugin.PARTS) == []


def test_the_project_conftest_registers_its_step_modules_without_scanning_installed_packages(pytester, monkeypatch):
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("_odmd_project_conftest", path)
    assert spec is not None and spec.loader is not None
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    assert len(conftest.STEP_MODULES) >= 5, conftest.STEP_MODULES

    missing = _unregistered_after_registering(
        pytester, monkeypatch, conftest, "_odmd_project_conftest", conftest.STEP_MODULES
    )
    assert missing == []


def test_a_second_run_in_one_process_pauses_the_collector_too(probed):
    """The plugin pauses the collector each time a run registers it: a second `pytest.main` in the
    same process imports nothing new. (pytester's inline runs re-import the plugin each time, so
    two real `pytest.main` calls in a subprocess.)"""
    code = """
import json, sys, pytest
from pathlib import Path
for _ in range(2):
    assert pytest.main(["features/", "--collect-only", "-q"]) == 0
    print(json.dumps(json.loads(Path("modules.json").read_text())))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=probed.path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    runs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(runs) == 2, done.stdout[-2000:]
    for loaded in runs:
        _assert_collector_paused_for_start_up_only(loaded)


def test_importing_the_plugin_or_a_run_refused_at_parsing_leaves_the_collector_on(probed):
    """Only a run pauses the collector, and a run that pytest refuses before configuring it (an
    unknown option) resumes it too: the process goes on with its collector as it was."""
    code = """
import gc, pytest
import odmd_bdd.pytest_plugin
print(gc.isenabled())
code = pytest.main(["features/", "--no-such-option"])
print(int(code), gc.isenabled())
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=probed.path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.split() == ["True", str(int(pytest.ExitCode.USAGE_ERROR)), "True"], done.stdout
