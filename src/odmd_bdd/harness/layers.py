"""Layers: each scenario runs once per layer it allows (`[api]`, `[gui]`), as `--layer` selects."""

from __future__ import annotations

import types

import pytest

from odmd_bdd.names import LAYERS


def scenario_layers(marker_names: set[str], wanted: str) -> list[str]:
    layers = [layer for layer in LAYERS if wanted in ("all", layer)]
    if "api-only" in marker_names:
        layers = [layer for layer in layers if layer == "api"]
    if "gui-only" in marker_names:
        layers = [layer for layer in layers if layer == "gui"]
    return layers


def parametrize_layers(metafunc: pytest.Metafunc) -> None:
    """A collected scenario becomes one test per layer, each marked with its layer's name."""
    if (
        "layer" not in metafunc.fixturenames
        or not isinstance(metafunc.module, types.ModuleType)
        or not str(getattr(metafunc.module, "__file__", "")).endswith(".feature")
    ):
        return
    names = {m.name for m in metafunc.definition.iter_markers()}
    layers = scenario_layers(names, metafunc.config.getoption("layer"))
    metafunc.parametrize(
        "layer", [pytest.param(layer, marks=getattr(pytest.mark, layer), id=layer) for layer in layers]
    )
