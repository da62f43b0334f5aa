"""The CI tooling end to end (`make ci-tests`; slow, so not in `make test`).

- ci/run-bdd.sh run as CI runs it, on a copy of the project against the embedded enver: the
  HTML report, the JUnit file and the Markdown summary exist, for a green run and for a run
  with a failing and a flaky scenario (non-zero exit, every attempt kept);
- a serial run and a `-n 2` run of the same subset give the same pass/fail set;
- the GUI layer on the browser of a Playwright server (`--browser-ws-endpoint`).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT, replace_in

pytestmark = pytest.mark.slow

SECRETS = ("mock_auth_jwt_token_for_testing", "mock_temp_token_12345", "mock_refresh_token_12345")
FLAKY_STEPS = """
import os
from pathlib import Path

from pytest_bdd import given


@given("a step that fails on its first attempt")
def fails_once():
    marker = Path(os.environ["ODMD_TEST_FLAKY_MARKER"])
    if not marker.exists():
        marker.write_text("failed once")
        raise AssertionError("the first attempt fails on purpose")
"""
FLAKY_FEATURE = """@uc1
Feature: UC1 flakiness, planted by the engine's tests

  @api-only
  Scenario: A scenario that fails once, then passes
    Given the user is logged in to identity-service
    And a step that fails on its first attempt
"""


@pytest.fixture(scope="session")
def allure_installed() -> Path:
    """Allure 3 in the project's node_modules/ (what `make node-setup` does)."""
    exe = ROOT / "node_modules" / ".bin" / "allure"
    if not exe.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("the HTML report needs Node.js and npm: apt-get install nodejs npm, then make node-setup")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True, timeout=600)
    return ROOT / "node_modules"


@pytest.fixture
def ci_project(project, allure_installed):
    """The project copy plus what the CI script needs: ci/, the Allure config, node_modules/."""
    shutil.copytree(ROOT / "ci", project.path / "ci")
    for name in ("package.json", "package-lock.json", "allurerc.yaml"):
        shutil.copy(ROOT / name, project.path / name)
    (project.path / "node_modules").symlink_to(allure_installed)
    return project


