"""What the terminal says: a quiet green run, a loud red one.

- A failed scenario shows what a QA needs, not pytest's and the engine's frames: the scenario,
  the step that failed with its feature file:line, and the harness's own message. That is the
  failure representation pytest, JUnit (`message`) and Allure all read; `--tb=long` (or any
  other `--tb`) gives pytest's traceback back. Unexpected errors (a bug in the engine or a step)
  and plain Python tests keep their traceback.
- The short summary (-r f) names each failed test with the reason, however long its id.
- A run ends with one line per use case, its layers and their totals; the enver's addresses and
  artifact versions are in the report (Allure's environment, reports/summary.md) and, with -v, here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from _pytest._code.code import ReprFileLocation, TerminalRepr
from _pytest._io import TerminalWriter

from odmd_bdd.errors import OdmdError
from odmd_bdd.names import LAYERS
from odmd_bdd.redaction import Redactor

REASON_ATTR = "odmd_reason"  # a report attribute: survives xdist's serialization (plain str)
_UC = re.compile(r"^uc(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Where:
    """A scenario or step: its Gherkin text and its place in the feature file."""

    text: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.text}  ({self.file}:{self.line})"


SCENARIO = pytest.StashKey[Where]()  # item: the scenario being run
FAILED_STEP = pytest.StashKey[Where]()  # item: the step that raised


class HarnessFailure(TerminalRepr):
    """A failure as text lines, with the reason pytest's short summary and JUnit's `message` read."""

    def __init__(self, text: str, reason: str, path: str, line: int):
        self.text = text
        self.reprcrash = ReprFileLocation(path, line, reason)

    def toterminal(self, tw: TerminalWriter) -> None:
        for line in self.text.splitlines():
            tw.line(line, red=line.startswith("E "), bold=line.startswith(("Scenario:", "Step:")))


def _rel(item: pytest.Item) -> str:
    try:
        return str(item.path.relative_to(item.config.rootpath))
    except ValueError:
        return str(item.path)


def note_scenario(request: pytest.FixtureRequest, scenario: Any) -> None:
    item = request.node
    layer = getattr(getattr(item, "callspec", None), "params", {}).get("layer")
    name = f"{scenario.keyword}: {scenario.name}" + (f" [{layer}]" if layer else "")
    item.stash[SCENARIO] = Where(name, _rel(item), scenario.line_number)
    if FAILED_STEP in item.stash:  # a rerun starts afresh
        del item.stash[FAILED_STEP]


def note_failed_step(request: pytest.FixtureRequest, step: Any) -> None:
    item = request.node
    item.stash[FAILED_STEP] = Where(f"{step.keyword} {step.name}", _rel(item), step.line_number)


def _message(exc: BaseException) -> str:
    """The harness's message, with its kind in front (GuiConventionError: …) unless it is a plain
    assertion or the message says it already ("contract violation in …")."""
    text = str(exc).strip()
    kind = type(exc).__name__
    said = re.sub(r"(?<!^)(?=[A-Z])", " ", kind).lower()  # ContractViolation -> "contract violation"
    if type(exc) is AssertionError or text.lower().startswith(said):
        return text or kind
    return f"{kind}: {text}" if text else kind


def reason_of(message: str) -> str:
    """The message on one line: the header and its problems, for the short summary and JUnit."""
    parts = [line.strip().removeprefix("- ").strip() for line in message.splitlines() if line.strip()]
    return " | ".join(parts)


def compact(item: pytest.Item, call: pytest.CallInfo[Any], report: pytest.TestReport, redactor: Redactor) -> None:
    """Replace a harness failure's traceback by scenario, step and message (default --tb only)."""
    excinfo = call.excinfo
    if not report.failed or excinfo is None:
        return
    if not isinstance(excinfo.value, (AssertionError, OdmdError)) or item.path.suffix != ".feature":
        _keep_crash_reason(report, redactor)  # an engine bug, or a plain test: pytest's traceback
        return
    if item.config.getoption("tbstyle", "auto") != "auto":
        _keep_crash_reason(report, redactor)
        return
    message = redactor.text(_message(excinfo.value))
    scenario = item.stash.get(SCENARIO, None)
    step = item.stash.get(FAILED_STEP, None) if report.when == "call" else None
    lines = []
    if scenario is not None:
        lines.append(f"Scenario: {scenario.text.split(': ', 1)[-1]}  ({scenario.file}:{scenario.line})")
    if step is not None:
        lines.append(f"Step:     {step}")
    elif report.when != "call":
        lines.append(f"Step:     (none: the scenario's {report.when} failed)")
    elif scenario is not None:
        lines.append("Step:     (none: after the last step)")
    lines += [f"E   {line}" for line in message.splitlines()]
    lines.append("(the harness's message; --tb=long shows the traceback)")
    place = step or scenario
    reason = reason_of(message)
    report.longrepr = HarnessFailure(
        "\n".join(lines), reason, place.file if place else _rel(item), place.line if place else 0
    )
    setattr(report, REASON_ATTR, reason)


