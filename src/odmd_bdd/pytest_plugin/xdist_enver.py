"""Hooks that tell xdist workers which enver to use: harness/worker_envers.py."""

from __future__ import annotations

from typing import Any

import pytest

from odmd_bdd.harness import worker_envers


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    worker_envers.start(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    worker_envers.hand_to_worker(node)


def pytest_report_header(config: pytest.Config) -> str | None:
    return worker_envers.report_header(config)
