"""pytest's hooks for odmd-bdd: each delegates to the harness module that holds the logic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from odmd_bdd import heap
from odmd_bdd.harness import (
    allure_report,
    collection,
    early_stop,
    layers,
    mutants,
    options,
    report_hygiene,
    run_events,
    step_lookup,
    terminal,
    warm_enver,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)
    warm_enver.add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    step_lookup.install()  # pytest-bdd's step lookup, remembered per module
    warm_enver.check_options(config)
    collection.load_project(config)
    report_hygiene.clean_traces(config)
    early_stop.watch(config)  # a run stopped midway says so in junit.xml and Allure


def pytest_collection_finish(session: pytest.Session) -> None:
    heap.settle()  # the features, steps and project are loaded: they live until the end


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    heap.resume()  # start-up is over (an xdist controller collects nothing): scenarios' objects are collected


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    return collection.collect_file(file_path, parent)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Any) -> bool | None:
    return collection.apply_tag(tag, function)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    layers.deselect_layerless(config, items)
    collection.refuse_mock_only_on_main(config, items)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    layers.parametrize_layers(metafunc)
    mutants.parametrize(metafunc)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    return report_hygiene.keep_and_redact(item, call, (yield))


@pytest.hookimpl(wrapper=True)
def pytest_bdd_before_step_call(request: pytest.FixtureRequest, step: Any, step_func_args: dict[str, Any]) -> Any:
    with report_hygiene.without_fixture_args(request, step_func_args):
        result = yield
    allure_report.show_step_values(request, step)
    return result


@pytest.hookimpl(tryfirst=True)  # before allure-pytest-bdd closes the step
def pytest_bdd_after_step(request: pytest.FixtureRequest, step: Any) -> None:
    allure_report.attach_compared(request, step)
    report_hygiene.attach_new_events(request)
    report_hygiene.close_step_not_checked(request, step)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_step_error(request: pytest.FixtureRequest, step: Any) -> None:
    terminal.note_failed_step(request, step)
    allure_report.attach_compared(request, step)
    report_hygiene.attach_new_events(request)


@pytest.hookimpl(trylast=True)  # after allure-pytest-bdd opened the test
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, scenario: Any) -> None:
    terminal.note_scenario(request, scenario)
    allure_report.name_scenario(request, scenario)


@pytest.hookimpl(tryfirst=True)  # an xdist worker's failure, before JUnit and the terminal read it
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    terminal.restore_reason(report)


@pytest.hookimpl(trylast=True)  # the terminal reporter exists
def pytest_sessionstart(session: pytest.Session) -> None:
    terminal.take_failed_summary(session.config.pluginmanager.get_plugin("terminalreporter"))
    terminal.start_progress(session.config)  # --odmd-progress


def pytest_bdd_after_scenario(request: pytest.FixtureRequest) -> None:
    mutants.record_calls(request.node, request.getfixturevalue("world").answered_cases)
    run_events.check_run_events(request)
    report_hygiene.skip_if_not_checked(request)


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, str] | None:
    return report_hygiene.not_checked_status(report)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    report_hygiene.write_not_checked(terminalreporter)
    report_hygiene.write_terminal_summary(terminalreporter, config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    report_hygiene.record_enver(session)
    mutants.write_calls(session.config)