def _keep_crash_reason(report: pytest.TestReport, redactor: Redactor) -> None:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        setattr(report, REASON_ATTR, redactor.text(str(crash.message)))


def redact(report: pytest.TestReport, redactor: Redactor) -> None:
    """Mask credentials in failure text and captured output, keeping the reason JUnit and -r read."""
    if report.longrepr is not None:
        text = str(report.longrepr)
        clean = redactor.text(text)
        if clean != text or isinstance(report.longrepr, HarnessFailure):
            crash = getattr(report.longrepr, "reprcrash", None)
            if crash is None:
                report.longrepr = clean
            else:
                reason = redactor.text(str(crash.message))
                report.longrepr = HarnessFailure(clean, reason, str(crash.path), int(crash.lineno))
    report.sections = [(title, redactor.text(content)) for title, content in report.sections]


def restore_reason(report: pytest.TestReport) -> None:
    """On the xdist controller a worker's failure arrives as plain text: give the reason back to it."""
    reason = getattr(report, REASON_ATTR, None)
    if reason and isinstance(report.longrepr, str):
        path, line = report.location[0], (report.location[1] or 0)
        report.longrepr = HarnessFailure(report.longrepr, reason, path, line)


# -- progress of a long run (--odmd-progress) -------------------------------------------------


class Progress:
    """A plugin of its own (--odmd-progress): `[done/total] test` as each test starts, its outcome
    and time when it ends, instead of pytest's dots. Under xdist (tests end in any order, on
    several workers) one line per ended test."""

    def __init__(self, terminalreporter: Any, parallel: bool):
        self.tr = terminalreporter
        self.parallel = parallel
        self.done = 0
        self.total = 0
        self.open = False
        self.words: dict[str, str] = {}  # nodeid -> its worst outcome so far
        self.seconds: dict[str, float] = {}  # nodeid -> its call's duration
        terminalreporter.showfspath = False  # no "tests/test_x.py" prefixes for dots that are not written
        if hasattr(terminalreporter, "_show_progress_info"):  # nor pytest's "[ 52%]" (each line has its count)
            terminalreporter._show_progress_info = False

    def _total(self) -> int:
        return self.total or int(getattr(self.tr, "_numcollected", 0) or 0)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)  # after -m/-k deselection

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.total = len(ids)  # every worker collects the whole selection

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> Any:
        status = yield
        if isinstance(status, tuple) and len(status) == 3:
            return (status[0], "", status[2])  # the category stays; no dot
        return status

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logstart(self, nodeid: str) -> None:
        if self.parallel:
            return
        self.tr.ensure_newline()
        self.tr.write(f"[{self.done + 1}/{self._total()}] {nodeid} ")
        self.open = True

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A test's line ends with its teardown: its worst phase decides the word."""
        word = self.words.get(report.nodeid, "PASSED")
        if report.outcome not in ("passed", "failed", "skipped"):  # pytest-rerunfailures: "rerun"
            word = str(report.outcome).upper()
        elif report.failed:
            word = "FAILED" if report.when == "call" else "ERROR"
        elif report.skipped and word == "PASSED":
            word = "XFAIL" if hasattr(report, "wasxfail") else "SKIPPED"
        if report.when == "call":
            self.seconds[report.nodeid] = report.duration
        if report.when != "teardown" and word != "RERUN":
            self.words[report.nodeid] = word
            return
        self.words.pop(report.nodeid, None)
        self._finish(report.nodeid, word, self.seconds.pop(report.nodeid, None))

    def _finish(self, nodeid: str, word: str, seconds: float | None) -> None:
        if word != "RERUN":
            self.done += 1
        took = f"({seconds:.1f}s)" if seconds is not None else ""
        if self.parallel or not self.open:
            self.tr.ensure_newline()
            self.tr.write_line(f"[{self.done}/{self._total()}] {word} {nodeid} {took}".rstrip())
        else:
            self.tr.write_line(f"{word} {took}".rstrip())
        self.open = False


WORDS = frozenset({"PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS"})


def ended(line: str) -> tuple[str, str] | None:
    """(word, test id) of a line Progress wrote as a test ended, in either layout
    (`[3/9] WORD id (1.2s)` under xdist, `[3/9] id WORD (1.2s)` serially); None for other lines."""
    parts = line.split()
    if len(parts) < 3 or not (parts[0].startswith("[") and parts[0].endswith("]") and "/" in parts[0]):
        return None
    word = next((p for p in parts[1:3] if p in WORDS), None)
    nodeid = next((p for p in parts[1:3] if "::" in p), None)
    return (word, nodeid) if word and nodeid else None


