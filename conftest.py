"""Wiring only: load every step module in steps/ (the engine comes in as a pytest plugin).

Registered by module name as pytest starts, rather than listed in `pytest_plugins`: pytest looks
each name listed there up among every installed package's entry points first, a scan of the whole
environment per step module."""

from pathlib import Path

import pytest

STEP_MODULES = sorted(f"steps.{p.stem}" for p in (Path(__file__).parent / "steps").glob("*_steps.py"))


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    for name in STEP_MODULES:
        pluginmanager.import_plugin(name)
