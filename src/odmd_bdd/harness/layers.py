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


def deselect_layerless(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A scenario no selected layer may run (@api-only under `--layer gui`) is deselected, not
    reported as a skip: nothing was left undone."""
    layerless = [item for item in items if _layer_of(item) not in (None, *LAYERS)]
    if layerless:
        config.hook.pytest_deselected(items=layerless)
        items[:] = [item for item in items if item not in layerless]


def _layer_of(item: pytest.Item) -> object:
    callspec = getattr(item, "callspec", None)
    if callspec is None or "layer" not in callspec.params:
        return None
    return callspec.params["layer"]  # NOTSET when the layer set was empty
