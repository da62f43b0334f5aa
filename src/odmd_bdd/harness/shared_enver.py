"""One embedded enver for all xdist workers, hosted by the controller.

The logic behind the hooks of odmd_bdd/pytest_plugin/xdist_enver.py.

Without this, `pytest features/ -n 2` brings up an embedded AWS and a local enver in every
worker (~1.5 s and ~2 CPU-seconds each), and on a machine with few cores the workers'
start-up ate what the parallel scenarios saved. Instead, when the run is distributed
(`-n N`), the enver is embedded and features are selected, the xdist controller — which
otherwise only schedules — brings the embedded enver up once:

1. `pytest_sessionstart` (controller) starts `resolve_enver` in a thread, so the enver comes
   up while the workers start their interpreters and collect; its embedded AWS runs in a child
   process (odmd_bdd/aws/embedded_process.py), the services in the controller;
2. `pytest_configure_node` hands every worker the path of a hand-off file;
3. the thread writes the embedded AWS's address there (or the error that stopped it), with
   an atomic rename;
4. a worker's `enver` fixture (`attach_or_none`) polls for that file with a deadline, then
   resolves the enver from what the controller read of it through the embedded AWS, exactly
   as it reads a deployed one (`resolve_enver(..., attach=address)`: the file carries the
   /odmd-share values and artifact versions the controller's resolution read);
5. `pytest_sessionfinish` (controller) stops the enver after the workers are done.

Scenario runs stay isolated on a shared enver the way they are on a deployed one: every
request carries the run's `X-Odmd-Run` id (per-run state for `after:` cases) and events go
to per-run queues. A fault plan (`--odmd-faults`) is planted once, in the shared enver.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from odmd_bdd.aws.share import ShareSnapshot
from odmd_bdd.errors import OdmdError
from odmd_bdd.harness import heap, warm_enver
from odmd_bdd.harness.collection import runs_features
from odmd_bdd.harness.run_enver import resolve_run_enver
from odmd_bdd.harness.stash import CONSTELLATION
from odmd_bdd.resolution.envers import EmbeddedAddress, Enver

WORKERINPUT_KEY = "odmd_shared_enver"
HANDOFF_NAME = "enver.json"
HANDOFF_WAIT_S = 90.0  # a worker waits this long for the controller's enver (moto cold start is ~1.5 s)
POLL_S = 0.02


@dataclass
class SharedEnver:
    """The controller's side: the thread bringing the enver up and where it says so."""

    folder: Path
    enver: Enver | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def handoff(self) -> Path:
        return self.folder / HANDOFF_NAME


SHARED = pytest.StashKey[SharedEnver]()


def _xdist_controller(config: pytest.Config) -> bool:
    return config.pluginmanager.has_plugin("dsession") and not hasattr(config, "workerinput")


def wanted(config: pytest.Config) -> bool:
    """Should this process host one embedded enver for its workers?"""
    constellation = config.stash.get(CONSTELLATION, None)
    if constellation is None or not _xdist_controller(config) or not runs_features(config):
        return False
    spec = constellation.envers.get(config.getoption("enver"))
    return spec is not None and spec.embedded


def _write_json(path: Path, data: dict) -> None:
    part = path.with_suffix(".part")
    part.write_text(json.dumps(data), encoding="utf-8")
    os.replace(part, path)  # a worker never reads half a file


def _handoff(address: EmbeddedAddress) -> dict[str, Any]:
    data: dict[str, Any] = {"endpoint_url": address.endpoint_url, "region": address.region}
    if address.share is not None:
        data["share"] = address.share.to_json()
    return data


def _bring_up(config: pytest.Config, shared: SharedEnver) -> None:
    try:
        # The controller serves every worker's requests to the services; moto, about half of that
        # CPU, runs beside it in a process of its own (odmd_bdd/aws/embedded_process.py).
        shared.enver = enver = resolve_run_enver(config, config.stash[CONSTELLATION], aws_process=True)
        heap.settle()  # moto, its models and the services live until the end (harness/heap.py)
        _write_json(shared.handoff, _handoff(EmbeddedAddress(enver.aws.endpoint_url, enver.aws.region, enver.share)))
    except BaseException as exc:
        error = str(exc) if isinstance(exc, OdmdError) else f"{type(exc).__name__}: {exc}"
        _write_json(shared.handoff, {"error": error})
    finally:
        shared.done.set()


def start(config: pytest.Config) -> None:
    """On the controller of a distributed feature run: bring the embedded enver up in a thread."""
    if not wanted(config):
        return
    shared = SharedEnver(Path(tempfile.mkdtemp(prefix="odmd-shared-enver-")))
    config.stash[SHARED] = shared
    warm = warm_enver.attach_or_none(config, config.stash[CONSTELLATION])
    if warm is not None:  # a running enver of the project: the workers attach to it, nobody starts one
        _write_json(shared.handoff, _handoff(warm))
        shared.done.set()
        return
    threading.Thread(target=_bring_up, args=(config, shared), name="odmd-shared-enver", daemon=True).start()


def hand_to_worker(node: Any) -> None:
    """Tell a starting worker where the hand-off file will be."""
    shared = node.config.stash.get(SHARED, None)
    if shared is not None:
        node.workerinput[WORKERINPUT_KEY] = str(shared.handoff)


def stop(config: pytest.Config) -> None:
    """After the workers are done: stop the shared enver."""
    shared = config.stash.get(SHARED, None)
    if shared is None:
        return
    shared.done.wait(HANDOFF_WAIT_S)
    if shared.enver is not None:
        shared.enver.close()
        shared.enver = None
    shutil.rmtree(shared.folder, ignore_errors=True)


def report_header(config: pytest.Config) -> str | None:
    shared = config.stash.get(SHARED, None)
    return "odmd-bdd: one embedded enver for all workers, hosted by the controller" if shared is not None else None


# --- the worker's side -----------------------------------------------------------------


def read_handoff(path: Path, deadline_s: float = HANDOFF_WAIT_S) -> EmbeddedAddress:
    """The shared embedded AWS's address. The controller's failure to start it is raised here as
    the same OdmdError message."""
    until = time.monotonic() + deadline_s
    while not path.exists():
        if time.monotonic() > until:
            raise OdmdError(
                f"the xdist controller did not bring the shared embedded enver up within {deadline_s:g}s (no {path})"
            )
        time.sleep(POLL_S)  # poll: the controller writes the file once, atomically
    data = json.loads(path.read_text(encoding="utf-8"))
    if "error" in data:
        raise OdmdError(f"the shared embedded enver (started by the xdist controller) failed: {data['error']}")
    share = ShareSnapshot.from_json(data["share"]) if "share" in data else None
    return EmbeddedAddress(data["endpoint_url"], data["region"], share)


def attach_or_none(config: pytest.Config) -> EmbeddedAddress | None:
    """On an xdist worker whose controller hosts the embedded enver: its address. Else None."""
    given = getattr(config, "workerinput", {}).get(WORKERINPUT_KEY)
    return read_handoff(Path(given)) if given else None
