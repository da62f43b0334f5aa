"""Each xdist worker's own threads keep to a core of their own; what a worker starts (the Playwright
driver, Chromium) may use every core (odmd_bdd/cpus.py, harness/shards.py `pin_worker`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# Pins run in a child interpreter: a pin of this test process would outlive the test.
PIN = """
import json, os, subprocess, sys, threading
from odmd_bdd import cpus

CHILD = "import json, os; print(json.dumps(sorted(os.sched_getaffinity(0))))"

def spawned():
    return json.loads(subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True).stdout)

cores = sorted(os.sched_getaffinity(0))
out = {"cores": cores, "too_many": cpus.pin(0, len(cores) + 1), "alone": cpus.pin(0, 1)}
out["after_refusals"] = sorted(os.sched_getaffinity(0))
out["core"] = cpus.pin(1, 2)
seen = {}
thread = threading.Thread(target=lambda: seen.update(thread=sorted(os.sched_getaffinity(0))))
thread.start()
thread.join()
with cpus.unpinned():
    out["spawned_unpinned"] = spawned()
out["spawned_pinned"] = spawned()
out["main"] = sorted(os.sched_getaffinity(0))
print(json.dumps(out | seen))
"""


def test_a_pinned_thread_keeps_its_threads_on_its_core_and_lets_what_it_spawns_use_all():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    found = json.loads(
        subprocess.run([sys.executable, "-c", PIN], capture_output=True, text=True, env=env, check=True).stdout
    )
    cores = found["cores"]
    assert found["too_many"] is None and found["alone"] is None  # more workers than cores, or one worker
    assert found["after_refusals"] == cores
    if len(cores) < 2:  # one core: nothing to pin to (this machine and CI have two)
        assert found["core"] is None and found["main"] == found["thread"] == found["spawned_pinned"] == cores
        return
    core = cores[1]
    assert found["core"] == core
    assert found["main"] == found["thread"] == [core]  # a thread started after the pin inherits it
    assert found["spawned_pinned"] == [core]  # a process does too, unless started unpinned:
    assert found["spawned_unpinned"] == cores


PROBE = """

import pytest  # noqa: E402  (added by tests/test_worker_cpus.py: each worker's affinities, as its last test ends)

_CPUS = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    import os, threading
    from pathlib import Path

    _CPUS["threads"] = {t.name: sorted(os.sched_getaffinity(t.native_id)) for t in threading.enumerate() if t.native_id}
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    mine = {os.getpid()}
    for _ in range(6):  # the driver, Chromium and its helpers: a few generations below the worker
        mine |= {pid for pid, parent in parents.items() if parent in mine}
    children = []
    for pid in mine - {os.getpid()}:
        try:
            children.append(sorted(os.sched_getaffinity(pid)))
        except OSError:
            pass
    _CPUS["children"] = children
    yield


def pytest_sessionfinish(session):
    import json
    from pathlib import Path

    worker = getattr(session.config, "workerinput", {}).get("workerid")
    if worker is not None:
        Path(session.config.rootpath, f"cpus-{worker}.json").write_text(json.dumps(_CPUS))
"""


def _run(project: pytest.Pytester, *args: str) -> dict[str, dict]:
    with open(project.path / "conftest.py", "a", encoding="utf-8") as conftest:
        conftest.write(PROBE)
    result = project.runpytest_subprocess(
        "features/uc1_authentication_key_entity.feature",
        "-k",
        "refreshes_the_session",
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        *args,
    )
    result.assert_outcomes(passed=2)  # the scenario on both layers
    return {w: json.loads((project.path / f"cpus-{w}.json").read_text()) for w in ("gw0", "gw1")}


def test_each_worker_keeps_to_a_core_of_its_own_and_its_browser_does_not(project):
    cores = sorted(os.sched_getaffinity(0))
    found = _run(project)
    pinned = {}
    for worker, seen in found.items():
        main, enver = seen["threads"]["MainThread"], seen["threads"]["odmd-local-enver"]
        if len(cores) < 2:
            assert main == enver == cores
            continue
        assert len(main) == 1 and enver == main, seen  # the services' thread started after the pin
        pinned[worker] = main[0]
        assert all(child == cores for child in seen["children"]), seen  # driver, Chromium: every core
    if len(cores) >= 2:
        assert sorted(pinned.values()) == cores[:2]  # gw0 and gw1 on different cores
        assert any(seen["children"] for seen in found.values()), "the GUI scenario's worker started a browser"


def test_no_pin_workers_leaves_every_thread_free(project):
    cores = sorted(os.sched_getaffinity(0))
    for seen in _run(project, "--no-pin-workers").values():
        assert seen["threads"]["MainThread"] == seen["threads"]["odmd-local-enver"] == cores