def start_progress(config: pytest.Config) -> None:
    """--odmd-progress: register the Progress plugin (not on an xdist worker: the controller prints)."""
    terminalreporter = config.pluginmanager.get_plugin("terminalreporter")
    if terminalreporter is None or not config.getoption("odmd_progress", False) or hasattr(config, "workerinput"):
        return
    parallel = bool(getattr(config.option, "numprocesses", None))
    if not config.pluginmanager.has_plugin("odmd-bdd-progress"):
        config.pluginmanager.register(Progress(terminalreporter, parallel), "odmd-bdd-progress")


# -- the end of a run ---------------------------------------------------------------------------


def take_failed_summary(terminalreporter: Any) -> None:
    """pytest drops the reason from a short-summary line when the test id fills the width (our
    ids are long): the failed ones are written here, with the reason, instead."""
    chars = getattr(terminalreporter, "reportchars", "")
    if "f" in chars:
        terminalreporter.reportchars = chars.replace("f", "")
        terminalreporter.config.stash[_TOOK_F] = True


_TOOK_F = pytest.StashKey[bool]()


def write_failed_summary(terminalreporter: Any) -> None:
    if not terminalreporter.config.stash.get(_TOOK_F, False):
        return
    failed = terminalreporter.stats.get("failed", [])
    if not failed:
        return
    terminalreporter.write_sep("=", "short test summary info")
    for report in failed:
        reason = getattr(report, REASON_ATTR, None)
        if reason is None:
            crash = getattr(report.longrepr, "reprcrash", None)
            reason = str(crash.message) if crash is not None else ""
        reason = reason.splitlines()[0] if reason else ""
        terminalreporter.write_line(f"FAILED {report.nodeid}" + (f" - {reason}" if reason else ""), red=True)


def _outcomes(terminalreporter: Any) -> dict[str, tuple[str, pytest.TestReport]]:
    """nodeid -> (final outcome, a report of it) for the run's tests (a failure in any phase wins)."""
    final: dict[str, tuple[str, pytest.TestReport]] = {}
    order = {"passed": 0, "not checked": 1, "skipped": 1, "failed": 2, "error": 2}
    for category in ("passed", "skipped", "failed", "error"):
        for report in terminalreporter.stats.get(category, []):
            if not isinstance(report, pytest.TestReport):  # a collection error is no test's outcome
                continue
            outcome = category
            if category == "skipped" and str(report.longrepr).find("not checked:") >= 0:
                outcome = "not checked"
            if report.nodeid not in final or order[outcome] > order[final[report.nodeid][0]]:
                final[report.nodeid] = (outcome, report)
    return final


def _use_case(report: pytest.TestReport) -> str:
    for name in report.keywords:
        match = _UC.match(str(name))
        if match:
            return f"UC{match.group(1)}"
    return "other"


def _layer(report: pytest.TestReport) -> str:
    for layer in LAYERS:
        if report.nodeid.endswith(f"[{layer}]") or layer in report.keywords:
            return layer
    return "—"


def per_use_case(terminalreporter: Any) -> list[str]:
    """One line per use case: each layer's totals ("UC1   api 6 passed · gui 5 passed, 1 failed")."""
    grid: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for outcome, report in _outcomes(terminalreporter).values():
        if not str(report.nodeid).split("::")[0].endswith(".feature"):
            continue
        grid[_use_case(report)][_layer(report)][outcome] += 1
    if not grid:
        return []

    def order(use_case: str) -> tuple[int, str]:
        digits = use_case[2:]
        return (int(digits), "") if use_case.startswith("UC") and digits.isdigit() else (10**6, use_case)

    width = max(len(u) for u in grid)
    lines = []
    for use_case in sorted(grid, key=order):
        cells = []
        for layer in [*LAYERS, *sorted(set(grid[use_case]) - set(LAYERS))]:
            counts = grid[use_case].get(layer)
            if counts:
                shown = ", ".join(
                    f"{n} {o}" for o in ("passed", "failed", "error", "not checked", "skipped") if (n := counts.get(o))
                )
                cells.append(f"{layer} {shown}")
        lines.append(f"{use_case:<{width}}  " + " · ".join(cells))
    return lines


def write_run_summary(terminalreporter: Any, enver: dict[str, str], alluredir: str | None) -> None:
    """The run per use case × layer; the enver in one line (all of it with -v)."""
    lines = per_use_case(terminalreporter)
    verbose = terminalreporter.config.getoption("verbose", 0) > 0
    if not lines and not enver:
        return
    terminalreporter.write_sep("-", "odmd-bdd")
    for line in lines:
        red = " failed" in line or " error" in line
        terminalreporter.write_line(line, red=red, green=not red)
    if not enver:
        return
    if verbose:
        terminalreporter.write_sep("-", "odmd-bdd enver")
        for key, value in enver.items():
            terminalreporter.write_line(f"{key}: {value}")
        return
    where = f"enver {enver.get('enver', '?')} ({enver.get('revision', '?')})"
    kept = "the report's Metadata and Global Attachments" if alluredir else "the report"
    terminalreporter.write_line(f"{where}: addresses and artifact versions in {kept} (-v prints them)")