def _run_script(path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "ODMD_PYTHON": sys.executable, "GITHUB_STEP_SUMMARY": str(path / "step-summary.md"), **env}
    return subprocess.run(
        ["bash", "ci/run-bdd.sh", "--no-setup", *args],
        cwd=path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _junit_outcomes(path: Path) -> dict[str, str]:
    outcomes = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcomes[name] = "failed" if kinds & {"failure", "error"} else "skipped" if "skipped" in kinds else "passed"
    return outcomes


def _no_secrets(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".xml", ".log", ".json", ".properties"):
            text = path.read_text(errors="replace")
            leaked = [s for s in SECRETS if s in text]
            assert not leaked, f"{path} contains {leaked}"


# --- the CI script ----------------------------------------------------------------------


def test_ci_script_against_the_embedded_enver_writes_report_junit_and_summary(ci_project):
    done = _run_script(ci_project.path, "-k", "uc1", "-m", "api")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    reports = ci_project.path / "reports"
    html = reports / "allure-report" / "index.html"
    assert html.is_file() and html.stat().st_size > 100_000  # one self-contained file
    assert "googletagmanager" not in html.read_text()  # settled: opening it calls no one
    outcomes = _junit_outcomes(reports / "junit.xml")
    count = len(outcomes)
    assert count >= 6 and set(outcomes.values()) == {"passed"} and all(k.endswith("[api]") for k in outcomes)
    stats = json.loads((reports / "allure-report" / "summary.json").read_text())["stats"]
    assert stats == {"total": count, "passed": count}
    summary = (reports / "summary.md").read_text()
    assert "| use case | api |" in summary and f"| UC1 | ✅ {count}/{count} |" in summary
    assert "### Artifact versions used" in summary and ".artifact.openapi" in summary
    assert (ci_project.path / "step-summary.md").read_text() == summary + "\n"
    assert f"{count} passed" in (reports / "pytest.log").read_text()
    # What the HTML report is made of: Gherkin steps with the HTTP exchanges and the events
    # attached, the layer as a parameter, no fixture reprs as step parameters.
    results = [json.loads(p.read_text()) for p in (reports / "allure-results").glob("*-result.json")]
    steps = [step for r in results for step in r.get("steps", [])]
    attachments = [a["name"] for step in steps for a in step.get("attachments", [])]
    assert any(name.startswith("[api] events: KeyRegistered") for name in attachments)
    assert any(name.startswith("[api] identity-service login → 200") for name in attachments)
    assert all(r["parameters"] == [{"name": "layer", "value": "'api'"}] for r in results)
    assert steps[0]["name"].startswith(("Given ", "When ", "Then ", "And "))
    step_parameters = {p["name"] for step in steps for p in step.get("parameters", [])}
    assert step_parameters and not step_parameters & {"dataset", "constants", "events", "actor", "world", "enver"}
    _no_secrets(reports)


def test_ci_script_with_a_failing_and_a_flaky_scenario_exits_1_and_keeps_every_attempt(ci_project):
    path = ci_project.path
    replace_in(
        path / "fixtures/dataset/master-mock-dataset.yaml", 'user_id: "${USER_ID}"', 'user_id: "user_99999_other"'
    )
    (path / "steps" / "flaky_steps.py").write_text(FLAKY_STEPS)
    (path / "features" / "uc1_flaky.feature").write_text(FLAKY_FEATURE)
    done = _run_script(
        path, "-k", "uc1", "-m", "api", "--reruns", "1", ODMD_TEST_FLAKY_MARKER=str(path / "flaky.marker")
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    reports = path / "reports"
    assert (reports / "allure-report" / "index.html").is_file() and (reports / "junit.xml").is_file()
    report = json.loads((reports / "allure-report" / "summary.json").read_text())
    assert report["stats"]["failed"] == 1 and report["stats"]["retries"] == 2  # each rerun scenario: one retry
    assert len(report["retryTests"]) == 2
    results = [json.loads(p.read_text()) for p in (reports / "allure-results").glob("*-result.json")]
    flaky = [r for r in results if r["name"] == "A scenario that fails once, then passes [api]"]
    assert sorted(r["status"] for r in flaky) == ["failed", "passed"] and len({r["historyId"] for r in flaky}) == 1
    summary = (reports / "summary.md").read_text()
    assert summary.startswith("## ❌") and "pytest exit code 1 (scenarios failed)" in summary
    count = len(_junit_outcomes(reports / "junit.xml"))
    assert f"| UC1 | ❌ 1 of {count} failed |" in summary
    assert "### Failing scenarios" in summary
    assert (
        "[api] A user logs in, registers the root key and creates the root entity** "
        "(`features/uc1_authentication_key_entity.feature`): `[api] identity-service login "
        "(UC1.login): field user_id: expected ${USER_ID} = 'user_12345_system', got 'user_99999_other'`"
    ) in summary
    assert "A scenario that fails once, then passes: 2 attempts, passed on a retry (flaky)" in summary
    assert "A user logs in, registers the root key and creates the root entity: 2 attempts, still failed" in summary
    _no_secrets(reports)


# --- serial vs parallel -------------------------------------------------------------------


def test_serial_and_two_workers_give_the_same_pass_fail_set(project):
    """Both layers of UC1 and UC6, with one planted failure; each worker has its own browser, the
    controller the one embedded enver."""
    replace_in(
        project.path / "fixtures/dataset/master-mock-dataset.yaml",
        'user_id: "${USER_ID}"',
        'user_id: "user_99999_other"',
    )
    subset = ("features/", "-k", "uc1 or uc6")
    serial = project.runpytest_subprocess(*subset, "--junitxml=reports/serial.xml", "--alluredir=reports/serial")
    parallel = project.runpytest_subprocess(
        *subset, "-n", "2", "--junitxml=reports/parallel.xml", "--alluredir=reports/parallel", "-v"
    )
    reports = project.path / "reports"
    one, two = _junit_outcomes(reports / "serial.xml"), _junit_outcomes(reports / "parallel.xml")
    assert one == two, {k: (one.get(k), two.get(k)) for k in set(one) | set(two) if one.get(k) != two.get(k)}
    assert "failed" in one.values() and "passed" in one.values() and len(one) >= 10
    assert any(k.endswith("[gui]") for k in one) and any(k.endswith("[api]") for k in one)
    assert serial.ret == parallel.ret == pytest.ExitCode.TESTS_FAILED
    # Every worker's Allure results survive (no worker cleaned the folder under another).
    for folder in ("serial", "parallel"):
        assert len(list((reports / folder).glob("*-result.json"))) == len(one)
    # One description of the enver, written by the controller from both workers' envers.
    env = (reports / "parallel" / "odmd-enver.properties").read_text().splitlines()
    keys = [line.split("=", 1)[0] for line in env]
    assert len(keys) == len(set(keys)) and "xdist_workers=2" in env and "enver=local" in env
    urls = [line for line in env if line.startswith(("identity-service.base_url=", "identity-service.base_url["))]
    assert len(urls) == 2, "each worker brings up its own embedded enver, at its own address"
    parallel.stdout.fnmatch_lines(
        ["*every worker brings up an embedded enver of its own*", "*odmd-bdd enver*", "xdist_workers: 2"]
    )


# --- a remote browser ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def playwright_server():
    """`playwright run-server` on 127.0.0.1 (the Python package's own CLI), stopped afterwards. The CLI
    is a Python wrapper running the Node server as its child: terminating the wrapper left the server
    running, so the server is killed (its graceful shutdown often hung for more than 10 s; the browsers
    it launched exit as their pipe to it closes) and the wrapper then reaps it and exits."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "playwright", "run-server", "--host", "127.0.0.1", "--port", str(port), "--unsafe"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        selector = selectors.DefaultSelector()
        selector.register(server.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 30
        line = ""
        while "Listening on" not in line:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or server.poll() is not None:
                pytest.fail(f"playwright run-server did not start: {line!r}")
            if selector.select(timeout=remaining):
                line = server.stdout.readline()
        yield f"ws://127.0.0.1:{port}/"
    finally:
        for child in _children(server.pid):
            os.kill(child, signal.SIGKILL)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def test_gui_layer_on_the_browser_of_a_playwright_server(project, playwright_server, monkeypatch):
    from odmd_bdd.gui.browser import LAUNCH_ARGS, find_chromium

    chromium = find_chromium().path  # the server launches it; a --unsafe server takes the client's options
    monkeypatch.setenv(
        "ODMD_BROWSER_LAUNCH_OPTIONS", json.dumps({"executablePath": chromium, "args": list(LAUNCH_ARGS)})
    )
    result = project.runpytest_subprocess(
        "features/uc1_authentication_key_entity.feature", "--layer", "gui", "--browser-ws-endpoint", playwright_server
    )
    outcomes = result.parseoutcomes()
    assert result.ret == 0 and outcomes["passed"] >= 3, result.stdout.str()[-3000:]


def test_an_unreachable_playwright_server_is_one_clear_error(project):
    endpoint = f"ws://127.0.0.1:{_free_port()}/"
    result = project.runpytest_subprocess(
        "features/uc1_authentication_key_entity.feature", "--layer", "gui", "--browser-ws-endpoint", endpoint
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"cannot connect to the Playwright server at {endpoint}" in result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stdout.str()
