"""Warm runs (odmd_bdd/harness/warm_enver.py, odmd_bdd/localenv/running.py): a running embedded
enver of the project is reused by the next `pytest features/`; a changed, dead or faulted one is
said in one line and replaced by a fresh one; faults planted by one run never reach another."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from odmd_bdd.data.constellation import Constellation
from odmd_bdd.localenv import running
from odmd_bdd.localenv.running import RunningEnver
from tests.conftest import replace_in

UC1 = "features/uc1_authentication_key_entity.feature"
UP_WITHIN_S = 90.0  # a deadline for a cold moto on a loaded machine, not a performance bound
PROBE = """

def pytest_sessionfinish(session):  # added by tests/test_warm_enver.py: which heavy modules this run imported
    import json, sys
    from pathlib import Path

    loaded = {name: name in sys.modules for name in ("moto", "playwright")}
    Path(session.config.rootpath, "modules.json").write_text(json.dumps(loaded))
    Path(session.config.rootpath, "aws_calls.json").write_text(json.dumps(_AWS_CALLS))


import botocore.client  # noqa: E402  (added by tests/test_warm_enver.py: the AWS operations this run makes)

_AWS_CALLS = []
_make_api_call = botocore.client.BaseClient._make_api_call


def _recording(self, operation, params):
    _AWS_CALLS.append(f"{self.meta.service_model.service_name}:{operation}")
    return _make_api_call(self, operation, params)


botocore.client.BaseClient._make_api_call = _recording
"""


def _wait_for(predicate, what: str, deadline_s: float = UP_WITHIN_S):
    until = time.monotonic() + deadline_s
    while True:
        found = predicate()
        if found:
            return found
        assert time.monotonic() < until, f"{what} within {deadline_s:g}s"
        time.sleep(0.05)  # poll with a deadline


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    _wait_for(lambda: not running.alive(pid), f"pid {pid} to stop", 20)


@pytest.fixture
def warm_project(project: pytest.Pytester) -> Iterator[pytest.Pytester]:
    """The project, with a probe of the run's imports; whatever embedded enver its runs keep is stopped after."""
    with open(project.path / "conftest.py", "a", encoding="utf-8") as conftest:
        conftest.write(PROBE)
    yield project
    state = RunningEnver.read(running.state_path(project.path))
    if state is not None:
        _stop(state.pid)


def _local_enver(project: pytest.Pytester) -> tuple[subprocess.Popen, RunningEnver]:
    """`odmd-bdd local-enver` in the project, up and findable."""
    process = subprocess.Popen(
        [sys.executable, "-m", "odmd_bdd.tools.cli", "local-enver"],
        cwd=project.path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def up() -> RunningEnver | None:
        assert process.poll() is None, f"odmd-bdd local-enver ended with {process.returncode}"
        state = RunningEnver.read(running.state_path(project.path))
        return state if state is not None and state.pid == process.pid else None

    return process, _wait_for(up, "odmd-bdd local-enver to write its state file")


@contextmanager
def _state_naming_another_process(project: pytest.Pytester, state: RunningEnver) -> Iterator[subprocess.Popen]:
    """The project's state file as `state`, but naming a live process that is not the enver (a pid
    the system has given to another process since); that process, killed after."""
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:  # it lives until its stdin closes
        RunningEnver(**{**state.__dict__, "pid": other.pid}).write(running.state_path(project.path))
        yield other
    finally:
        other.kill()
        other.wait()


def _run(project: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, bool]]:
    (project.path / "modules.json").unlink(missing_ok=True)
    result = project.runpytest_subprocess(UC1, "--layer", "api", *args)
    probe = project.path / "modules.json"
    return result, json.loads(probe.read_text()) if probe.exists() else {}


def _aws_calls(project: pytest.Pytester) -> set[str]:
    """The AWS services the last run called (the probe's record)."""
    calls = json.loads((project.path / "aws_calls.json").read_text())
    return {call.split(":")[0] for call in calls}


