"""Hooks for xdist workers and CI shards (`-n N`, `--num-shards N --shard-id K`): harness/shards.py."""

from __future__ import annotations

from typing import Any

import pytest

from odmd_bdd.harness import options, shards


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_shard_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    shards.check_options(config)
    shards.pin_worker(config)  # before the worker starts any thread of its own


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shards.select_items(config, items)


def pytest_report_header(config: pytest.Config) -> str | None:
    return shards.report_header(config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    shards.keep_worker_enver(node)
