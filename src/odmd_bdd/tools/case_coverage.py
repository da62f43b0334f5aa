"""Which dataset cases the feature files really exercise.

The features are run once, on the API layer, against the embedded enver (in this
process, with `pytest.main`). A small pytest plugin keeps the exchanges of every scenario
that passes; an exchange *realises* a dataset case when

- it called the case's service and operation,
- the request sent contains every field the case's request names (the embedded enver's
  own matching rule),
- on a secured operation, it carried the kind of token the case's `auth` names
  (the session's, none, or a wrong one), and
- the answer matches the case's response (`expect.matches_case`: status, every field of
  the body, every Zod issue listed).

A case is covered when some passing scenario realises it. Neither the case a step was
built from (`Action.case`) nor a text search of the features is trusted on its own: a
domain step may override the fields of its template case and so perform another case
(listing the child's links from the template of listing the root's), and the template's
request may be sent with the wrong token or answered differently.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from odmd_bdd.actors import SESSION, Observation
from odmd_bdd.checks import expect
from odmd_bdd.checks.phase0 import subset_score
from odmd_bdd.checks.problems import Problem
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.harness.collection import FeatureCollectError


@dataclass
class ScenarioRun:
    nodeid: str
    feature: Path
    line: int
    name: str
    observations: list[Observation] = field(default_factory=list)
    failure: str | None = None  # first line of the failure, when the scenario failed

    @property
    def passed(self) -> bool:
        return self.failure is None


class CoverageRecorder:
    """A pytest plugin object: the exchanges of every scenario, and whether it passed."""

    def __init__(self) -> None:
        self.runs: dict[str, ScenarioRun] = {}
        self.collect_errors: list[tuple[str, str]] = []  # (nodeid, message): what pytest could not collect
        self.feature_problems: dict[str, list[Problem]] = {}  # nodeid -> the feature file's problems, as data
        self.rootpath: Path | None = None

    @pytest.hookimpl
    def pytest_configure(self, config: pytest.Config) -> None:
        self.rootpath = config.rootpath

    @pytest.hookimpl
    def pytest_bdd_after_scenario(self, request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
        world = request.getfixturevalue("world")
        self.runs[request.node.nodeid] = ScenarioRun(
            request.node.nodeid, Path(feature.filename), scenario.line_number, scenario.name, list(world.answers)
        )

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.failed:
            return
        run = self.runs.get(report.nodeid)
        text = _first_line(str(report.longrepr))
        if run is None:  # failed before the scenario ran (setup: the enver, a fixture)
            path, line, name = _location(report)
            run = self.runs[report.nodeid] = ScenarioRun(report.nodeid, path, line, name)
        if run.failure is None:
            run.failure = text

    @pytest.hookimpl
    def pytest_exception_interact(self, node: Any, call: Any, report: Any) -> None:
        error = call.excinfo.value if call.excinfo is not None else None
        if isinstance(error, FeatureCollectError):
            self.feature_problems[node.nodeid] = error.problems

    @pytest.hookimpl
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append((report.nodeid, _first_line(str(report.longrepr))))


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    # pytest's long representation ends with the exception line ("E   AssertionError: ...").
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    chosen = errors[0] if errors else (lines[-1] if lines else "no details")
    return chosen if len(chosen) <= 300 else chosen[:297] + "..."


def _location(report: pytest.TestReport) -> tuple[Path, int, str]:
    path, line, name = report.location
    return Path(path), (line or 0) + 1, name


@dataclass
class FeatureRun:
    scenarios: list[ScenarioRun]
    collect_errors: list[tuple[str, str]]
    exit_code: int
    output: str  # pytest's own output, for when the run could not start
    rootpath: Path | None  # collection errors name files relative to it
    feature_problems: dict[str, list[Problem]] = field(default_factory=dict)  # nodeid -> problems, as data

    @property
    def passed(self) -> list[ScenarioRun]:
        return [s for s in self.scenarios if s.passed]


def run_features(features: Path, constellation_path: Path) -> FeatureRun:
    """Run every feature once on the API layer against the embedded enver, in this process.

    `pytest.main` imports the project's conftest and step modules into this process, so
    call it from a fresh process (the CLI does); tests drive `odmd-bdd check` in a
    subprocess. The project's addopts are dropped so the run writes no reports."""
    recorder = CoverageRecorder()
    args = [
        str(features),
        "--layer",
        "api",
        "--enver",
        "local",
        "--constellation",
        str(constellation_path),
        # the project's addopts would write reports/ (junit, Allure): this run leaves nothing behind
        "-o",
        "addopts=",
        "--strict-markers",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        "--continue-on-collection-errors",
    ]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = pytest.main(args, plugins=[recorder])
    return FeatureRun(
        list(recorder.runs.values()),
        recorder.collect_errors,
        int(code),
        out.getvalue(),
        recorder.rootpath,
        recorder.feature_problems,
    )


def auth_mode(auth: str | None, valid_tokens: set[str]) -> str:
    """How an action authenticated, in the dataset's words: session, none or wrong."""
    if auth is None:
        return "none"
    if auth == SESSION or auth in valid_tokens:
        return "session"
    return "wrong"


class CaseMatcher:
    """Which dataset cases one observed exchange realises."""

    def __init__(self, constellation: Constellation):
        self.dataset = constellation.dataset
        self.contracts = constellation.contracts
        self.valid_tokens = constellation.valid_bearer_tokens()

    def realised(self, obs: Observation) -> list[str]:
        action = obs.action
        contract = self.contracts.get(action.service)
        op = contract.operations.get(action.operation) if contract else None
        sent = {
            "body": action.body,
            "path": dict(action.path or {}),
            "query": dict(action.query or {}),
            "headers": dict(action.headers or {}),
        }
        refs = []
        for case in self.dataset.cases_for(action.service, action.operation):
            if subset_score(case.request, sent) is None:
                continue
            if (op is None or op.secured) and auth_mode(action.auth, self.valid_tokens) != case.auth:
                continue
            try:
                expect.matches_case(obs, case)
            except AssertionError:
                continue
            refs.append(case.ref)
        return refs


def journey_alignment(journey: list[str], steps: list[list[str]]) -> list[bool]:
    """Which journey steps a scenario performs in the journey's order: each step is looked
    for after the exchange that performed the previous one found (a missing step is skipped)."""
    performed = []
    start = 0
    for ref in journey:
        at = next((i for i in range(start, len(steps)) if ref in steps[i]), None)
        performed.append(at is not None)
        if at is not None:
            start = at + 1
    return performed