def test_a_kept_enver_is_reused_by_the_next_run_which_starts_no_embedded_aws(warm_project):
    first, loaded = _run(warm_project, "--keep-enver")
    first.assert_outcomes(passed=7)
    first.stdout.fnmatch_lines(["odmd-bdd: started an embedded enver that outlives this run (pid *"])
    assert loaded["moto"] is False, "the kept enver runs in its own process, not in the run's"
    kept = RunningEnver.read(running.state_path(warm_project.path))
    assert kept is not None and kept.started_by == "--keep-enver" and running.alive(kept.pid)

    second, loaded = _run(warm_project, "-v")  # -v: the enver block, with the reuse, in the terminal
    second.assert_outcomes(passed=7)
    second.stdout.fnmatch_lines([f"odmd-bdd: reusing the running embedded enver (pid {kept.pid}, {kept.url}; *"])
    second.stdout.fnmatch_lines([f"embedded_enver: reused: pid {kept.pid} (--keep-enver), {kept.url}"])
    assert loaded == {"moto": False, "playwright": False}  # no embedded AWS started: moto was never imported
    assert f"identity-service.base_url: {kept.url}/identity-service" in second.stdout.str()
    # It resolved the enver from what the enver read of itself at start (the state file's share):
    # no SSM or S3 call; its embedded AWS carried the run's events.
    assert _aws_calls(warm_project) == {"sqs"}

    # Distributed: the controller finds it and hands it to the workers; nobody starts an embedded AWS.
    third, loaded = _run(warm_project, "-n", "2")
    third.assert_outcomes(passed=7)
    third.stdout.fnmatch_lines([f"odmd-bdd: reusing the running embedded enver (pid {kept.pid}, *"])
    assert loaded == {"moto": False, "playwright": False}


def test_a_distributed_run_keeps_one_enver_which_all_its_workers_reuse(warm_project):
    """The controller looks for (and with --keep-enver starts) the running enver once: two workers
    each looking would each spawn one, the second replacing the first under its worker."""
    result, loaded = _run(warm_project, "-n", "2", "--keep-enver")
    result.assert_outcomes(passed=7)
    assert result.stdout.str().count("odmd-bdd: started an embedded enver that outlives this run") == 1
    result.stdout.fnmatch_lines(["*every worker reuses the running embedded enver*"])
    kept = RunningEnver.read(running.state_path(warm_project.path))
    assert kept is not None and kept.started_by == "--keep-enver" and running.alive(kept.pid)
    assert loaded == {"moto": False, "playwright": False}


def test_a_changed_dataset_is_detected_and_a_fresh_enver_started(warm_project):
    process, state = _local_enver(warm_project)
    try:
        replace_in(warm_project.path / "fixtures/dataset/master-mock-dataset.yaml", "\n", "\n# changed\n")
        result, loaded = _run(warm_project)
        result.assert_outcomes(passed=7)
        result.stdout.fnmatch_lines(
            [
                f"odmd-bdd: not reusing the embedded enver of .odmd/enver.json (pid {state.pid}, {state.url}) "
                "differs: the constellation, dataset, contracts or enver code changed since it started; "
                "starting a fresh embedded enver"
            ]
        )
        assert loaded["moto"] is True  # it started its own embedded AWS
        assert "embedded_enver: reused" not in result.stdout.str()
        assert f"identity-service.base_url: {state.url}/" not in result.stdout.str()
    finally:
        process.terminate()
        process.wait(20)


def test_a_dead_enver_is_ignored_and_its_state_file_removed(warm_project):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    constellation = Constellation.load(warm_project.path / "fixtures/envers/constellation.yaml")
    path = running.state_path(warm_project.path)
    RunningEnver(
        url="http://127.0.0.1:9",
        web_url="http://127.0.0.1:9",
        endpoint_url="http://127.0.0.1:9",
        region="us-east-1",
        pid=gone.pid,
        transport="sfn",
        constellation=str(constellation.path),
        digest=running.digest(constellation),
    ).write(path)
    result, loaded = _run(warm_project)
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(
        [
            f"odmd-bdd: not reusing the embedded enver of .odmd/enver.json (pid {gone.pid}, http://127.0.0.1:9) "
            f"is gone: pid {gone.pid} is not running; starting a fresh embedded enver"
        ]
    )
    assert loaded["moto"] is True
    assert not path.exists()


