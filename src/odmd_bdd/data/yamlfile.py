"""YAML with libyaml's parser when PyYAML has it (it nearly always does): the same documents,
the same `yaml.MarkedYAMLError`s, several times faster than the pure-Python parser that
`yaml.safe_load` uses. Every pytest process reads the dataset and the constellation at start-up."""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)


def load_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """The document and its node tree (for line numbers), from one parse."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()
