"""A running embedded enver that other processes can find and reuse: its state file.

`odmd-bdd local-enver` (and a run given `--keep-enver`, which starts one) writes
`<project>/.odmd/enver.json` once its embedded AWS and services answer:

    {"url": …, "web_url": …, "endpoint_url": …, "region": …, "pid": …, "transport": "sfn",
     "constellation": "/abs/constellation.yaml", "digest": "sha256:…", "share": {…}}

`share` is what the enver read back of itself from /odmd-share at start (aws/share.py
`ShareSnapshot`): a run reusing the enver resolves it from there, with no AWS call.

The digest covers what the enver answers from: the constellation file, the dataset, every
file of the contracts' folders and every file a bundle reads (wherever it is), and the enver's
own code (odmd_bdd's localenv, aws, events, data and contracts modules). A later
`pytest features/` reuses the enver only when the digest is the one it computes itself, the pid
is alive, `/_odmd/health` answers from that pid, the embedded AWS answers, and no fault is
planted in it (a fault plan is global to an enver: it would reach every run that shares it). Anything else is one line saying why, and the run
starts an embedded enver of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from odmd_bdd import __version__, tls
from odmd_bdd.contracts.loading import local_files
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import EnverError

STATE_DIR = ".odmd"  # under the project root; gitignored
STATE_NAME = "enver.json"
# The enver's own code: a reused enver runs the code it was started with, so a change to it is a change.
CODE_ROOMS = ("localenv", "aws", "events", "data", "contracts")
PROBE_TIMEOUT_S = 2.0
STOP_WAIT_S = 15.0  # an enver asked to stop removes its state file within this (moto's shutdown included)


def state_path(project: Path) -> Path:
    return project / STATE_DIR / STATE_NAME


@dataclass(frozen=True)
class RunningEnver:
    url: str  # the services' origin
    web_url: str  # the web client's origin
    endpoint_url: str  # the embedded AWS
    region: str
    pid: int
    transport: str  # "sfn": the BDD state machine is deployed in it too
    constellation: str
    digest: str
    started_by: str = "local-enver"  # or "--keep-enver": a run started it, and a later one may replace it
    share: dict[str, Any] | None = field(default=None, compare=False, repr=False)  # ShareSnapshot.to_json()

    def write(self, path: Path) -> None:
        """Atomically: a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")  # the folder is machine state, never committed
        part = path.with_name(f".{path.name}.{os.getpid()}.part")
        part.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        os.replace(part, path)

    @classmethod
    def read(cls, path: Path) -> RunningEnver | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw or k not in _OPTIONAL})
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remove(self, path: Path) -> None:
        """Remove the state file if it still names this enver (another may have replaced it)."""
        if RunningEnver.read(path) == self:
            path.unlink(missing_ok=True)


_OPTIONAL = ("started_by", "share")


def digest(constellation: Constellation) -> str:
    """What the enver answers from, hashed: constellation, dataset, contracts, the enver's code."""
    files = {constellation.path, constellation.dataset_path}
    for spec in constellation.services.values():
        folder = spec.contract_path.parent  # bundles name their parts relative to it
        files |= {p for p in folder.iterdir() if p.is_file()}
        files |= local_files(spec.contract_path)  # a bundle's parts, wherever they are
    package = Path(__file__).resolve().parent.parent
    for room in CODE_ROOMS:
        files |= set((package / room).rglob("*.py")) | set((package / room).rglob("*.json"))
    sha = hashlib.sha256(__version__.encode())
    for path in sorted(files):
        sha.update(b"\0" + str(path).encode() + b"\0")
        try:
            sha.update(path.read_bytes())
        except OSError:
            sha.update(b"(unreadable)")
    return "sha256:" + sha.hexdigest()


def _probing(state: RunningEnver) -> httpx.Client:
    """A client for asking the enver `state` names how it is (short timeout, no proxy)."""
    return httpx.Client(timeout=PROBE_TIMEOUT_S, trust_env=False, verify=tls.context_for(state.url, state.endpoint_url))


def serves(state: RunningEnver) -> bool:
    """Whether the enver `state` names answers its health check from its own pid (the pid is not a
    recycled one, and the enver is not hung)."""
    try:
        with _probing(state) as http:
            return bool(http.get(f"{state.url}/_odmd/health").json().get("pid") == state.pid)
    except (httpx.HTTPError, ValueError, AttributeError):
        return False


def stop(state: RunningEnver, path: Path, within_s: float = STOP_WAIT_S) -> bool:
    """SIGTERM the enver `state` names and wait until it is gone or has removed its state file `path`
    (it does as it stops). False when it was already gone."""
    try:
        os.kill(state.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + within_s
    while alive(state.pid) and RunningEnver.read(path) == state:
        if time.monotonic() > deadline:
            raise EnverError(f"the embedded enver of {path} (pid {state.pid}) did not stop within {within_s:g}s")
        time.sleep(0.05)  # poll with a deadline
    return True


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: not ours to reuse
        return False
    return True


@dataclass(frozen=True)
class Found:
    """What the state file led to: an enver to reuse, or why not (`reason`, None: no file)."""

    enver: RunningEnver | None
    reason: str | None = None


def find(project: Path, constellation: Constellation, transport: str = "http") -> Found:
    """The running enver of `project` if it can serve a run of `constellation` over `transport`."""
    path = state_path(project)
    if not path.exists():
        return Found(None)
    state = RunningEnver.read(path)
    where = path.relative_to(project) if path.is_relative_to(project) else path
    if state is None:
        return Found(None, f"{where} is unreadable")
    said = f"the embedded enver of {where} (pid {state.pid}, {state.url})"
    if not alive(state.pid):
        return Found(None, f"{said} is gone: pid {state.pid} is not running")
    if state.constellation != str(constellation.path):
        return Found(None, f"{said} serves another constellation ({state.constellation})")
    if state.digest != digest(constellation):
        return Found(
            None, f"{said} differs: the constellation, dataset, contracts or enver code changed since it started"
        )
    if transport == "sfn" and state.transport != "sfn":
        return Found(None, f"{said} has no BDD state machine for --transport sfn")
    problem = _probe(state)
    if problem:
        return Found(None, f"{said} {problem}")
    return Found(state)


def _probe(state: RunningEnver) -> str | None:
    """None when the enver answers from its pid with no fault planted, else what is wrong."""
    try:
        with _probing(state) as http:
            health = http.get(f"{state.url}/_odmd/health").json()
            if health.get("pid") != state.pid:
                return f"does not answer: {state.url} is served by pid {health.get('pid')}"
            faults = http.get(f"{state.url}/_odmd/faults").json()
            client_faults = http.get(f"{state.url}/_odmd/web-client/faults").json()
            if faults or client_faults:
                return (
                    f"has {len(faults) + len(client_faults)} fault(s) planted "
                    "(they would reach this run; DELETE /_odmd/faults and /_odmd/web-client/faults to reuse it)"
                )
            http.get(f"{state.endpoint_url}/moto-api/config").raise_for_status()
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return f"does not answer: {type(exc).__name__}: {exc}"
    return None