def test_faults_never_reach_a_reused_enver_nor_come_from_one(warm_project):
    process, state = _local_enver(warm_project)
    plan = warm_project.path / "plan.json"
    plan.write_text(json.dumps({"enver": [{"operation": "identity-service.createEntity", "status": 200}]}))
    try:
        # A run with a fault plan plants it in an enver of its own: the running one is left alone.
        faulted, loaded = _run(warm_project, "--odmd-faults", str(plan))
        assert faulted.ret == pytest.ExitCode.TESTS_FAILED  # the planted fault is caught
        assert loaded["moto"] is True and "reusing" not in faulted.stdout.str()
        assert httpx.get(f"{state.url}/_odmd/faults", trust_env=False).json() == []

        # Keeping an enver with faults in it would hand them to the next runs: refused.
        kept = warm_project.runpytest_subprocess(UC1, "--layer", "api", "--keep-enver", "--odmd-faults", str(plan))
        assert kept.ret == pytest.ExitCode.USAGE_ERROR
        kept.stderr.fnmatch_lines(["*--keep-enver with --odmd-faults: a kept enver is reused by other runs*"])

        # An enver someone planted a fault in over HTTP is not reused.
        fault = {"operation": "identity-service.createEntity", "status": 200}
        assert httpx.put(f"{state.url}/_odmd/faults", json=[fault], trust_env=False).status_code == 200
        result, loaded = _run(warm_project)
        result.assert_outcomes(passed=7)
        result.stdout.fnmatch_lines(
            [
                f"odmd-bdd: not reusing the embedded enver of .odmd/enver.json (pid {state.pid}, *) has 1 fault(s) planted*"
            ]
        )
        assert loaded["moto"] is True
        # Refused, not forgotten: the state file still names it, and without the fault it is reused.
        assert RunningEnver.read(running.state_path(warm_project.path)) == state
        assert httpx.delete(f"{state.url}/_odmd/faults", trust_env=False).status_code == 200
        result, loaded = _run(warm_project)
        result.assert_outcomes(passed=7)
        assert loaded["moto"] is False and f"reusing the running embedded enver (pid {state.pid}" in result.stdout.str()

        # A fault of the web client (served to every page that loads) stops a reuse the same way.
        client_fault = {"kind": "show", "operation": "login", "field": "user_id", "value": "someone else"}
        faults = f"{state.url}/_odmd/web-client/faults"
        assert httpx.put(faults, json=[client_fault], trust_env=False).status_code == 200
        constellation = Constellation.load(warm_project.path / "fixtures/envers/constellation.yaml")
        assert "has 1 fault(s) planted" in str(running.find(warm_project.path, constellation, "sfn").reason)
        assert httpx.delete(faults, trust_env=False).status_code == 200
        assert running.find(warm_project.path, constellation, "sfn").enver == state
    finally:
        process.terminate()
        process.wait(20)
    assert not Path(running.state_path(warm_project.path)).exists()  # it removed its state file as it stopped


def test_keep_enver_beside_an_outdated_enver_started_by_hand_runs_with_its_own_and_leaves_that_one_be(warm_project):
    """The hand-started enver is the user's to stop, and while it runs a new one does not take its
    state file over: the run says so and starts its own (before, it waited 90 s for a state file)."""
    process, state = _local_enver(warm_project)
    try:
        replace_in(warm_project.path / "fixtures/dataset/master-mock-dataset.yaml", "\n", "\n# changed\n")
        result, loaded = _run(warm_project, "--keep-enver")
        result.assert_outcomes(passed=7)
        result.stdout.fnmatch_lines(
            [
                f"odmd-bdd: not reusing the embedded enver of .odmd/enver.json (pid {state.pid}, *) differs*",
                "odmd-bdd: --keep-enver ignored (.odmd/enver.json names an enver started by `odmd-bdd local-enver` "
                f"(pid {state.pid}); `odmd-bdd local-enver --stop` stops it): this run's enver stops with it",
            ]
        )
        assert loaded["moto"] is True and "outlives this run" not in result.stdout.str()
        assert process.poll() is None and RunningEnver.read(running.state_path(warm_project.path)) == state
    finally:
        process.terminate()
        process.wait(20)


