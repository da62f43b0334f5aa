"""Collecting feature files: the project loaded once, each `.feature` a test module, checked at collection.

A QA adds a `.feature` file and it runs, no Python module needed. Every `${NAME}` is checked
against the dataset's constants, and what Gherkin allows but misleads (checks.feature_text: a
step line outside any scenario, an outline placeholder with no Examples column) stops collection
with file:line.
"""

from __future__ import annotations

import os
import types
from pathlib import Path
from typing import Any, cast

import pytest
from gherkin.errors import CompositeParserException, ParserException
from gherkin.parser import Parser
from pytest_bdd import scenario as bdd_scenario
from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.feature import get_feature
from pytest_bdd.scenario import make_python_name

from odmd_bdd.checks import feature_text
from odmd_bdd.checks.problems import Problem
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import ConstantError, OdmdError
from odmd_bdd.harness.early_stop import record_stop
from odmd_bdd.harness.stash import CONSTELLATION, REDACTOR
from odmd_bdd.names import DEFAULT_CONSTELLATION
from odmd_bdd.redaction import Redactor


def constellation_path(config: pytest.Config) -> Path:
    given = config.getoption("constellation")
    return Path(given) if given else config.rootpath / DEFAULT_CONSTELLATION


def load_project(config: pytest.Config) -> None:
    """Load the constellation and dataset once, before collection; a bad one stops the run with
    one message, and the reports say so."""
    path = constellation_path(config)
    if not path.exists():
        if runs_features(config):  # said once for the run, not once per feature file
            message = f"no constellation file at {path}: the feature files cannot run (see --constellation)"
            record_stop(config, message)
            raise pytest.UsageError(message)
        return  # not an odmd-bdd project (e.g. a pytester run of unrelated tests)
    try:
        constellation = Constellation.load(path)
        dataset = constellation.dataset
    except OdmdError as exc:
        record_stop(config, str(exc))
        raise pytest.UsageError(str(exc)) from None
    config.stash[CONSTELLATION] = constellation
    config.stash[REDACTOR] = Redactor(dataset.constants.secret_values())
    register_use_case_markers(config, dataset.titles)
    if config.getoption("headed") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise pytest.UsageError(
            "--headed needs a display, but $DISPLAY is not set: run under `xvfb-run pytest ...` "
            "or on a desktop, or drop --headed"
        )


def register_use_case_markers(config: pytest.Config, titles: dict[str, str]) -> None:
    """Each use case of the dataset is a marker (`@uc7`, `@pet`), so a new use case's tag needs no
    edit of pyproject.toml (and no reinstall) to pass --strict-markers; a misspelt tag still fails."""
    known = {line.split(":", 1)[0].strip() for line in config.getini("markers")}
    for use_case, title in titles.items():
        name = use_case.lower()
        if name not in known:
            config.addinivalue_line("markers", f"{name}: use case {use_case} of the dataset, {title}")


def runs_features(config: pytest.Config) -> bool:
    """Do the run's paths hold a feature file?"""
    for arg in config.args:
        path = Path(config.invocation_params.dir, str(arg).split("::")[0])
        if path.suffix == ".feature" or (path.is_dir() and next(path.rglob("*.feature"), None) is not None):
            return True
    return False


def collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    return FeatureFile.from_parent(parent, path=file_path) if file_path.suffix == ".feature" else None


def _misleading(path: str, text: str) -> list[Problem]:
    """The feature-text problems that must stop collection (a syntax error is pytest-bdd's to report)."""
    try:
        doc = Parser().parse(text)
    except (CompositeParserException, ParserException):
        return []
    return [
        *feature_text.step_lines_outside_scenarios(path, text, doc),
        *feature_text.placeholders_without_columns(path, text, doc),
    ]


def _noop() -> None:
    """Body of a collected scenario: pytest-bdd runs the steps."""


class FeatureCollectError(pytest.Collector.CollectError):
    """A feature file that cannot be collected, with the problems as data (file, line, message)
    for tools that report them (odmd-bdd check); pytest prints `str()`: one `file:line: message` each."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class FeatureFile(pytest.Module):
    """A `.feature` file as a test module: one test per scenario, checked at collection."""

    def _rel(self) -> str:
        try:
            return str(self.path.relative_to(self.config.rootpath))
        except ValueError:
            return str(self.path)

    def _where(self, line: int | str) -> str:
        return f"{self._rel()}:{line}"

    def _fail(self, line: int, message: str, code: str = "feature.collect") -> FeatureCollectError:
        return FeatureCollectError([Problem(code, self._rel(), message, line=line)])

    def _getobj(self) -> types.ModuleType:
        constellation = self.config.stash.get(CONSTELLATION, None)
        if constellation is None:
            raise self._fail(1, f"no constellation file at {constellation_path(self.config)}")
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise self._fail(1, f"cannot read the feature file: {exc}") from None
        for number, line in enumerate(text.splitlines(), 1):
            if not line.lstrip().startswith("#"):
                try:
                    constellation.dataset.constants.check(line, self._where(number))
                except ConstantError as exc:
                    message = str(exc).removeprefix(f"{self._where(number)}: ")  # the where we gave it
                    raise self._fail(number, message, "feature.unknown-constant") from None
        misleading = _misleading(self._rel(), text)
        if misleading:
            raise FeatureCollectError(misleading)
        try:
            feature = get_feature(str(self.path.parent), self.path.name)
        except GherkinParseError as exc:
            raise self._fail(
                exc.line, f"malformed feature file: {exc.message} — {exc.line_content.strip()!r}", "feature.syntax"
            ) from None
        module = types.ModuleType(self.path.stem)
        module.__file__ = str(self.path)
        for name, template in feature.scenarios.items():
            test_name = f"test_{make_python_name(name)}"
            while hasattr(module, test_name):
                test_name += "_"
            try:
                test = bdd_scenario(str(self.path), name, features_base_dir=str(self.path.parent))(_noop)
            except (Exception, pytest.fail.Exception) as exc:
                raise self._fail(template.line_number, f"scenario {name!r}: {exc}") from None
            cast(Any, test).odmd_steps = len(template.steps)  # harness.shards deals long scenarios out first
            setattr(module, test_name, pytest.mark.usefixtures("layer")(test))
        return module


def apply_tag(tag: str, function: Any) -> bool | None:
    """`@phase:0b` becomes the marker `phase-0b` (marker names cannot hold ':'); other tags as they are."""
    if ":" not in tag:
        return None
    getattr(pytest.mark, tag.replace(":", "-"))(function)
    return True


def refuse_mock_only_on_main(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse @mock-only scenarios against a main enver (after -m/-k deselection), unless --allow-main."""
    constellation = config.stash.get(CONSTELLATION, None)
    if constellation is None or config.getoption("allow_main"):
        return
    name = config.getoption("enver")
    spec = constellation.envers.get(name)
    if spec is None or not spec.is_main:
        return
    refused = [item for item in items if item.get_closest_marker("mock-only")]
    if refused:
        raise pytest.UsageError(
            f"refusing to run {len(refused)} @mock-only scenario(s) against enver {name!r} ({spec.revision}): they send "
            f"mock tokens and expect fixed mock answers, which a main enver must not accept. Deselect them with "
            f"-m 'not mock-only', or pass --allow-main if you really mean it. First: {refused[0].nodeid}"
        )
