"""Warm runs: reuse a running embedded enver instead of starting one (moto, publishing, reading back).

`odmd-bdd local-enver` — or a run given `--keep-enver`, which starts one in its own process and
leaves it up — writes `<rootdir>/.odmd/enver.json` (odmd_bdd/localenv/running.py). A run of the
embedded enver with no explicit addresses looks there first; when the enver it names is alive,
healthy, fault-free and answers from the very constellation, dataset, contracts and enver code
this run would start (content digest), the run attaches to it
(`resolve_enver(..., attach=EmbeddedAddress)`): it resolves the
enver from what the enver read back of itself from /odmd-share at start (the state file's
`share`), and uses its embedded AWS for the run's events. Runs stay isolated on it as on any
shared enver: every request carries the scenario run's `X-Odmd-Run` id and events go to
per-run queues. In an xdist run the controller looks once and tells the workers
(harness/worker_envers.py).

A fault plan is global to an enver, so a run with `--odmd-faults` never reuses one (it plants
its faults in an enver of its own), `--keep-enver` with `--odmd-faults` is refused, and an
enver with any fault planted is not reused. Anything that stops a reuse is said in one line
and the run starts a fresh embedded enver; `--fresh-enver` skips the look-up.

`--keep-enver` replaces an enver an earlier `--keep-enver` run kept (it waits for it to stop), but
never one started by hand with `odmd-bdd local-enver`: beside an outdated one it keeps nothing and
says so (the user stops theirs; while it runs, a new enver would not take its state file over).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from odmd_bdd import cpus
from odmd_bdd.aws.share import ShareSnapshot
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import EnverError, OdmdError
from odmd_bdd.localenv import running
from odmd_bdd.localenv.running import RunningEnver
from odmd_bdd.resolution.envers import EmbeddedAddress

SPAWN_WAIT_S = 90.0  # a kept enver's process may take this long to come up (moto cold start ~2-3 s)
POLL_S = 0.05
LOG_NAME = "local-enver.log"
KEPT_BY_RUN = "--keep-enver"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("odmd-bdd")
    group.addoption(
        "--keep-enver",
        action="store_true",
        default=False,
        help="leave the embedded enver up after the run, in a process of its own, for the next runs to reuse "
        "(stop it with `odmd-bdd local-enver --stop`)",
    )
    group.addoption(
        "--fresh-enver",
        action="store_true",
        default=False,
        help="start an embedded enver for this run even when a running one could be reused",
    )


def say(config: pytest.Config, line: str) -> None:
    """One line on the terminal, even from inside a test's captured set-up."""
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if terminal is None:
        return
    if capture is None:
        terminal.write_line(line)
        return
    with capture.global_and_fixture_disabled():
        terminal.write_line(line)


def _why_not(config: pytest.Config, constellation: Constellation) -> str | None:
    """Why this run must not reuse (or keep) an enver, None when it may."""
    spec = constellation.envers.get(config.getoption("enver"))
    if spec is None or not spec.embedded:
        return "not an embedded enver"
    if config.getoption("base_urls") or any(os.environ.get(s.base_url_env) for s in constellation.services.values()):
        return "explicit addresses"
    if config.getoption("odmd_faults"):
        return "--odmd-faults"
    if config.getoption("fresh_enver"):
        return "--fresh-enver"
    return None


def check_options(config: pytest.Config) -> None:
    if config.getoption("keep_enver") and config.getoption("odmd_faults"):
        raise pytest.UsageError(
            "--keep-enver with --odmd-faults: a kept enver is reused by other runs, and the planted faults would "
            "reach them; plant faults in a run's own enver (drop --keep-enver)"
        )


REUSED = pytest.StashKey[RunningEnver]()  # config: the running enver this process reuses