def test_a_kept_enver_a_change_made_outdated_is_replaced_by_the_next_keep_enver_run(warm_project):
    first, _loaded = _run(warm_project, "--keep-enver")
    first.assert_outcomes(passed=7)
    old = RunningEnver.read(running.state_path(warm_project.path))
    assert old is not None and old.started_by == "--keep-enver"
    replace_in(warm_project.path / "fixtures/dataset/master-mock-dataset.yaml", "\n", "\n# changed\n")
    second, _loaded = _run(warm_project, "--keep-enver")
    second.assert_outcomes(passed=7)
    new = RunningEnver.read(running.state_path(warm_project.path))
    assert new is not None and new.pid != old.pid and new.digest != old.digest
    second.stdout.fnmatch_lines([f"odmd-bdd: started an embedded enver that outlives this run (pid {new.pid}, *"])
    assert not running.alive(old.pid)  # replaced, not left behind


def test_a_running_enver_is_reusable_only_while_everything_it_answers_from_is_unchanged(warm_project):
    """The digest covers the constellation file and every contract file a bundle reads, a part in a
    folder of its own too; and the enver must answer from the pid its state file names."""
    contracts = warm_project.path / "fixtures/contracts"
    (contracts / "parts").mkdir()
    (contracts / "identity-service.openapi.json").rename(contracts / "parts/identity-service.openapi.json")
    replace_in(contracts / "identity-service.bundle.json", '"http": "', '"http": "parts/')
    path = warm_project.path / "fixtures/envers/constellation.yaml"
    process, state = _local_enver(warm_project)

    def found() -> running.Found:
        return running.find(warm_project.path, Constellation.load(path), "sfn")

    try:
        assert found().enver == state
        for changed in (path, contracts / "parts/identity-service.openapi.json"):
            original = changed.read_bytes()
            changed.write_bytes(original + b"\n")
            assert "differs: the constellation, dataset, contracts or enver code changed" in str(found().reason)
            changed.write_bytes(original)
            assert found().enver == state
        # A state file whose pid is alive but is not the enver's (a recycled pid): not that enver.
        with _state_naming_another_process(warm_project, state):
            assert f"does not answer: {state.url} is served by pid {state.pid}" in str(found().reason)
    finally:
        process.terminate()
        process.wait(20)


def test_fresh_enver_and_explicit_addresses_never_reuse_a_running_enver(warm_project, monkeypatch):
    process, state = _local_enver(warm_project)
    try:
        fresh, loaded = _run(warm_project, "--fresh-enver")
        fresh.assert_outcomes(passed=7)
        assert loaded["moto"] is True and "reusing" not in fresh.stdout.str()
        # One service at an explicit address: the enver of this run hosts the others and its web
        # client calls that address; a reused enver would serve all of them itself.
        # (Its events go to that enver's own AWS, not this run's: only scenarios without events run.)
        monkeypatch.setenv("ODMD_IDENTITY_BASE_URL", f"{state.url}/identity-service")
        explicit, loaded = _run(warm_project, "-k", "refused")
        explicit.assert_outcomes(passed=3, deselected=4)
        assert loaded["moto"] is True and "reusing" not in explicit.stdout.str()
    finally:
        process.terminate()
        process.wait(20)


def _stop_command(project: pytest.Pytester) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "odmd_bdd.tools.cli", "local-enver", "--stop"]
    return subprocess.run(command, cwd=project.path, capture_output=True, text=True, timeout=60)


def test_local_enver_stop_stops_the_enver_its_state_file_names_and_nothing_else(warm_project):
    process, state = _local_enver(warm_project)
    try:
        stopped = _stop_command(warm_project)
        assert (stopped.returncode, stopped.stdout.strip()) == (
            0,
            f"odmd-bdd: stopped the embedded enver (pid {state.pid}, {state.url})",
        )
        assert process.wait(20) is not None and not running.state_path(warm_project.path).exists()
    finally:
        process.kill()
        process.wait(20)
    # A state file left naming a pid the system gave to another process since: that process is not signalled.
    with _state_naming_another_process(warm_project, state) as other:
        refused = _stop_command(warm_project)
        assert (
            refused.returncode == 1
            and "does not answer as an embedded enver" in refused.stdout
            and "left alone" in refused.stdout
        )
        assert other.poll() is None and not running.state_path(warm_project.path).exists()
    assert "no running embedded enver" in _stop_command(warm_project).stdout
