"""Hooks that let the xdist controller host one embedded enver for all workers: harness/shared_enver.py."""

from __future__ import annotations

from typing import Any

import pytest

from odmd_bdd.harness import shared_enver


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    shared_enver.start(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    shared_enver.hand_to_worker(node)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    shared_enver.stop(session.config)


def pytest_report_header(config: pytest.Config) -> str | None:
    return shared_enver.report_header(config)