def attach_or_none(config: pytest.Config, constellation: Constellation) -> EmbeddedAddress | None:
    """The address of the running enver this run reuses (starting a kept one with --keep-enver), else None."""
    try:
        state = _warm(config, constellation)
    except OdmdError as exc:
        pytest.exit(f"odmd-bdd: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    if state is None:
        return None
    config.stash[REUSED] = state
    return EmbeddedAddress(state.endpoint_url, state.region, _share(state))


def _share(state: RunningEnver) -> ShareSnapshot | None:
    """What the enver read of itself at start; without it (or malformed), the run reads /odmd-share."""
    try:
        return ShareSnapshot.from_json(state.share) if state.share is not None else None
    except EnverError:
        return None


def described(config: pytest.Config) -> str | None:
    """What the report says about a reused enver."""
    state = config.stash.get(REUSED, None)
    return f"reused: pid {state.pid} ({state.started_by}), {state.url}" if state is not None else None


def _warm(config: pytest.Config, constellation: Constellation) -> RunningEnver | None:
    why_not = _why_not(config, constellation)
    if why_not is not None:
        if config.getoption("keep_enver"):
            say(config, f"odmd-bdd: --keep-enver ignored ({why_not}): this run's enver stops with it")
        return None
    transport = config.getoption("transport") or constellation.envers[config.getoption("enver")].transport
    root = config.rootpath
    found = running.find(root, constellation, transport)
    if found.enver is None and found.reason:
        say(config, f"odmd-bdd: not reusing {found.reason}; starting a fresh embedded enver")
        stale = RunningEnver.read(running.state_path(root))
        if stale is not None and not running.alive(stale.pid):
            stale.remove(running.state_path(root))  # a dead enver's file only misleads the next run
    state = found.enver
    if state is None and config.getoption("keep_enver"):
        held = _make_room(root)
        if held is not None:
            say(config, f"odmd-bdd: --keep-enver ignored ({held}): this run's enver stops with it")
            return None
        state = _spawn(root, constellation)
        say(
            config,
            f"odmd-bdd: started an embedded enver that outlives this run (pid {state.pid}, {state.url}); "
            "odmd-bdd local-enver --stop stops it",
        )
    elif state is not None:
        say(
            config,
            f"odmd-bdd: reusing the running embedded enver (pid {state.pid}, {state.url}; "
            f"{running.STATE_DIR}/{running.STATE_NAME}); --fresh-enver starts one for this run",
        )
    return state


def _make_room(root: Path) -> str | None:
    """Free the project's state file for the enver this run keeps; why not, when an enver started by
    hand (`odmd-bdd local-enver`) holds it: that one is the user's to stop, and while it runs a new
    enver does not take the file over."""
    path = running.state_path(root)
    old = RunningEnver.read(path)
    if old is None or not running.alive(old.pid):
        return None
    if not running.serves(old):  # a recycled pid or a hung enver: the file would only block the new one
        old.remove(path)
        return None
    if old.started_by != KEPT_BY_RUN:
        return (
            f"{running.STATE_DIR}/{running.STATE_NAME} names an enver started by `odmd-bdd local-enver` "
            f"(pid {old.pid}); `odmd-bdd local-enver --stop` stops it"
        )
    running.stop(old, path)  # an outdated enver a run kept: replaced, not left behind
    return None


def _spawn(root: Path, constellation: Constellation) -> RunningEnver:
    """Start `odmd-bdd local-enver` in a process of its own, detached from this run; wait for its state file."""
    path = running.state_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    log = path.parent / LOG_NAME
    command = [
        sys.executable,
        "-m",
        "odmd_bdd.tools.cli",
        "local-enver",
        "--constellation",
        str(constellation.path),
        "--project",
        str(root),
        f"--started-by={KEPT_BY_RUN}",
    ]
    with open(log, "wb") as out, cpus.unpinned():  # a kept enver outlives this run: not this worker's core
        process = subprocess.Popen(
            command, cwd=root, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    until = time.monotonic() + SPAWN_WAIT_S
    while True:
        state = RunningEnver.read(path)
        if state is not None and state.pid == process.pid:
            return state
        if process.poll() is not None:
            tail = "\n  ".join(log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:])
            raise OdmdError(
                f"--keep-enver: the embedded enver's process ended with code {process.returncode}:\n  {tail}"
            )
        if time.monotonic() > until:
            process.terminate()
            raise OdmdError(f"--keep-enver: the embedded enver did not come up within {SPAWN_WAIT_S:g}s (see {log})")
        time.sleep(POLL_S)  # poll: the process writes its state file once, atomically
